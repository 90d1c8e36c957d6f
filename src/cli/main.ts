import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { errorMessage } from "../aws/errors.js";
import { parseDuration } from "../specs/duration.js";
import { bootstrapCommand, CONTROLLER_MANIFESTS_DIR } from "./bootstrap.js";
import { explainCommand } from "./explain.js";
import { type CliIO, EXIT, processIO, UsageError } from "./io.js";
import { applyCommand, type CliEnv, planCommand } from "./mesh-commands.js";
import { defaultIdentity, type RunConfig, startController } from "./run.js";
import { sandboxCommand, sandboxStartCommand } from "./sandbox.js";
import { schemasCommand } from "./schemas.js";
import { validateCommand } from "./validate.js";

const USAGE = `ecsmesh: reconcile Amazon ECS service meshes from YAML manifests

Usage:
  ecsmesh validate DIR [--output text|json]
      Check every manifest under DIR; exit 1 with file:line:col errors if any is wrong.
  ecsmesh explain DIR PATH [--dtab DTAB] [--namespace NS] [--consul] [--output text|json]
      Show how linkerd resolves PATH (e.g. /svc/world) with the mesh's dtab,
      optionally with an l5d-dtab header override, down to weighted destinations;
      --consul also lists the Consul registrations behind each destination (CONSUL_HTTP_ADDR).
  ecsmesh plan DIR [--output text|json] [--inventory FILE] [--allow-mass-prune] [--adopt]
      Show what apply would change, per resource and field.
      Exit 0: nothing to do; 2: changes pending; 1: blocked or failed.
  ecsmesh apply DIR [--wait] [--timeout 10m] [--allow-mass-prune] [--adopt] [--inventory FILE]
                    [--lock-timeout 0s]
      Make ECS, Consul, namerd and Cloud Map match the manifests; --wait follows rollouts.
      Takes the mesh's writer lock (refuses, naming the holder, if another writer has it).
  ecsmesh run --source URL|PATH [--ref main] [--path DIR] [--interval 1m] [--poll 10s]
              [--port 8080] [--workdir DIR] [--identity NAME] [--inventory FILE]
      The controller: reconcile the manifests at the head of a git branch, continuously.
  ecsmesh bootstrap --source URL [--ref main] [--path DIR] [--dir CHECKOUT] [--image IMAGE]
                    [--manifests DIR] [--inventory FILE] [--dry-run]
      Deploy the controller itself into the Mesh's cluster, following --source (like flux bootstrap):
      prints its manifest to commit first; applies it once the repository holds it.
  ecsmesh sandbox [--cluster NAME]...
      Run only the local ECS, EC2, Cloud Map, Consul and namerd, and print their environment.
  ecsmesh start
      The embedded default (npm start): the controller on a local sandbox and examples/hello-world.
  ecsmesh schemas --write DIR | --check DIR
      Write (or verify) the JSON Schemas of the manifest kinds, for editors.
  ecsmesh help

Environment: AWS_REGION, AWS_ENDPOINT_URL(_<SERVICE>) and the AWS credential chain; CONSUL_HTTP_ADDR,
CONSUL_HTTP_TOKEN; ECSMESH_NAMERD_URL; ECSMESH_LOG_LEVEL; for run: ECSMESH_WEBHOOK_SECRET,
ECSMESH_GIT_TOKEN, ECSMESH_GIT_SSH_KEY_FILE, ECSMESH_GIT_KNOWN_HOSTS_FILE, GRAFANA_TOKEN; for start: ECSMESH_PORT.
`;

function outputFormat(value: string | undefined): "text" | "json" {
  if (value === undefined || value === "text" || value === "json") return value ?? "text";
  throw new UsageError(`--output must be text or json, not ${value}`);
}

function positional(positionals: string[], index: number, what: string): string {
  const value = positionals[index];
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return value;
}

const Optional = z.string().min(1).optional();
const Env = z.object({
  AWS_REGION: Optional,
  ECSMESH_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  CONSUL_HTTP_ADDR: Optional,
  CONSUL_HTTP_TOKEN: Optional,
  ECSMESH_NAMERD_URL: Optional,
  ECSMESH_WEBHOOK_SECRET: Optional,
  ECSMESH_GIT_TOKEN: Optional,
  ECSMESH_GIT_SSH_KEY_FILE: Optional,
  ECSMESH_GIT_KNOWN_HOSTS_FILE: Optional,
  GRAFANA_TOKEN: Optional,
  ECSMESH_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
});
type ParsedEnv = z.infer<typeof Env>;

