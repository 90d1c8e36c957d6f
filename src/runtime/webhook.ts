import { createHmac, timingSafeEqual } from "node:crypto";

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * Checks a GitHub-style `X-Hub-Signature-256: sha256=<hex>` header (GitHub, Gitea and Forgejo send
 * it): the HMAC-SHA256 of the raw body under the shared secret, compared in constant time.
 * An empty secret never verifies, since anyone could compute a signature with it.
 */
export function verifySignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (secret === "") return false;
  const hex = header === undefined ? undefined : SIGNATURE.exec(header.trim())?.[1];
  if (hex === undefined) return false;
  const given = Buffer.from(hex, "hex");
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  // The pattern already fixes the length; timingSafeEqual would throw on a mismatch anyway.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
