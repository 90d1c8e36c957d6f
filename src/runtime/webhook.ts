import { createHash, createHmac, timingSafeEqual } from "node:crypto";

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

/**
 * The bodies of recently accepted deliveries, so a captured signed delivery cannot be replayed.
 * Keyed by the body's digest, not by `X-GitHub-Delivery` / `X-Gitea-Delivery`: the signature
 * covers only the body, so a replay could carry any delivery id it likes. Bounded both in time
 * (`windowMs`) and in count (`capacity`, oldest forgotten first).
 */
export class RecentDeliveries {
  // Insertion order is arrival order, so the oldest entries are always first.
  private readonly seenAt = new Map<string, number>();
  private readonly windowMs: number;
  private readonly capacity: number;
  private readonly now: () => number;

  constructor(options: { windowMs: number; capacity: number; now?: () => number }) {
    this.windowMs = options.windowMs;
    this.capacity = options.capacity;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.seenAt.size;
  }

  /** True the first time a body is seen within the window (and remembers it); false for a repeat. */
  firstTime(rawBody: Buffer): boolean {
    const now = this.now();
    for (const [digest, at] of this.seenAt) {
      if (now - at < this.windowMs) break;
      this.seenAt.delete(digest);
    }
    const digest = createHash("sha256").update(rawBody).digest("hex");
    if (this.seenAt.has(digest)) return false;
    for (const oldest of this.seenAt.keys()) {
      if (this.seenAt.size < this.capacity) break;
      this.seenAt.delete(oldest);
    }
    this.seenAt.set(digest, now);
    return true;
  }
}
