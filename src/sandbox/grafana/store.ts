import type { JsonObject } from "../json.js";

export interface StoredFolder {
  readonly id: number;
  readonly uid: string;
  readonly title: string;
  readonly version: number;
  readonly created: string;
}

export interface StoredDashboard {
  readonly id: number;
  readonly uid: string;
  readonly version: number;
  /** Empty for the root level. */
  readonly folderUid: string;
  /** The model as it was saved, with `id`, `uid` and `version` set as Grafana sets them. */
  readonly dashboard: JsonObject;
  /** The version-history note of the last save. */
  readonly message: string;
  readonly created: string;
  readonly updated: string;
}

export interface SaveInput {
  /** A model with a non-empty title; its `uid` names the dashboard (one is made up when absent). */
  readonly dashboard: JsonObject;
  readonly folderUid: string;
  /** Without it, a save must carry the stored version (Grafana's optimistic concurrency). */
  readonly overwrite: boolean;
  readonly message: string;
}

export type SaveOutcome =
  | { readonly ok: true; readonly saved: StoredDashboard }
  | { readonly ok: false; readonly reason: "version-mismatch" | "folder-not-found" };

/**
 * Grafana's folders and dashboards in memory. As in Grafana, folders and dashboards draw their ids
 * from one sequence, a dashboard starts at version 1 and every save adds one.
 */
export class GrafanaStore {
  readonly #folders = new Map<string, StoredFolder>();
  readonly #dashboards = new Map<string, StoredDashboard>();
  #lastId = 0;

  folder(uid: string): StoredFolder | undefined {
    return this.#folders.get(uid);
  }

  /** Creates a folder; undefined when one with that uid exists. */
  createFolder(uid: string | undefined, title: string): StoredFolder | undefined {
    if (uid !== undefined && this.#folders.has(uid)) return undefined;
    const id = ++this.#lastId;
    const folder = {
      id,
      uid: uid ?? this.#freeUid(id),
      title,
      version: 1,
      created: new Date().toISOString(),
    };
    this.#folders.set(folder.uid, folder);
    return folder;
  }

  dashboard(uid: string): StoredDashboard | undefined {
    return this.#dashboards.get(uid);
  }

  /** Every dashboard, by uid. */
  dashboards(): StoredDashboard[] {
    return [...this.#dashboards.values()].sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  }

  /** Create or update, as POST /api/dashboards/db does. */
  save({ dashboard, folderUid, overwrite, message }: SaveInput): SaveOutcome {
    if (folderUid !== "" && !this.#folders.has(folderUid)) return { ok: false, reason: "folder-not-found" };
    const givenUid = typeof dashboard.uid === "string" && dashboard.uid !== "" ? dashboard.uid : undefined;
    const existing = givenUid === undefined ? undefined : this.#dashboards.get(givenUid);
    if (existing && !overwrite && dashboard.version !== existing.version) {
      return { ok: false, reason: "version-mismatch" };
    }
    const now = new Date().toISOString();
    const id = existing?.id ?? ++this.#lastId;
    const uid = givenUid ?? this.#freeUid(id);
    const version = (existing?.version ?? 0) + 1;
    const saved: StoredDashboard = {
      id,
      uid,
      version,
      folderUid,
      dashboard: { ...structuredClone(dashboard), id, uid, version },
      message,
      created: existing?.created ?? now,
      updated: now,
    };
    this.#dashboards.set(uid, saved);
    return { ok: true, saved };
  }

  /** A made-up uid no folder or dashboard has yet. */
  #freeUid(id: number): string {
    let uid = `sandbox${id}`;
    while (this.#folders.has(uid) || this.#dashboards.has(uid)) uid += "x";
    return uid;
  }
}
