import type { DesiredMesh } from "../../compile/mesh.js";
import { parseDtab } from "../../dtab/index.js";
import type { NamerdApi } from "./namerd-client.js";
import { type DtabAction, dtabFingerprint, planDtab } from "./plan.js";

/** Compare-and-set conflicts retried (re-read, re-plan) before giving up for this pass. */
const CONFLICT_RETRIES = 3;

export interface DtabResult {
  readonly namespace: string;
  readonly action: DtabAction;
  /** Fingerprint of what namerd holds after this pass, when it is ours. */
  readonly applied: string | undefined;
}

/**
 * Syncs the namespace's dtab to namerd with ETag compare-and-set; a conflict (someone wrote in
 * between) re-reads and re-plans. `dryRun` plans without writing.
 */
export async function reconcileDtab(
  compiled: DesiredMesh,
  namerd: NamerdApi,
  lastApplied: string | undefined,
  dryRun: boolean,
): Promise<DtabResult> {
  const { namespace, namerd: settings } = compiled.set.mesh.manifest.spec.linkerd;
  const desired = compiled.dtabs.get(namespace);
  // Never send what the dtab parser would refuse; the loader already checked, this is the last gate.
  if (desired === undefined || !parseDtab(desired).ok)
    throw new Error(`refusing to send an invalid dtab for namespace ${namespace}`);
  for (let attempt = 0; ; attempt++) {
    const stored = await namerd.get(namespace);
    const action = planDtab(desired, stored, lastApplied, settings?.driftPolicy ?? "overwrite");
    if (dryRun || action.verb === "noop" || action.verb === "drift") {
      const ours = action.verb === "noop" ? dtabFingerprint(desired) : lastApplied;
      return { namespace, action, applied: ours };
    }
    const written =
      action.verb === "create"
        ? await namerd.create(namespace, action.text)
        : await namerd.update(namespace, action.text, action.etag);
    if (written) return { namespace, action, applied: dtabFingerprint(desired) };
    if (attempt >= CONFLICT_RETRIES) {
      throw new Error(
        `namerd namespace ${namespace} kept changing under us (${CONFLICT_RETRIES + 1} conflicts)`,
      );
    }
  }
}
