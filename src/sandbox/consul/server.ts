import type { IncomingMessage, ServerResponse } from "node:http";
import { CallCounter } from "../call-counter.js";
import { CallGate, type GatedServer, TOO_MANY_REQUESTS } from "../call-gate.js";
import { type FaultSettings, Faults } from "../faults.js";
import type { JsonObject } from "../json.js";
import { type LocalAddress, readBody, startLocalHttp } from "../local-http.js";
import { registerAgentNode } from "./agent-node.js";
import { checkList, nodeList, serviceList } from "./catalog-reads.js";
import { badRequest, ConsulError } from "./consul-error.js";
import type { ConsulContext, Reply, Route } from "./endpoint.js";
import { parseGoDuration } from "./go-duration.js";
import type { NodeRecord } from "./records.js";
import { consulRoutes, endpointFor, findRoute, readOperations } from "./router.js";
import { destroySession } from "./session-store.js";
import { SessionTimers } from "./session-timers.js";
import { ConsulStore } from "./store.js";
import { checkView, nodeView, serviceNodeView } from "./views.js";

export interface ConsulServerOptions extends LocalAddress {
  /** Default "dc1". */
  readonly datacenter?: string;
  /** Operations allowed in one /v1/txn: 64 (the default, Consul before 1.14) or 128 (1.14 and later). */
  readonly txnMaxOps?: number;
  /** When set, every request must carry this token (X-Consul-Token, Authorization: Bearer, or ?token=). */
  readonly aclToken?: string;
  /** Latency, server errors, connection resets, and throttling at `throttleRate` (429, as Consul's request rate limiter answers). */
  readonly faults?: Partial<FaultSettings>;
  /** Consul's session_ttl_min (default "10s"); tests lower it to watch sessions expire. */
  readonly sessionTtlMin?: string;
}

/** Read access to the catalog for tests, in the shapes the HTTP API answers with. */
export interface ConsulCatalog {
  /** structs.Node, by name. */
  nodes(): JsonObject[];
  /** One structs.ServiceNode per instance, by node then service ID. */
  services(): JsonObject[];
  /** structs.HealthCheck, by node then check ID. */
  checks(): JsonObject[];
}

export interface ConsulServer extends GatedServer {
  readonly catalog: ConsulCatalog;
  /** The session holding a KV key as a lock now, with its name; undefined when the key is free. */
  lockHolder(key: string): { readonly session: string; readonly name: string } | undefined;
}

/** The operation requests to unknown paths, or with methods their path lacks, are counted under. */
const UNKNOWN_OPERATION = "Unknown";

/**
 * Starts a local Consul: one datacenter, one server node ("consul-server") whose agent serves the HTTP API,
 * state in memory with a raft-like index, blocking queries, sessions whose TTLs really expire, and injected
 * latency, throttling, server errors and connection resets.
 */
export async function startConsulServer(options: ConsulServerOptions = {}): Promise<ConsulServer> {
  const datacenter = options.datacenter ?? "dc1";
  const store = new ConsulStore();
  registerAgentNode(store, datacenter);
  const sessionTimers = new SessionTimers((id) => {
    if (store.tables.sessions.has(id)) store.write((tx) => destroySession(tx, id));
  });
  const context: ConsulContext = {
    store,
    datacenter,
    txnMaxOps: options.txnMaxOps ?? 64,
    sessionTtlMin: parseGoDuration(options.sessionTtlMin ?? "10s"),
    sessionTimers,
  };
  const routes = consulRoutes(context);
  const reads = readOperations(routes);
  const calls = new CallCounter((operation) => !reads.has(operation));
  const faults = new Faults({ buckets: {}, operations: {} }, options.faults);
  const app: App = {
    context,
    routes,
    gate: new CallGate(faults, calls, TOO_MANY_REQUESTS),
    aclToken: options.aclToken,
    closing: new AbortController(),
  };
  const http = await startLocalHttp((request, response) => serve(app, request, response), options);
  const nodeOf = (name: string) => store.tables.nodes.get(name) as NodeRecord;
  return {
    url: http.url,
    calls,
    faults,
    catalog: {
      nodes: () => nodeList(store.tables).map(nodeView),
      services: () =>
        serviceList(store.tables).map((service) => serviceNodeView(nodeOf(service.node), service)),
      checks: () => checkList(store.tables).map(checkView),
    },
    lockHolder: (key) => {
      const session = store.tables.kv.get(key)?.session;
      const record = session ? store.tables.sessions.get(session) : undefined;
      return record === undefined ? undefined : { session: record.id, name: record.name };
    },
    close: () => {
      app.closing.abort();
      sessionTimers.close();
      return http.close();
    },
  };
}

