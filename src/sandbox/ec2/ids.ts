import { createHash } from "node:crypto";

/** An EC2-style id (`vpc-` and 17 hex digits) that is the same every time for the same seed. */
export function stableId(prefix: string, seed: string): string {
  return `${prefix}-${createHash("sha256").update(seed).digest("hex").slice(0, 17)}`;
}
