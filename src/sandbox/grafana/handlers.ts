import { isJsonObject, type Json, type JsonObject } from "../json.js";
import type { GrafanaOperation } from "./routes.js";
import type { GrafanaStore, StoredDashboard, StoredFolder } from "./store.js";

export interface GrafanaRequest {
  /** The uid the path names, for the GETs. */
  readonly uid: string;
  readonly body: string;
}

export interface GrafanaReply {
  readonly status: number;
  readonly body: JsonObject;
}

export type GrafanaHandler = (request: GrafanaRequest) => GrafanaReply;

/** Grafana's answers and messages for the folder and dashboard endpoints, as its API documents them. */
export function grafanaHandlers(store: GrafanaStore): Record<GrafanaOperation, GrafanaHandler> {
  return {
    GetFolder: ({ uid }) => {
      const folder = store.folder(uid);
      return folder ? ok(folderJson(folder)) : error(404, "Folder not found");
    },

    CreateFolder: ({ body }) => {
      const input = jsonObject(body);
      if (input === undefined) return error(400, "bad request data");
      const { uid, title } = input;
      if (typeof title !== "string" || title.trim() === "") return error(400, "folder title cannot be empty");
      const wrongUid = uidProblem(uid);
      if (wrongUid) return error(400, wrongUid);
      const folder = store.createFolder(typeof uid === "string" && uid !== "" ? uid : undefined, title);
      return folder ? ok(folderJson(folder)) : error(409, "a folder with the same uid already exists");
    },

    GetDashboard: ({ uid }) => {
      const found = store.dashboard(uid);
      return found
        ? ok({ dashboard: found.dashboard, meta: meta(found, store) })
        : error(404, "Dashboard not found");
    },

    SaveDashboard: ({ body }) => {
      const input = jsonObject(body);
      const dashboard = input?.dashboard;
      if (input === undefined || !isJsonObject(dashboard)) return error(400, "bad request data");
      if (typeof dashboard.title !== "string" || dashboard.title.trim() === "") {
        return error(400, "Dashboard title cannot be empty");
      }
      const wrongUid = uidProblem(dashboard.uid);
      if (wrongUid) return error(400, wrongUid);
      const outcome = store.save({
        dashboard,
        folderUid: typeof input.folderUid === "string" ? input.folderUid : "",
        overwrite: input.overwrite === true,
        message: typeof input.message === "string" ? input.message : "",
      });
      if (!outcome.ok) {
        return outcome.reason === "version-mismatch"
          ? {
              status: 412,
              body: { message: "The dashboard has been changed by someone else", status: "version-mismatch" },
            }
          : error(400, "Folder not found");
      }
      const { id, uid, version, folderUid } = outcome.saved;
      return ok({
        id,
        uid,
        url: dashboardUrl(outcome.saved),
        status: "success",
        version,
        slug: slug(outcome.saved),
        folderUid,
      });
    },
  };
}

/** Grafana's uid rules: at most 40 letters, digits, '-' and '_'; absent or null means "make one up". */
function uidProblem(uid: Json | undefined): string | undefined {
  if (uid === undefined || uid === null || uid === "") return undefined;
  if (typeof uid !== "string" || !/^[A-Za-z0-9_-]*$/.test(uid)) return "uid contains illegal characters";
  return uid.length > 40 ? "uid too long, max 40 characters" : undefined;
}

function meta(found: StoredDashboard, store: GrafanaStore): JsonObject {
  const folder = store.folder(found.folderUid);
  return {
    type: "db",
    isStarred: false,
    canSave: true,
    canEdit: true,
    provisioned: false,
    slug: slug(found),
    url: dashboardUrl(found),
    version: found.version,
    created: found.created,
    updated: found.updated,
    folderId: folder?.id ?? 0,
    folderUid: found.folderUid,
    folderTitle: folder?.title ?? "General",
    folderUrl: folder ? folderUrl(folder) : "",
  };
}

const folderJson = (folder: StoredFolder): JsonObject => ({
  id: folder.id,
  uid: folder.uid,
  title: folder.title,
  url: folderUrl(folder),
  hasAcl: false,
  canSave: true,
  canEdit: true,
  canAdmin: true,
  created: folder.created,
  updated: folder.created,
  version: folder.version,
});

const folderUrl = (folder: StoredFolder): string => `/dashboards/f/${folder.uid}/${slugify(folder.title)}`;

const dashboardUrl = (found: StoredDashboard): string => `/d/${found.uid}/${slug(found)}`;

const slug = (found: StoredDashboard): string => slugify(String(found.dashboard.title));

const slugify = (title: string): string =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

function jsonObject(body: string): JsonObject | undefined {
  try {
    const value = JSON.parse(body) as Json;
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const ok = (body: JsonObject): GrafanaReply => ({ status: 200, body });

const error = (status: number, message: string): GrafanaReply => ({ status, body: { message } });
