import { createHash, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Logger, silentLogger } from "../util/logger.js";
import type { ControllerMetrics } from "./metrics.js";
import { renderPage } from "./page.js";
import { type RefusalReason, type Refuse, refusalLog } from "./refusals.js";
import type { ControllerStatus } from "./status.js";
import { RecentDeliveries, verifySignature } from "./webhook.js";

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
  /**
   * ECSMESH_STATUS_TOKEN: when set, `/` and `/status` (source, errors, leader identity) answer only
   * `Authorization: Bearer <token>`. Probes, `/metrics` and extra routes stay open.
   */
  statusToken?: string | undefined;
  /** Overrides of DEFAULT_SERVER_LIMITS (tests shorten them). */
  limits?: Partial<ServerLimits>;
  logger?: Logger;
}

export interface ServerLimits {
  /** The request line and headers must all arrive within this. */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this. */
  requestTimeoutMs: number;
  /** How often Node enforces the two timeouts above; they cannot bite sooner (Node's default is 30 s). */
  connectionsCheckingIntervalMs: number;
  /** How long a kept-alive connection may wait for its next request. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way for this long is destroyed (e.g. a client that never reads). */
  idleSocketTimeoutMs: number;
  /** Connections beyond this many are closed as soon as they are accepted. */
  maxConnections: number;
}

/**
 * Probes, Prometheus and a few people use this port: requests are small and answered at once, so
 * every phase can be short, and a hundred-odd connections are plenty.
 */
export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  connectionsCheckingIntervalMs: 1_000,
  keepAliveTimeoutMs: 5_000,
  idleSocketTimeoutMs: 30_000,
  maxConnections: 128,
};

