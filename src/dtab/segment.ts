/**
 * Lexical rules for path segments. Finagle writes these characters as they are (DNS-like
 * labels plus a few extras) and every other byte as `\xHH`.
 */

const SHOWABLE = /^[0-9A-Za-z_:.#$%-]$/;
const ALL_SHOWABLE = /^[0-9A-Za-z_:.#$%-]+$/;

export function isShowable(ch: string): boolean {
  return SHOWABLE.test(ch);
}

const utf8 = new TextEncoder();

/** The `\xHH` escapes of a character's UTF-8 bytes, lowercase like Finagle prints them. */
export function escapeChar(ch: string): string {
  return Array.from(utf8.encode(ch), (byte) => `\\x${byte.toString(16).padStart(2, "0")}`).join("");
}

/**
 * A segment's text form. Only the characters that need it are escaped (Finagle escapes the whole
 * segment once one character needs it); both forms parse to the same segment.
 */
export function showSegment(segment: string): string {
  if (segment === "") {
    throw new RangeError("a path segment must not be empty");
  }
  if (ALL_SHOWABLE.test(segment)) {
    return segment;
  }
  let text = "";
  for (const ch of segment) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      throw new RangeError(`path segment ${JSON.stringify(segment)} is not well-formed Unicode`);
    }
    text += isShowable(ch) ? ch : escapeChar(ch);
  }
  return text;
}
