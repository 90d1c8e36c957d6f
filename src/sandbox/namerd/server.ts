import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { text } from "node:stream/consumers";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import type { RateLimits } from "../../aws/rate-limits.js";
import { CallCounter } from "../call-counter.js";
import { type FaultSettings, Faults } from "../faults.js";
import { DtabStore } from "./dtab-store.js";
import { type NamerdHandler, type NamerdReply, namerdHandlers } from "./handlers.js";
import { NAMERD_WRITES, type NamerdOperation, route } from "./routes.js";

export interface NamerdServerOptions {
  /** Dtab text per namespace at start; default none. */
  readonly namespaces?: Readonly<Record<string, string>>;
  /** Default: no latency, no errors, no resets (namerd has no throttling). */
  readonly faults?: Partial<FaultSettings>;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a free port (namerd's own default is 4180). */
  readonly port?: number;
}

export interface NamerdServer {
  /** Base URL, e.g. http://127.0.0.1:4180; the API is under /api/1. */
  readonly url: string;
  /** Per operation: ListDtabs, GetDtab, CreateDtab, UpdateDtab, DeleteDtab, Delegate, (unrouted). */
  readonly calls: CallCounter;
  readonly faults: Faults;
  /** The stored dtabs; a test's `put` stands for someone editing them by hand. */
  readonly dtabs: DtabStore;
  close(): Promise<void>;
}

/** namerd has no rate limits, so its faults never throttle. */
const NO_RATE_LIMITS: RateLimits = { buckets: {}, operations: {} };

const UNROUTED = "(unrouted)";

const INJECTED_ERROR: NamerdReply = {
  status: 500,
  headers: { "Content-Type": "text/plain" },
  body: "Internal Server Error (injected fault)\n",
};

/** Starts a local namerd: its HTTP control API over an in-memory dtab store, with fault injection. */
export async function startNamerdServer(options: NamerdServerOptions = {}): Promise<NamerdServer> {
  const dtabs = new DtabStore(options.namespaces);
  const calls = new CallCounter((operation) => NAMERD_WRITES.has(operation));
  const faults = new Faults(NO_RATE_LIMITS, options.faults);
  const handlers = namerdHandlers(dtabs);
  const server = createServer((request, response) => {
    serve({ handlers, calls, faults }, request, response).catch((error: unknown) => {
      // Only writing to a socket the client already dropped can fail here.
      response.destroy(error instanceof Error ? error : undefined);
    });
  });
  server.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  await once(server, "listening");
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    calls,
    faults,
    dtabs,
    close: async () => {
      const closed = promisify(server.close.bind(server))();
      // Clients keep connections alive; without this close() waits for them to time out.
      server.closeAllConnections();
      await closed;
    },
  };
}

interface Context {
  readonly handlers: Readonly<Record<NamerdOperation, NamerdHandler>>;
  readonly calls: CallCounter;
  readonly faults: Faults;
}

async function serve(
  { handlers, calls, faults }: Context,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const method = request.method ?? "GET";
  const url = new URL(request.url ?? "/", "http://namerd");
  const routed = route(method, url.pathname);
  const operation = routed?.operation ?? UNROUTED;
  const decision = faults.decide(operation);
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  if (decision.outcome === "connectionReset") {
    calls.record(operation, { kind: "connectionReset" });
    request.socket.destroy();
    return;
  }
  const reply =
    decision.outcome === "serverError"
      ? INJECTED_ERROR
      : routed === undefined
        ? { status: 404 }
        : handlers[routed.operation]({
            method,
            namespace: routed.namespace,
            query: url.searchParams,
            headers: request.headers,
            body: await text(request),
          });
  calls.record(
    operation,
    reply.status < 300 ? { kind: "ok" } : { kind: "error", code: String(reply.status) },
  );
  response.writeHead(reply.status, reply.headers).end(reply.body);
}