export interface StatusServer {
  /** Where a client on this machine reaches the server. */
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Route {
  methods: readonly string[];
  /** Whether ECSMESH_STATUS_TOKEN, when set, is required. */
  needsToken: boolean;
  handle: RouteHandler;
}

export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
/** A replay of a signed delivery is refused for an hour, up to this many deliveries. */
const REPLAY_WINDOW_MS = 60 * 60_000;
const REPLAY_CAPACITY = 10_000;
const REFUSAL_LOG_INTERVAL_MS = 60_000;
const READ_METHODS = ["GET", "HEAD"] as const;

/** On every answer: nothing here is cacheable, sniffable, frameable, or a source of scripts. */
const COMMON_HEADERS: Readonly<Record<string, string>> = {
  // Every answer describes the present moment; a cached one would be a lie.
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
};

/**
 * The controller's one HTTP port: probes, status, metrics and the page, all read-only. The only
 * write is the git webhook, which can do nothing but ask for an early fetch, and only when signed.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const logger = options.logger ?? silentLogger;
  const refuse = refusalLog({
    logger,
    count: options.metrics.recordRefusal,
    intervalMs: REFUSAL_LOG_INTERVAL_MS,
  });
  const routes = buildRoutes(options, refuse);
  const limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
    },
    (request, response) => {
      for (const [name, value] of Object.entries(COMMON_HEADERS)) response.setHeader(name, value);
      Promise.resolve()
        .then(() => dispatch(routes, options.statusToken, refuse, request, response))
        .catch((error: unknown) => {
          logger.error({ err: error, path: request.url }, "status server request failed");
          if (response.headersSent) response.destroy();
          else text(response, 500, "internal error");
        });
    },
  );
  // Without a "timeout" listener, Node destroys the idle socket itself.
  server.setTimeout(limits.idleSocketTimeoutMs);
  server.maxConnections = limits.maxConnections;
  server.on("drop", () => refuse("connection_limit"));
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

function buildRoutes(options: StatusServerOptions, refuse: Refuse): Map<string, Route> {
  const read = (handle: RouteHandler, access: "token" | "open" = "open"): Route => ({
    methods: READ_METHODS,
    needsToken: access === "token",
    handle,
  });
  if (options.statusToken === "")
    throw new Error("the status token is empty: it would let anyone read the status");
  const routes = new Map<string, Route>([
    ["/", read((_, response) => page(response, renderPage(options.status(), new Date())), "token")],
    ["/healthz", read((_, response) => probe(response, options.health(), "alive"))],
    ["/readyz", read((_, response) => probe(response, options.health(), "ready"))],
    [
      "/status",
      read(
        (_, response) =>
          send(
            response,
            200,
            "application/json; charset=utf-8",
            `${JSON.stringify(options.status(), null, 2)}\n`,
          ),
        "token",
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
    const recent = new RecentDeliveries({ windowMs: REPLAY_WINDOW_MS, capacity: REPLAY_CAPACITY });
    routes.set("/hooks/git", {
      methods: ["POST"],
      // The signature is its authentication.
      needsToken: false,
      handle: (request, response) => receivePush(request, response, { ...webhook, recent, refuse }),
    });
  }
  for (const [path, handle] of Object.entries(options.extraRoutes ?? {})) {
    if (!path.startsWith("/") || routes.has(path))
      throw new Error(`route ${path} is not a free absolute path`);
    routes.set(path, read(handle));
  }
  return routes;
}

async function dispatch(
  routes: Map<string, Route>,
  statusToken: string | undefined,
  refuse: Refuse,
  request: IncomingMessage,
  response: ServerResponse,
) {
  // Exact paths only; the query string is ignored rather than parsed.
  const path = (request.url ?? "/").split("?", 1)[0] ?? "/";
  const route = routes.get(path);
  if (route === undefined) return text(response, 404, "not found");
  if (!route.methods.includes(request.method ?? "")) {
    return text(response, 405, "method not allowed", { Allow: route.methods.join(", ") });
  }
  if (
    route.needsToken &&
    statusToken !== undefined &&
    !bearerMatches(request.headers.authorization, statusToken)
  ) {
    refuse("unauthorized", path);
    return text(response, 401, "this path needs Authorization: Bearer <ECSMESH_STATUS_TOKEN>", {
      "WWW-Authenticate": 'Bearer realm="ecsmesh"',
    });
  }
  await route.handle(request, response);
}

/** `Bearer <token>` (scheme in any case, RFC 9110), compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^bearer +(\S+) *$/i.exec(header ?? "")?.[1];
  if (given === undefined) return false;
  // Digests have one length, so the comparison takes the same time whatever was sent.
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function probe(response: ServerResponse, health: Health, check: "alive" | "ready"): void {
  if (health[check]) text(response, 200, "ok");
  else text(response, 503, health.reason);
}

interface WebhookRoute {
  secret: string;
  onPush: () => void;
  recent: RecentDeliveries;
  refuse: Refuse;
}

async function receivePush(
  request: IncomingMessage,
  response: ServerResponse,
  webhook: WebhookRoute,
): Promise<void> {
  const refuse = (reason: RefusalReason) => webhook.refuse(reason, "/hooks/git");
  const body = await readBody(request, MAX_WEBHOOK_BODY_BYTES);
  // The client is gone: there is no one to answer.
  if (body === "aborted") return refuse("aborted_upload");
  if (body === "too large") {
    refuse("payload_too_large");
    // The rest of the body is not read: closing the connection is cheaper than draining it.
    return text(response, 413, "payload too large", { Connection: "close" });
  }
  const signature = request.headers["x-hub-signature-256"];
  if (!verifySignature(webhook.secret, body, typeof signature === "string" ? signature : undefined)) {
    refuse("bad_signature");
    return text(response, 401, "missing or invalid X-Hub-Signature-256");
  }
  // Checked only once signed, so unsigned requests cannot push genuine deliveries out of memory.
  if (!webhook.recent.firstTime(body)) {
    refuse("replayed_delivery");
    return text(response, 409, "delivery already received");
  }
  // Any verified delivery (push, or GitHub's ping) only moves the next fetch forward.
  webhook.onPush();
  text(response, 202, "accepted");
}

/** The body, or why there is none: over `limit` bytes (known as soon as it is), or the client left. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | "too large" | "aborted"> {
  if (Number(request.headers["content-length"]) > limit) return Promise.resolve("too large");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      request.off("data", onData).pause();
      resolve("too large");
    };
    // A client that leaves mid-body shows as an "aborted" error or only as a close before the end;
    // the listeners stay (a promise settles once), so a late error is never unhandled.
    request
      .on("data", onData)
      .once("end", () => resolve(Buffer.concat(chunks)))
      .on("error", () => resolve("aborted"))
      .once("close", () => resolve("aborted"));
  });
}

const PAGE_HEADERS: OutgoingHttpHeaders = {
  // The page has inline CSS and nothing else: no script, image, font, frame or connection may load.
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
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

/** Answers with a complete body; COMMON_HEADERS are already set on every response. */
export function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: OutgoingHttpHeaders = {},
): void {
  response.writeHead(status, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
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
