import { createHash } from "node:crypto";

/** Grafana's limit for dashboard and folder uids. */
const MAX_UID_LENGTH = 40;

/**
 * A Grafana uid for `name` under `prefix` that never changes for the same name: `<prefix>-<name>`
 * when that is a valid uid, else a shortened, cleaned form with a hash of the name, so two names
 * never share a uid just because they clean up or shorten alike.
 */
export function stableUid(prefix: string, name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const readable = `${prefix}-${cleaned}`;
  if (cleaned === name && readable.length <= MAX_UID_LENGTH) return readable;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${readable.slice(0, MAX_UID_LENGTH - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}
