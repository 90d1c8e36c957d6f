import { z } from "zod";
import type { GitAuth } from "../runtime/git-source.js";
import { ScopedToken } from "../util/endpoint-trust.js";
import { UsageError } from "./io.js";
import type { CliEnv } from "./mesh-commands.js";
import type { RunConfig } from "./run.js";

/** The process environment as the entry point received it (tests inject their own). */
export type RawEnvironment = Readonly<Record<string, string | undefined>>;

/** Shells make it easy to export an empty variable: empty means unset. */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === "" ? undefined : value), schema.optional());
}

const text = optional(z.string());
const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

/** Consul's own convention: host:port without a scheme means http (the consul CLI accepts it). */
const consulAddress = z
  .string()
  .transform((value) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`))
  .pipe(z.url({ protocol: /^https?$/, error: "must be host:port or an http(s) URL" }))
  .transform((value) => value.replace(/\/+$/, ""));

const ORIGINS_ERROR = "must be comma-separated http(s) origins (scheme://host[:port])";

/** An origin and nothing more: a path or credentials would suggest that more is checked than the origin. */
function asOrigin(entry: string): string | undefined {
  try {
    const url = new URL(entry);
    const bare = url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password;
    return bare && /^https?:$/.test(url.protocol) ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

const originList = z.string().transform((value, context) => {
  const entries = value.split(",").map((entry) => entry.trim());
  const origins = entries.filter((entry) => entry !== "").map(asOrigin);
  if (origins.every((origin) => origin !== undefined)) return origins;
  context.addIssue({ code: "custom", message: ORIGINS_ERROR });
  return z.NEVER;
});

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Every variable ecsmesh reads (the AWS SDK also reads its credential chain itself). */
const EnvironmentSchema = z.object({
  AWS_REGION: text,
  AWS_ENDPOINT_URL: optional(httpUrl),
  AWS_ENDPOINT_URL_ECS: optional(httpUrl),
  AWS_ENDPOINT_URL_EC2: optional(httpUrl),
  AWS_ENDPOINT_URL_SERVICEDISCOVERY: optional(httpUrl),
  CONSUL_HTTP_ADDR: optional(consulAddress),
  CONSUL_HTTP_TOKEN: text,
  ECSMESH_NAMERD_URL: optional(httpUrl),
  ECSMESH_LOG_LEVEL: optional(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })),
  ECSMESH_WEBHOOK_SECRET: text,
  ECSMESH_STATUS_TOKEN: text,
  ECSMESH_GIT_TOKEN: text,
  ECSMESH_GIT_SSH_KEY_FILE: text,
  ECSMESH_GIT_KNOWN_HOSTS_FILE: text,
  GRAFANA_TOKEN: text,
  /** Where dashboards are pushed, overriding Monitoring's delivery.grafanaUrl; GRAFANA_TOKEN may go there. */
  GRAFANA_URL: optional(httpUrl),
  /** Origins the operator trusts with any token (and, when set, the only namerd a manifest may name). */
  ECSMESH_TRUSTED_ENDPOINTS: optional(originList).transform((origins) => origins ?? []),
  ECSMESH_PORT: optional(
    z
      .string()
      .regex(/^\d+$/, "must be a port number")
      .transform(Number)
      .pipe(z.number().max(65_535, "must be 0..65535")),
  ).transform((port) => port ?? 8080),
});

export type Environment = z.output<typeof EnvironmentSchema>;

/** Parses and checks the environment; a bad value is a usage error naming the variable (never its value). */
export function parseEnvironment(raw: RawEnvironment): Environment {
  const parsed = EnvironmentSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
  throw new UsageError(`environment: ${problems.join("; ")}`);
}

/** What plan, apply, explain and bootstrap take from the environment. */
export function cliEnv(env: Environment, defaultLogLevel = "warn"): CliEnv {
  return {
    awsRegion: env.AWS_REGION,
    logLevel: env.ECSMESH_LOG_LEVEL ?? defaultLogLevel,
    consulAddress: env.CONSUL_HTTP_ADDR,
    consulToken: scopedToken(env.CONSUL_HTTP_TOKEN, "CONSUL_HTTP_TOKEN", "CONSUL_HTTP_ADDR", env),
    namerdUrl: env.ECSMESH_NAMERD_URL,
    trustedEndpoints: env.ECSMESH_TRUSTED_ENDPOINTS,
  };
}

/** A token with the only places it may go: its service's own variable and the allow-list. */
function scopedToken(
  value: string | undefined,
  variable: string,
  endpointVariable: "CONSUL_HTTP_ADDR" | "GRAFANA_URL",
  env: Environment,
): ScopedToken | undefined {
  if (value === undefined) return undefined;
  return new ScopedToken(variable, value, {
    endpointVariable,
    endpoint: env[endpointVariable],
    allowList: env.ECSMESH_TRUSTED_ENDPOINTS,
  });
}

/** Git credentials, from the environment only. */
export function gitAuth(env: Environment): GitAuth {
  return {
    ...(env.ECSMESH_GIT_TOKEN ? { httpsToken: env.ECSMESH_GIT_TOKEN } : {}),
    ...(env.ECSMESH_GIT_SSH_KEY_FILE ? { sshKeyFile: env.ECSMESH_GIT_SSH_KEY_FILE } : {}),
    ...(env.ECSMESH_GIT_KNOWN_HOSTS_FILE ? { knownHostsFile: env.ECSMESH_GIT_KNOWN_HOSTS_FILE } : {}),
  };
}

type ControllerEnv = Pick<
  RunConfig,
  keyof CliEnv | "webhookSecret" | "statusToken" | "gitAuth" | "grafanaToken" | "grafanaUrl"
>;

/** What the controller (`run` and `start`) takes from the environment. */
export function controllerEnv(env: Environment): ControllerEnv {
  return {
    ...cliEnv(env, "info"),
    webhookSecret: env.ECSMESH_WEBHOOK_SECRET,
    statusToken: env.ECSMESH_STATUS_TOKEN,
    gitAuth: gitAuth(env),
    grafanaToken: scopedToken(env.GRAFANA_TOKEN, "GRAFANA_TOKEN", "GRAFANA_URL", env),
    grafanaUrl: env.GRAFANA_URL,
  };
}
