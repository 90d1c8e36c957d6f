import { hostname } from "node:os";
import path from "node:path";
import type { CallPolicyOptions } from "../aws/call-policy.js";
import { type GrafanaApi, HttpGrafanaApi } from "../controllers/monitoring/grafana-client.js";
import { type ConnectedMesh, Controller } from "../runtime/controller.js";
import { type GitAuth, GitSource } from "../runtime/git-source.js";
import { type StatusServer, startStatusServer } from "../runtime/http-server.js";
import { createMetrics } from "../runtime/metrics.js";
import { intervalToCron } from "../runtime/schedule.js";
import { sdRoutes } from "../runtime/sd-routes.js";
import type { ManifestSet } from "../specs/manifest-set.js";
import { ownerId } from "../specs/resolve.js";
import type { ScopedToken } from "../util/endpoint-trust.js";
import { createLogger, type Logger } from "../util/logger.js";
import { connectMesh } from "./mesh-store.js";

/** Everything `ecsmesh run` needs, parsed once at the entry point from flags and environment. */
export interface RunConfig {
  /** --source, split by parseSourceUrl at the entry point: a credential it held is in gitAuth. */
  readonly source: string;
  readonly ref: string;
  readonly path: string;
  readonly intervalMs: number;
  readonly pollMs: number;
  readonly port: number;
  readonly host: string;
  readonly workdir: string;
  readonly identity: string;
  readonly logLevel: string;
  readonly awsRegion: string | undefined;
  /** CONSUL_HTTP_ADDR: overrides the Mesh's consul.address (where the inventory and lock live). */
  readonly consulAddress: string | undefined;
  readonly consulToken: ScopedToken | undefined;
  /** ECSMESH_NAMERD_URL: overrides the Mesh's namerd URL. */
  readonly namerdUrl: string | undefined;
  /** ECSMESH_TRUSTED_ENDPOINTS, as origins; none when absent. */
  readonly trustedEndpoints?: readonly string[];
  readonly webhookSecret: string | undefined;
  /** ECSMESH_STATUS_TOKEN: the bearer token `/` and `/status` require; unset, they are open. */
  readonly statusToken?: string | undefined;
  /** HTTPS token or SSH key + known_hosts, from the environment (or --source's userinfo). */
  readonly gitAuth: GitAuth;
  /** --inventory FILE: the inventory and its lock in a file (a durable volume) instead of the mesh's Consul. */
  readonly inventoryFile?: string | undefined;
  /** GRAFANA_TOKEN: a Grafana service account token, for pushing dashboards, scoped to where it may go. */
  readonly grafanaToken?: ScopedToken | undefined;
  /** GRAFANA_URL: overrides Monitoring's delivery.grafanaUrl. */
  readonly grafanaUrl?: string | undefined;
  /** The URL Prometheus reaches this controller at; default the status server's own URL. */
  readonly advertiseUrl?: string | undefined;
}

export interface RunningController {
  readonly controller: Controller;
  readonly server: StatusServer;
  stop(): Promise<void>;
}

/**
 * The long-running controller: a git source, a loop, the status port, and leadership through the
 * mesh's writer lock (beside its inventory, in the mesh's Consul), so several replicas can run,
 * exactly one writes, and a CLI apply never interleaves with it.
 */
export async function startController(
  config: RunConfig,
  log: Logger = createLogger({ level: config.logLevel }),
): Promise<RunningController> {
  const metrics = createMetrics();
  const policy = { ...DEFAULT_POLICY, onCall: metrics.recordApiCall, onRetry: metrics.recordApiRetry };
  const source = new GitSource({
    url: config.source,
    ref: config.ref,
    path: config.path,
    workdir: path.join(config.workdir, "source"),
    auth: config.gitAuth,
  });
  // Clients live across passes so caches (task definitions, instance IPs) and the lock survive;
  // rebuilt when the Mesh moves.
  let connected: { key: string; value: ConnectedMesh } | undefined;
  const connect = (set: ManifestSet): ConnectedMesh => {
    const mesh = set.mesh.manifest;
    const key = JSON.stringify([
      mesh.spec.ecs,
      mesh.spec.consul,
      mesh.spec.linkerd.namerd,
      mesh.spec.cloudMap,
      ownerId(mesh),
    ]);
    if (connected?.key === key) return connected.value;
    const { targets, lock } = connectMesh(set, {
      awsRegion: config.awsRegion,
      consulAddress: config.consulAddress,
      consulToken: config.consulToken,
      namerdUrl: config.namerdUrl,
      trustedEndpoints: config.trustedEndpoints,
      inventoryFile: config.inventoryFile,
      identity: config.identity,
      policy,
      log,
    });
    connected = { key, value: { targets, lock } };
    return connected.value;
  };
  const controller = new Controller({
    source,
    sourceInfo: { url: source.url, ref: config.ref, path: config.path },
    schedule: intervalToCron(config.intervalMs),
    pollMs: config.pollMs,
    connect,
    metrics,
    log,
    flags: { allowMassPrune: false, adopt: false },
    identity: config.identity,
    passTimeoutMs: Math.max(10 * 60_000, config.intervalMs * 5),
    advertiseUrl: () => config.advertiseUrl ?? server.url,
    workdir: config.workdir,
    grafana: (set) => grafanaApi(set, config, policy),
  });
  const server = await startStatusServer({
    host: config.host,
    port: config.port,
    status: () => controller.status,
    health: () => controller.health(),
    metrics,
    logger: log,
    statusToken: config.statusToken,
    extraRoutes: sdRoutes(() => controller.scrapeTargets),
    ...(config.webhookSecret
      ? { webhook: { secret: config.webhookSecret, onPush: () => void controller.trigger("webhook") } }
      : {}),
  });
  controller.start();
  log.info({ url: server.url, source: controller.status.source.url }, "controller started");
  let stopped: Promise<void> | undefined;
  return {
    controller,
    server,
    // Idempotent: SIGTERM and a caller's cleanup may both ask.
    stop: () => {
      stopped ??= controller.stop().then(() => server.close());
      return stopped;
    },
  };
}

/**
 * The Grafana client dashboards are pushed through, when there is a token: at GRAFANA_URL, else at
 * Monitoring's delivery.grafanaUrl (as CONSUL_HTTP_ADDR overrides consul.address). The token
 * itself refuses a URL the environment does not trust (see ScopedToken).
 */
export function grafanaApi(
  set: ManifestSet,
  config: Pick<RunConfig, "grafanaUrl" | "grafanaToken">,
  policy?: CallPolicyOptions,
): GrafanaApi | undefined {
  const url = config.grafanaUrl ?? set.monitoring?.manifest.spec.delivery.grafanaUrl;
  return url && config.grafanaToken
    ? new HttpGrafanaApi({ url, token: config.grafanaToken, ...(policy ? { policy } : {}) })
    : undefined;
}

const DEFAULT_POLICY = { retries: 6, minBackoffMs: 100, maxBackoffMs: 10_000, timeoutMs: 15_000 };

export function defaultIdentity(): string {
  return `${hostname()}-${process.pid}`;
}
