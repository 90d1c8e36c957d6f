import { z } from "zod";
import { CallPolicy, type CallPolicyOptions, DEFAULT_CALL_POLICY } from "../../aws/call-policy.js";
import type { Dashboard } from "../../monitoring/dashboards/model.js";
import {
  excerpt,
  fetchWithoutRedirects,
  MIB,
  readCapped,
  readErrorExcerpt,
} from "../../util/bounded-http.js";
import type { ScopedToken } from "../../util/endpoint-trust.js";
import { HttpStatusError } from "../../util/http-status-error.js";

export interface GrafanaFolder {
  readonly uid: string;
  readonly title: string;
}

/** A dashboard as Grafana keeps it: the model it was given plus its `id` and `version`. */
export interface StoredDashboard {
  readonly dashboard: Readonly<Record<string, unknown>>;
  /** Empty for the root ("General") level. */
  readonly folderUid: string;
}

export interface SaveDashboardInput {
  readonly dashboard: Dashboard;
  readonly folderUid: string;
  /** The version-history note. */
  readonly message: string;
}

/** Grafana's HTTP API (/api/folders, /api/dashboards), the calls the controller makes. */
export interface GrafanaApi {
  /** GET /api/folders/:uid; undefined when there is none. */
  getFolder(uid: string): Promise<GrafanaFolder | undefined>;
  /** POST /api/folders; false when a folder with that uid already exists (409). */
  createFolder(folder: GrafanaFolder): Promise<boolean>;
  /** GET /api/dashboards/uid/:uid; undefined when there is none. */
  getDashboard(uid: string): Promise<StoredDashboard | undefined>;
  /** POST /api/dashboards/db with overwrite: the manifests win over whatever is there. Returns the new version. */
  saveDashboard(input: SaveDashboardInput): Promise<number>;
}

export interface GrafanaClientOptions {
  /** Grafana's base URL; a path prefix (Grafana behind a proxy) is kept. */
  readonly url: string;
  /** GRAFANA_TOKEN, a service account token, with where it may go: never from manifests, never logged. */
  readonly token: ScopedToken | undefined;
  readonly policy?: CallPolicyOptions;
}

const Folder = z.object({ uid: z.string(), title: z.string() });
const DashboardWithMeta = z.object({
  dashboard: z.record(z.string(), z.unknown()),
  meta: z.object({ folderUid: z.string().optional() }),
});
const SaveResult = z.object({ version: z.number() });
const ErrorBody = z.object({ message: z.string() });

/** A dashboard is rarely over 1 MiB; this leaves room without buffering anything a host sends. */
const MAX_ANSWER_BYTES = 8 * MIB;

export class HttpGrafanaApi implements GrafanaApi {
  private readonly policy: CallPolicy;
  private readonly base: URL;

  constructor(private readonly options: GrafanaClientOptions) {
    this.policy = new CallPolicy(
      "grafana",
      { buckets: {}, operations: {} },
      options.policy ?? DEFAULT_CALL_POLICY,
    );
    this.base = new URL(options.url);
    if (!this.base.pathname.endsWith("/")) this.base.pathname += "/";
  }

  async getFolder(uid: string) {
    const body = await this.request("GetFolder", "GET", `api/folders/${encodeURIComponent(uid)}`, [404]);
    return body === undefined ? undefined : parsed(Folder, body, "GetFolder");
  }

  async createFolder(folder: GrafanaFolder) {
    return (await this.request("CreateFolder", "POST", "api/folders", [409], folder)) !== undefined;
  }

  async getDashboard(uid: string) {
    const path = `api/dashboards/uid/${encodeURIComponent(uid)}`;
    const body = await this.request("GetDashboard", "GET", path, [404]);
    if (body === undefined) return undefined;
    const { dashboard, meta } = parsed(DashboardWithMeta, body, "GetDashboard");
    return { dashboard, folderUid: meta.folderUid ?? "" };
  }

  async saveDashboard({ dashboard, folderUid, message }: SaveDashboardInput) {
    const body = await this.request("SaveDashboard", "POST", "api/dashboards/db", [], {
      dashboard,
      folderUid,
      overwrite: true,
      message,
    });
    return parsed(SaveResult, body, "SaveDashboard").version;
  }

  /**
   * One call through the call policy: the answer's text, or undefined for a status in `absent` (an
   * answer the caller acts on). Any other failure is an HttpStatusError, which the policy retries
   * when it is a 5xx.
   */
  private async request(
    operation: string,
    method: "GET" | "POST",
    path: string,
    absent: readonly number[],
    body?: unknown,
  ): Promise<string | undefined> {
    const url = new URL(path, this.base);
    const token = this.options.token?.valueFor(url);
    return this.policy.call(operation, async (signal) => {
      const response = await fetchWithoutRedirects(url, {
        method,
        signal,
        headers: {
          Accept: "application/json",
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (absent.includes(response.status)) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) {
        const reason = await readErrorExcerpt(response);
        throw new HttpStatusError(response.status, failureMessage(operation, path, response.status, reason));
      }
      return readCapped(response, MAX_ANSWER_BYTES, `grafana ${operation} /${path}`);
    });
  }
}

/**
 * Says what to fix where Grafana's own message would not: a refused token is about GRAFANA_TOKEN.
 * `text` is the answer's excerpt; Grafana's JSON `message` is shown alone when it parses.
 */
function failureMessage(operation: string, path: string, status: number, text: string): string {
  const given = ErrorBody.safeParse(safeJson(text));
  const reason = given.success ? excerpt(given.data.message) : text;
  const hint =
    status === 401
      ? " (set GRAFANA_TOKEN to a valid Grafana service account token)"
      : status === 403
        ? " (the GRAFANA_TOKEN service account needs the Editor role, or folders:create and dashboards:write)"
        : "";
  return `grafana ${operation} /${path}: ${status} ${reason}${hint}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An answer read with its schema; parsed outside the call policy, so a malformed one is never retried. */
function parsed<T>(schema: z.ZodType<T>, text: string | undefined, operation: string): T {
  const result = schema.safeParse(safeJson(text ?? ""));
  if (!result.success) throw new Error(`grafana ${operation}: unexpected answer: ${result.error.message}`);
  return result.data;
}
