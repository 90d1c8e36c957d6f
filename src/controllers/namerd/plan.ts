import { createHash } from "node:crypto";
import { parseDtab, printDtab } from "../../dtab/index.js";
import type { StoredDtab } from "./namerd-client.js";

export type DtabAction =
  | { readonly verb: "noop"; readonly reason: string }
  | { readonly verb: "create"; readonly reason: string; readonly text: string }
  | { readonly verb: "update"; readonly reason: string; readonly text: string; readonly etag: string }
  /** Edited by hand and the policy says report: nothing is written. */
  | { readonly verb: "drift"; readonly reason: string };

/** Dtab text in canonical form, so whitespace, comments and `;` placement are not differences. */
export function canonicalDtab(text: string): string | undefined {
  const parsed = parseDtab(text);
  return parsed.ok ? printDtab(parsed.value) : undefined;
}

export function dtabFingerprint(text: string): string {
  return createHash("sha256")
    .update(canonicalDtab(text) ?? text)
    .digest("hex");
}

/**
 * Desired dtab + what namerd holds + what we last wrote -> one action. A stored dtab that is
 * neither ours nor the last one we wrote was edited by hand: drift, overwritten or reported
 * as the Mesh's driftPolicy says.
 */
export function planDtab(
  desired: string,
  stored: StoredDtab | undefined,
  lastApplied: string | undefined,
  driftPolicy: "overwrite" | "report",
): DtabAction {
  if (!stored) return { verb: "create", reason: "namespace missing in namerd", text: desired };
  if (canonicalDtab(stored.text) === canonicalDtab(desired))
    return { verb: "noop", reason: "matches the manifests" };
  const handEdited = lastApplied !== undefined && dtabFingerprint(stored.text) !== lastApplied;
  if (handEdited && driftPolicy === "report") {
    return { verb: "drift", reason: "edited by hand since the last apply; driftPolicy report leaves it" };
  }
  return {
    verb: "update",
    reason: handEdited
      ? "edited by hand since the last apply; driftPolicy overwrite restores it"
      : "differs from the manifests",
    text: desired,
    etag: stored.etag,
  };
}
