import type { IncomingMessage, ServerResponse } from "node:http";
import { CallCounter } from "../call-counter.js";
import { CallGate, type GatedServer, TOO_MANY_REQUESTS } from "../call-gate.js";
import { type FaultSettings, Faults } from "../faults.js";
import { type LocalAddress, readBody, startLocalHttp } from "../local-http.js";
import { NO_RATE_LIMITS } from "../published-limits.js";
import { DtabStore } from "./dtab-store.js";
import { type NamerdHandler, type NamerdReply, namerdHandlers } from "./handlers.js";
import { NAMERD_WRITES, type NamerdOperation, route } from "./routes.js";

export interface NamerdServerOptions extends LocalAddress {
  /** Dtab text per namespace at start; default none. */
  readonly namespaces?: Readonly<Record<string, string>>;
  /** Default: no latency, no errors, no resets; `throttleRate` answers 429, as a proxy in front of namerd would. */
  readonly faults?: Partial<FaultSettings>;
  /** Default 0: a free port (namerd's own default is 4180). */
  readonly port?: number | undefined;
}

export interface NamerdServer extends GatedServer {
  /** Base URL, e.g. http://127.0.0.1:4180; the API is under /api/1. */
  readonly url: string;
  /** Per operation: ListDtabs, GetDtab, CreateDtab, UpdateDtab, DeleteDtab, Delegate, (unrouted). */
  readonly calls: CallCounter;
  /** The stored dtabs; a test's `put` stands for someone editing them by hand. */
  readonly dtabs: DtabStore;
}

const UNROUTED = "(unrouted)";

/** What an injected fault answers, by admission. */
const INJECTED: Readonly<Record<"serverError" | "throttle", NamerdReply>> = {
  serverError: {
    status: 500,
    headers: { "Content-Type": "text/plain" },
    body: "Internal Server Error (injected fault)\n",
  },
  throttle: {
    status: Number(TOO_MANY_REQUESTS),
    headers: { "Content-Type": "text/plain" },
    body: "Too Many Requests (injected fault)\n",
  },
};

/** Starts a local namerd: its HTTP control API over an in-memory dtab store, with fault injection. */
export async function startNamerdServer(options: NamerdServerOptions = {}): Promise<NamerdServer> {
  const dtabs = new DtabStore(options.namespaces);
  const calls = new CallCounter((operation) => NAMERD_WRITES.has(operation));
  const faults = new Faults(NO_RATE_LIMITS, options.faults);
  const context: Context = {
    handlers: namerdHandlers(dtabs),
    gate: new CallGate(faults, calls, TOO_MANY_REQUESTS),
  };
  const http = await startLocalHttp((request, response) => serve(context, request, response), options);
  return { ...http, calls, faults, dtabs };
}

interface Context {
  readonly handlers: Readonly<Record<NamerdOperation, NamerdHandler>>;
  readonly gate: CallGate;
}

async function serve({ handlers, gate }: Context, request: IncomingMessage, response: ServerResponse) {
  const method = request.method ?? "GET";
  const url = new URL(request.url ?? "/", "http://namerd");
  const routed = route(method, url.pathname);
  const operation = routed?.operation ?? UNROUTED;
  const admission = await gate.admit(operation, request);
  if (admission === undefined) return;
  const reply =
    admission !== "pass"
      ? INJECTED[admission]
      : routed === undefined
        ? { status: 404 }
        : handlers[routed.operation]({
            method,
            namespace: routed.namespace,
            query: url.searchParams,
            headers: request.headers,
            body: (await readBody(request)).toString("utf8"),
          });
  gate.answered(operation, reply.status < 300 ? undefined : String(reply.status));
  response.writeHead(reply.status, reply.headers).end(reply.body);
}
