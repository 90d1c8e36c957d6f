import type { IncomingMessage, ServerResponse } from "node:http";
import { CallCounter } from "../call-counter.js";
import { CallGate, type GatedServer } from "../call-gate.js";
import { type FaultSettings, Faults } from "../faults.js";
import { type LocalAddress, readBody, startLocalHttp } from "../local-http.js";
import { NO_RATE_LIMITS } from "../published-limits.js";
import { type GrafanaHandler, type GrafanaReply, grafanaHandlers } from "./handlers.js";
import { GRAFANA_WRITES, type GrafanaOperation, route } from "./routes.js";
import { GrafanaStore } from "./store.js";

/** The token the sandbox accepts unless told otherwise. */
export const SANDBOX_GRAFANA_TOKEN = "sandbox-grafana-token";

export interface GrafanaServerOptions extends LocalAddress {
  /** The service account token a request must carry as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Default: no latency, no errors, no resets (Grafana has no throttling to copy). */
  readonly faults?: Partial<FaultSettings>;
}

export interface GrafanaServer extends GatedServer {
  /** Base URL, e.g. http://127.0.0.1:3000; the API is under /api. */
  readonly url: string;
  readonly token: string;
  /** Per operation: GetFolder, CreateFolder, GetDashboard, SaveDashboard, (unrouted). */
  readonly calls: CallCounter;
  /** The folders and dashboards; a test's `save` stands for someone editing a dashboard in the UI. */
  readonly store: GrafanaStore;
}

const UNROUTED = "(unrouted)";

const INJECTED_ERROR: GrafanaReply = {
  status: 500,
  body: { message: "Internal Server Error (injected fault)" },
};
const NOT_FOUND: GrafanaReply = { status: 404, body: { message: "Not found" } };

/** Starts a local Grafana: its folder and dashboard HTTP API over an in-memory store, with fault injection. */
export async function startGrafanaServer(options: GrafanaServerOptions = {}): Promise<GrafanaServer> {
  const token = options.token ?? SANDBOX_GRAFANA_TOKEN;
  const store = new GrafanaStore();
  const calls = new CallCounter((operation) => GRAFANA_WRITES.has(operation));
  const faults = new Faults(NO_RATE_LIMITS, options.faults);
  const context: Context = { handlers: grafanaHandlers(store), gate: new CallGate(faults, calls), token };
  const http = await startLocalHttp((request, response) => serve(context, request, response), options);
  return { ...http, token, calls, faults, store };
}

interface Context {
  readonly handlers: Readonly<Record<GrafanaOperation, GrafanaHandler>>;
  readonly gate: CallGate;
  readonly token: string;
}

async function serve({ handlers, gate, token }: Context, request: IncomingMessage, response: ServerResponse) {
  const url = new URL(request.url ?? "/", "http://grafana");
  const routed = route(request.method ?? "GET", url.pathname);
  const operation = routed?.operation ?? UNROUTED;
  const admission = await gate.admit(operation, request);
  if (admission === undefined) return;
  const body = (await readBody(request)).toString("utf8");
  const reply =
    admission === "serverError"
      ? INJECTED_ERROR
      : (unauthorized(request.headers.authorization, token) ??
        (routed === undefined ? NOT_FOUND : handlers[routed.operation]({ uid: routed.uid, body })));
  gate.answered(operation, reply.status < 300 ? undefined : String(reply.status));
  response.writeHead(reply.status, { "Content-Type": "application/json" }).end(JSON.stringify(reply.body));
}

/** Grafana checks the credentials before anything else, known route or not. */
function unauthorized(authorization: string | undefined, token: string): GrafanaReply | undefined {
  if (authorization === undefined) return { status: 401, body: { message: "Unauthorized" } };
  return authorization === `Bearer ${token}`
    ? undefined
    : { status: 401, body: { message: "Invalid API key" } };
}
