/**
 * A URL's userinfo is a secret wherever it came from: git users paste tokens there
 * (https://TOKEN@host/..., https://user:password@host/...). Every URL shown, logged or put into
 * status passes through this, and so does free text that may echo one (git's own stderr).
 */
export function redactUserinfo(text: string): string {
  // Userinfo is everything between `scheme://` and the last `@` before the host's end; it has no `/`.
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi, "$1");
}