function parseEnv(env: NodeJS.ProcessEnv): ParsedEnv {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new UsageError(
      `environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}

/** CONSUL_HTTP_ADDR may be host:port without a scheme, as the consul CLI accepts it. */
function consulAddress(value: string | undefined): string | undefined {
  return value && !/^https?:\/\//.test(value) ? `http://${value}` : value;
}

function cliEnv(env: ParsedEnv): CliEnv {
  return {
    awsRegion: env.AWS_REGION,
    logLevel: env.ECSMESH_LOG_LEVEL ?? "warn",
    consulAddress: consulAddress(env.CONSUL_HTTP_ADDR),
    consulToken: env.CONSUL_HTTP_TOKEN,
    namerdUrl: env.ECSMESH_NAMERD_URL,
  };
}

function duration(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--${flag} takes a duration such as 30s or 10m, not ${value}`);
  return ms;
}

function port(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535)
    throw new UsageError(`--port must be 0..65535, not ${value}`);
  return parsed;
}

export async function main(
  argv: readonly string[],
  io: CliIO = processIO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        output: { type: "string", short: "o" },
        dtab: { type: "string" },
        namespace: { type: "string" },
        write: { type: "string" },
        check: { type: "string" },
        inventory: { type: "string" },
        "allow-mass-prune": { type: "boolean" },
        adopt: { type: "boolean" },
        wait: { type: "boolean" },
        timeout: { type: "string" },
        consul: { type: "boolean" },
        source: { type: "string" },
        ref: { type: "string" },
        path: { type: "string" },
        interval: { type: "string" },
        poll: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        workdir: { type: "string" },
        identity: { type: "string" },
        cluster: { type: "string", multiple: true },
        dir: { type: "string" },
        manifests: { type: "string" },
        image: { type: "string" },
        "dry-run": { type: "boolean" },
        "lock-timeout": { type: "string" },
      },
    });
    const meshOptions = () => ({
      dir: positional(positionals, 0, "DIR"),
      output: outputFormat(values.output),
      inventory: values.inventory,
      allowMassPrune: values["allow-mass-prune"] ?? false,
      adopt: values.adopt ?? false,
      wait: values.wait ?? false,
      timeoutMs: duration("timeout", values.timeout, 10 * 60_000),
      lockTimeoutMs: duration("lock-timeout", values["lock-timeout"], 0),
    });
    switch (command) {
      case "validate":
        return await validateCommand(
          { dir: positional(positionals, 0, "DIR"), output: outputFormat(values.output) },
          io,
        );
      case "explain": {
        const parsed = values.consul ? cliEnv(parseEnv(env)) : undefined;
        return await explainCommand(
          {
            dir: positional(positionals, 0, "DIR"),
            path: positional(positionals, 1, "PATH"),
            dtab: values.dtab,
            namespace: values.namespace,
            output: outputFormat(values.output),
            consul: parsed && { address: parsed.consulAddress, token: parsed.consulToken },
          },
          io,
        );
      }
      case "plan":
        return await planCommand(meshOptions(), cliEnv(parseEnv(env)), io);
      case "apply":
        return await applyCommand(meshOptions(), cliEnv(parseEnv(env)), io);
      case "run":
        return await runCommand(values, parseEnv(env));
      case "bootstrap": {
        if (!values.source)
          throw new UsageError("bootstrap needs --source (the repository the controller will follow)");
        const parsed = parseEnv(env);
        return await bootstrapCommand(
          {
            source: values.source,
            ref: values.ref ?? "main",
            path: values.path ?? ".",
            dir: values.dir,
            manifests: values.manifests ?? CONTROLLER_MANIFESTS_DIR,
            image: values.image,
            dryRun: values["dry-run"] ?? false,
            inventory: values.inventory,
            gitAuth: gitAuth(parsed),
          },
          cliEnv(parsed),
          io,
        );
      }
      case "sandbox":
        return await sandboxCommand(io, values.cluster ?? ["default"]);
      case "start":
        return await sandboxStartCommand(io, parseEnv(env).ECSMESH_PORT);
      case "schemas": {
        const dir = values.write ?? values.check;
        if (dir === undefined || (values.write && values.check))
          throw new UsageError("give one of --write DIR or --check DIR");
        return await schemasCommand({ dir, mode: values.write ? "write" : "check" }, io);
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(USAGE);
        return EXIT.ok;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && "code" in error)) {
      io.err(`ecsmesh: ${error.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    io.err(`ecsmesh: ${errorMessage(error)}\n`);
    return EXIT.invalid;
  }
}

/** Git credentials, from the environment only. */
function gitAuth(env: ParsedEnv) {
  return {
    ...(env.ECSMESH_GIT_TOKEN ? { httpsToken: env.ECSMESH_GIT_TOKEN } : {}),
    ...(env.ECSMESH_GIT_SSH_KEY_FILE ? { sshKeyFile: env.ECSMESH_GIT_SSH_KEY_FILE } : {}),
    ...(env.ECSMESH_GIT_KNOWN_HOSTS_FILE ? { knownHostsFile: env.ECSMESH_GIT_KNOWN_HOSTS_FILE } : {}),
  };
}

/** `ecsmesh run`: starts the controller and keeps it until SIGTERM (ECS's stop) or SIGINT. */
async function runCommand(
  values: Record<string, string | boolean | string[] | undefined>,
  env: ParsedEnv,
): Promise<number> {
  const flag = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  const source = flag("source");
  if (!source) throw new UsageError("run needs --source (a git URL or a local repository)");
  const config: RunConfig = {
    source,
    ref: flag("ref") ?? "main",
    path: flag("path") ?? ".",
    intervalMs: duration("interval", flag("interval"), 60_000),
    pollMs: duration("poll", flag("poll"), 10_000),
    port: port(flag("port"), 8080),
    host: flag("host") ?? "0.0.0.0",
    workdir: path.resolve(flag("workdir") ?? path.join(".ecsmesh", "controller")),
    identity: flag("identity") ?? defaultIdentity(),
    logLevel: env.ECSMESH_LOG_LEVEL ?? "info",
    awsRegion: env.AWS_REGION,
    consulAddress: consulAddress(env.CONSUL_HTTP_ADDR),
    consulToken: env.CONSUL_HTTP_TOKEN,
    namerdUrl: env.ECSMESH_NAMERD_URL,
    webhookSecret: env.ECSMESH_WEBHOOK_SECRET,
    gitAuth: gitAuth(env),
    grafanaToken: env.GRAFANA_TOKEN,
    inventoryFile: flag("inventory"),
  };
  const running = await startController(config);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  // ECS waits stopTimeout (30 s by default) after SIGTERM: finish the pass, release the lock, exit 0.
  await running.stop();
  return EXIT.ok;
}
