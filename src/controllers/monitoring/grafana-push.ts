import { createHash } from "node:crypto";
import type { Dashboard } from "../../monitoring/dashboards/model.js";
import { grafanaFolderUid } from "../../monitoring/grafana-folder.js";
import { canonicalJson } from "../../util/canonical-json.js";
import type { GrafanaApi, StoredDashboard } from "./grafana-client.js";

export interface PushRequest {
  /** The Monitoring manifest's `grafana.folder`. */
  readonly folder: string;
  readonly dashboards: readonly Dashboard[];
  /** Grafana's version-history note for each dashboard written, e.g. the manifests' revision. */
  readonly message: string;
}

export interface PushResult {
  readonly folderUid: string;
  readonly folderCreated: boolean;
  /** Uids written, in the order given. */
  readonly pushed: readonly string[];
  /** Uids already exactly as rendered, in the order given. */
  readonly unchanged: readonly string[];
}

/**
 * What one controller process last found current in Grafana, kept across its passes: reading back
 * every dashboard costs one GET per Service each pass. Dashboards unchanged since are skipped but
 * for a rotating few, so one edited in Grafana by hand is still put back, within
 * ceil(dashboards / RECHECKS_PER_PASS) passes.
 */
export interface PushedDashboards {
  /** Uid -> digest of the dashboard and its folder, as last read or written. */
  readonly current: Map<string, string>;
  /** Where the next pass's rechecks start, in the dashboards' order. */
  recheckFrom: number;
}

export function newPushedDashboards(): PushedDashboards {
  return { current: new Map(), recheckFrom: 0 };
}

const RECHECKS_PER_PASS = 10;

/**
 * Brings Grafana's copies of the dashboards to what the manifests render: ensures the folder, reads
 * each dashboard and writes only those that differ (or sit in another folder), so an unchanged
 * pass costs reads only and leaves Grafana's version history alone.
 */
export async function pushDashboards(
  api: GrafanaApi,
  request: PushRequest,
  pushedBefore?: PushedDashboards,
): Promise<PushResult> {
  const folderUid = grafanaFolderUid(request.folder);
  // A concurrent creator (another replica) answers 409, which is as good as creating it.
  const folderCreated =
    (await api.getFolder(folderUid)) === undefined &&
    (await api.createFolder({ uid: folderUid, title: request.folder }));
  const pushed: string[] = [];
  const unchanged: string[] = [];
  const count = request.dashboards.length;
  const recheckFrom = pushedBefore?.recheckFrom ?? 0;
  const rechecked = (index: number) => (index - recheckFrom + count) % count < RECHECKS_PER_PASS;
  for (const [index, dashboard] of request.dashboards.entries()) {
    const digest = pushedBefore && digestOf(dashboard, folderUid);
    if (digest !== undefined && pushedBefore?.current.get(dashboard.uid) === digest && !rechecked(index)) {
      unchanged.push(dashboard.uid);
      continue;
    }
    const live = await api.getDashboard(dashboard.uid);
    if (live !== undefined && isCurrent(live, dashboard, folderUid)) {
      unchanged.push(dashboard.uid);
    } else {
      await api.saveDashboard({ dashboard, folderUid, message: request.message });
      pushed.push(dashboard.uid);
    }
    if (digest !== undefined) pushedBefore?.current.set(dashboard.uid, digest);
  }
  if (pushedBefore && count > 0) pushedBefore.recheckFrom = (recheckFrom + RECHECKS_PER_PASS) % count;
  return { folderUid, folderCreated, pushed, unchanged };
}

/**
 * Compared only within one process, whose rendering is deterministic: plain JSON is stable here, and
 * several times cheaper than canonical JSON over a thousand dashboards each pass.
 */
function digestOf(dashboard: Dashboard, folderUid: string): string {
  return createHash("sha256").update(folderUid).update(JSON.stringify(dashboard)).digest("base64");
}

/** The same model in the same folder; `id` and `version` are Grafana's bookkeeping, not content. */
function isCurrent(live: StoredDashboard, desired: Dashboard, folderUid: string): boolean {
  const { id: _id, version: _version, ...content } = live.dashboard;
  return live.folderUid === folderUid && canonicalJson(content) === canonicalJson(desired);
}