interface App {
  readonly context: ConsulContext;
  readonly routes: readonly Route[];
  readonly gate: CallGate;
  readonly aclToken: string | undefined;
  /** Aborts when the server closes, releasing blocked queries. */
  readonly closing: AbortController;
}

async function serve(app: App, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request);
  const url = new URL(request.url ?? "/", "http://consul.invalid");
  const method = request.method ?? "GET";
  const match = findRoute(app.routes, url.pathname);
  const endpoint = match === undefined ? undefined : endpointFor(match.route, method);
  const operation = endpoint?.operation ?? UNKNOWN_OPERATION;
  const admission = await app.gate.admit(operation, request);
  if (admission === undefined) return;
  let reply: Reply;
  try {
    if (admission === "serverError")
      throw new ConsulError("rpc error making call: injected server error (sandbox fault)");
    if (admission === "throttle")
      throw new ConsulError(
        "rate limit exceeded, try again later (sandbox fault)",
        Number(TOO_MANY_REQUESTS),
      );
    if (match === undefined)
      throw new ConsulError("Invalid URL path: not a recognized HTTP API endpoint\n", 404);
    const methods = Object.keys(match.route.methods);
    if (method === "OPTIONS") {
      reply = { headers: { Allow: ["OPTIONS", ...methods].join(",") } };
    } else {
      if (endpoint === undefined)
        throw new ConsulError(`method ${method} not allowed`, 405, ["OPTIONS", ...methods]);
      authorize(app, request, url.searchParams);
      const dc = url.searchParams.get("dc");
      if (dc !== null && dc !== "" && dc !== app.context.datacenter)
        throw new ConsulError("No path to datacenter");
      const closed = AbortSignal.any([app.closing.signal, abortedOnClose(response)]);
      const param = decodedParam(match.param);
      reply = await endpoint.handler({ param, query: url.searchParams, body, signal: closed });
    }
  } catch (error) {
    reply = errorReply(error);
  }
  const status = reply.status ?? 200;
  app.gate.answered(operation, status < 400 ? undefined : String(status));
  write(app, response, url.searchParams, reply);
}

/** Consul's ACL check, reduced to one token that may do everything. */
function authorize(app: App, request: IncomingMessage, query: URLSearchParams): void {
  if (app.aclToken === undefined) return;
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? "")?.[1];
  const header = request.headers["x-consul-token"];
  const token = query.get("token") || (typeof header === "string" ? header : "") || bearer || "";
  if (token === "") throw new ConsulError("Permission denied", 403);
  if (token !== app.aclToken) throw new ConsulError("ACL not found", 403);
}

function decodedParam(param: string): string {
  try {
    return decodeURIComponent(param);
  } catch {
    throw badRequest(`invalid URL escape ${JSON.stringify(param)}`);
  }
}

/** Errors are plain text; anything but a ConsulError is an unexpected failure, a 500 like Consul's own. */
function errorReply(error: unknown): Reply {
  const failure =
    error instanceof ConsulError ? error : new ConsulError(`Internal error: ${(error as Error).message}`);
  return {
    status: failure.status,
    text: failure.message,
    ...(failure.allow.length > 0 ? { headers: { Allow: failure.allow.join(",") } } : {}),
  };
}

function write(app: App, response: ServerResponse, query: URLSearchParams, reply: Reply): void {
  const headers: Record<string, string> = {
    "X-Consul-Default-ACL-Policy": app.aclToken === undefined ? "allow" : "deny",
  };
  let body: Buffer | undefined;
  if (reply.raw !== undefined) {
    // What Consul sends with a raw KV value, so that browsers never interpret it.
    Object.assign(headers, {
      "Content-Type": "text/plain",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "sandbox",
    });
    body = reply.raw;
  } else if (reply.text !== undefined) {
    headers["Content-Type"] = "text/plain; charset=utf-8";
    body = Buffer.from(reply.text);
  } else if (reply.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = Buffer.from(
      query.has("pretty") ? `${JSON.stringify(reply.json, null, 4)}\n` : JSON.stringify(reply.json),
    );
  }
  Object.assign(headers, reply.headers);
  response.writeHead(reply.status ?? 200, { ...headers, "Content-Length": body?.length ?? 0 }).end(body);
}

/** Aborts when the client goes away before its answer (a blocking query then stops waiting). */
function abortedOnClose(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once("close", () => controller.abort());
  return controller.signal;
}
