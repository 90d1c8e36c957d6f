import { HttpStatusError } from "./http-status-error.js";

/**
 * How the controller talks to the HTTP APIs a manifest may point at (Consul, namerd, Grafana): no
 * redirects followed, answers read up to a size, and what an answer says echoed into errors (and
 * so into /status and the page) only as a short, plain excerpt.
 */

export const MIB = 1024 * 1024;

/** The longest part of an answer an error message repeats. */
const EXCERPT_CHARS = 300;
/** How much of an error answer is read to make that excerpt; the rest is discarded unread. */
const ERROR_BODY_BYTES = 16 * 1024;

/** An answer over the size the caller expects: read no further, and not retried. */
export class ResponseTooLargeError extends Error {
  override readonly name = "ResponseTooLarge";
  readonly $fault = "client";
}

/**
 * fetch that never follows a redirect: a redirect would carry the request's token to wherever
 * the Location says. A 3xx is an error (not retried) naming where it pointed.
 */
export async function fetchWithoutRedirects(url: URL, init: RequestInit): Promise<Response> {
  const response = await fetch(url, { ...init, redirect: "manual" });
  if (response.status < 300 || response.status >= 400) return response;
  await response.body?.cancel();
  const location = response.headers.get("location");
  const target = location === null ? "nowhere" : originOf(location, url);
  throw new HttpStatusError(
    response.status,
    `${url.origin} answered ${response.status}, a redirect to ${target}; redirects are not followed ` +
      "(configure the address it points to)",
  );
}

/** A Location's origin (it may be relative); never its path or query, which may carry secrets. */
function originOf(location: string, base: URL): string {
  try {
    return new URL(location, base).origin;
  } catch {
    return "an invalid Location";
  }
}

/**
 * The answer's text, read up to `maxBytes`: a longer one (by Content-Length or as it streams) is
 * cut off, the connection released, and a ResponseTooLargeError naming `call` thrown, so it is
 * never buffered whole.
 */
export async function readCapped(response: Response, maxBytes: number, call: string): Promise<string> {
  const tooLarge = () =>
    new ResponseTooLargeError(`${call}: answer larger than ${formatBytes(maxBytes)}; stopped reading it`);
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const { bytes, complete } = await readUpTo(response, maxBytes);
  if (!complete) throw tooLarge();
  return new TextDecoder().decode(bytes);
}

/** An error answer's body as an error message may repeat it: see `excerpt`. */
export async function readErrorExcerpt(response: Response): Promise<string> {
  const { bytes, complete } = await readUpTo(response, ERROR_BODY_BYTES);
  return excerpt(new TextDecoder().decode(bytes), complete);
}

/**
 * Text from another host made fit for an error message: markup, terminal escapes and control characters removed,
 * whitespace collapsed, at most 300 characters (an ellipsis says there was more).
 */
export function excerpt(text: string, complete = true): string {
  const plain = text
    .replace(/<[^>]*>?/g, " ")
    // Terminal escapes (colours, cursor moves) whole, not only their ESC.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ESC is the point.
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, " ")
    .replace(/[\p{Cc}\p{Cf}]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  return plain.length > EXCERPT_CHARS || !complete ? `${plain.slice(0, EXCERPT_CHARS)}…` : plain;
}

/** Up to `maxBytes` of the body; `complete` false when there was more (the rest is not read). */
async function readUpTo(
  response: Response,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; complete: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(), complete: true };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (length + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - length));
      await reader.cancel();
      return { bytes: Buffer.concat(chunks), complete: false };
    }
    chunks.push(value);
    length += value.byteLength;
  }
  return { bytes: Buffer.concat(chunks), complete: true };
}

function formatBytes(bytes: number): string {
  return bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`;
}
