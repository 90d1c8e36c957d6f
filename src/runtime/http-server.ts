import { once } from "node:events";
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Logger, silentLogger } from "./logger.js";
import type { ControllerMetrics } from "./metrics.js";
import { renderPage } from "./page.js";
import type { ControllerStatus } from "./status.js";
import { verifySignature } from "./webhook.js";

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface Health {
  /** False only when the process cannot recover by itself and should be restarted. */
  alive: boolean;
  /** Whether this replica is serving its purpose (e.g. the source has been fetched once). */
  ready: boolean;
  reason: string;
}

export interface StatusServerOptions {
  /** Default 0.0.0.0: the port is meant for probes and Prometheus from outside the task. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  status: () => ControllerStatus;
  health: () => Health;
  metrics: ControllerMetrics;
  /** Enables `POST /hooks/git`; without it the route does not exist. */
  webhook?: { secret: string; onPush: () => void };
  /** More GET routes by exact path, e.g. a Prometheus http_sd endpoint. */
  extraRoutes?: Record<string, RouteHandler>;
  logger?: Logger;
}

export interface StatusServer {
  /** Where a client on this machine reaches the server. */
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Route {
  methods: readonly string[];
  handle: RouteHandler;
}

export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
const READ_METHODS = ["GET", "HEAD"] as const;

/**
 * The controller's one HTTP port: probes, status, metrics and the page, all read-only. The only
 * write is the git webhook, which can do nothing but ask for an early fetch, and only when signed.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const routes = buildRoutes(options);
  const logger = options.logger ?? silentLogger;
  const server = createServer(
    // A slow or stuck client cannot hold a connection open for long on a probe port.
    { requestTimeout: 30_000, headersTimeout: 10_000 },
    (request, response) => {
      Promise.resolve()
        .then(() => dispatch(routes, request, response))
        .catch((error: unknown) => {
          logger.error({ err: error, path: request.url }, "status server request failed");
          if (response.headersSent) response.destroy();
          else text(response, 500, "internal error");
        });
    },
  );
  server.listen(options.port, options.host ?? "0.0.0.0");
  await once(server, "listening");
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${reachableHost(address)}:${port}`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      // Clients keep connections alive; without this close() waits for them to time out.
      server.closeAllConnections();
      await closed;
    },
  };
}

function buildRoutes(options: StatusServerOptions): Map<string, Route> {
  const read = (handle: RouteHandler): Route => ({ methods: READ_METHODS, handle });
  const routes = new Map<string, Route>([
    ["/", read((_, response) => page(response, renderPage(options.status(), new Date())))],
    ["/healthz", read((_, response) => probe(response, options.health(), "alive"))],
    ["/readyz", read((_, response) => probe(response, options.health(), "ready"))],
    [
      "/status",
      read((_, response) =>
        send(
          response,
          200,
          "application/json; charset=utf-8",
          `${JSON.stringify(options.status(), null, 2)}\n`,
        ),
      ),
    ],
    [
      "/metrics",
      read(async (_, response) =>
        send(response, 200, options.metrics.registry.contentType, await options.metrics.registry.metrics()),
      ),
    ],
  ]);
  const { webhook } = options;
  if (webhook !== undefined) {
    if (webhook.secret === "")
      throw new Error("the webhook secret is empty: anyone could sign a request with it");
    routes.set("/hooks/git", {
      methods: ["POST"],
      handle: (request, response) => receivePush(request, response, webhook),
    });
  }
  for (const [path, handle] of Object.entries(options.extraRoutes ?? {})) {
    if (!path.startsWith("/") || routes.has(path))
      throw new Error(`route ${path} is not a free absolute path`);
    routes.set(path, read(handle));
  }
  return routes;
}

async function dispatch(routes: Map<string, Route>, request: IncomingMessage, response: ServerResponse) {
  // Exact paths only; the query string is ignored rather than parsed.
  const path = (request.url ?? "/").split("?", 1)[0] ?? "/";
  const route = routes.get(path);
  if (route === undefined) return text(response, 404, "not found");
  if (!route.methods.includes(request.method ?? "")) {
    return text(response, 405, "method not allowed", { Allow: route.methods.join(", ") });
  }
  await route.handle(request, response);
}

function probe(response: ServerResponse, health: Health, check: "alive" | "ready"): void {
  if (health[check]) text(response, 200, "ok");
  else text(response, 503, health.reason);
}

async function receivePush(
  request: IncomingMessage,
  response: ServerResponse,
  webhook: { secret: string; onPush: () => void },
): Promise<void> {
  const body = await readBody(request, MAX_WEBHOOK_BODY_BYTES);
  if (body === undefined) {
    // The rest of the body is not read: closing the connection is cheaper than draining it.
    return text(response, 413, "payload too large", { Connection: "close" });
  }
  const signature = request.headers["x-hub-signature-256"];
  if (!verifySignature(webhook.secret, body, typeof signature === "string" ? signature : undefined)) {
    return text(response, 401, "missing or invalid X-Hub-Signature-256");
  }
  // Any verified delivery (push, or GitHub's ping) only moves the next fetch forward.
  webhook.onPush();
  text(response, 202, "accepted");
}

/** The body, or undefined as soon as it is known to exceed `limit` bytes. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(request.headers["content-length"]) > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      request.off("data", onData).off("end", onEnd).pause();
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    request.on("data", onData).on("end", onEnd).once("error", reject);
  });
}

const PAGE_HEADERS: OutgoingHttpHeaders = {
  // The page has inline CSS and nothing else: no script, image, font, frame or connection may load.
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

function page(response: ServerResponse, body: string): void {
  send(response, 200, "text/html; charset=utf-8", body, PAGE_HEADERS);
}

function text(
  response: ServerResponse,
  status: number,
  body: string,
  headers: OutgoingHttpHeaders = {},
): void {
  send(response, status, "text/plain; charset=utf-8", `${body}\n`, headers);
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: OutgoingHttpHeaders = {},
): void {
  response.writeHead(status, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
    // Every answer describes the present moment; a cached one would be a lie.
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    ...headers,
  });
  response.end(body);
}

/** A wildcard bind is reached through loopback; IPv6 literals need brackets in a URL. */
function reachableHost(address: string): string {
  if (address === "0.0.0.0") return "127.0.0.1";
  if (address === "::") return "[::1]";
  return address.includes(":") ? `[${address}]` : address;
}
