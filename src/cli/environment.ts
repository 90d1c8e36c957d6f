import { z } from "zod";
import type { GitAuth } from "../runtime/git-source.js";
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
    consulToken: env.CONSUL_HTTP_TOKEN,
    namerdUrl: env.ECSMESH_NAMERD_URL,
  };
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
  keyof CliEnv | "webhookSecret" | "statusToken" | "gitAuth" | "grafanaToken"
>;

/** What the controller (`run` and `start`) takes from the environment. */
export function controllerEnv(env: Environment): ControllerEnv {
  return {
    ...cliEnv(env, "info"),
    webhookSecret: env.ECSMESH_WEBHOOK_SECRET,
    statusToken: env.ECSMESH_STATUS_TOKEN,
    gitAuth: gitAuth(env),
    grafanaToken: env.GRAFANA_TOKEN,
  };
}
