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
 * Brings Grafana's copies of the dashboards to what the manifests render: ensures the folder, reads
 * each dashboard and writes only those that differ (or sit in another folder), so an unchanged
 * pass costs reads only and leaves Grafana's version history alone.
 */
export async function pushDashboards(api: GrafanaApi, request: PushRequest): Promise<PushResult> {
  const folderUid = grafanaFolderUid(request.folder);
  // A concurrent creator (another replica) answers 409, which is as good as creating it.
  const folderCreated =
    (await api.getFolder(folderUid)) === undefined &&
    (await api.createFolder({ uid: folderUid, title: request.folder }));
  const pushed: string[] = [];
  const unchanged: string[] = [];
  for (const dashboard of request.dashboards) {
    const live = await api.getDashboard(dashboard.uid);
    if (live !== undefined && isCurrent(live, dashboard, folderUid)) {
      unchanged.push(dashboard.uid);
      continue;
    }
    await api.saveDashboard({ dashboard, folderUid, message: request.message });
    pushed.push(dashboard.uid);
  }
  return { folderUid, folderCreated, pushed, unchanged };
}

/** The same model in the same folder; `id` and `version` are Grafana's bookkeeping, not content. */
function isCurrent(live: StoredDashboard, desired: Dashboard, folderUid: string): boolean {
  const { id: _id, version: _version, ...content } = live.dashboard;
  return live.folderUid === folderUid && canonicalJson(content) === canonicalJson(desired);
}
