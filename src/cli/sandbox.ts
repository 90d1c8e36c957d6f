import { execFile } from "node:child_process";
import { cp, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type EmbeddedSandbox, startEmbeddedSandbox } from "../sandbox/embedded.js";
import { createLogger } from "../util/logger.js";
import { controllerEnv, type Environment, parseEnvironment, type RawEnvironment } from "./environment.js";
import { type CliIO, EXIT } from "./io.js";
import { defaultIdentity, type RunningController, startController } from "./run.js";

const run = promisify(execFile);

/** The package's own example, found relative to this file in both src/ and dist/. */
export const HELLO_WORLD_DIR = fileURLToPath(new URL("../../examples/hello-world", import.meta.url));

/** Where `npm start` keeps its git repository and controller state (under the working directory). */
export const SANDBOX_DIR = path.join(".ecsmesh", "sandbox");

async function git(cwd: string, ...args: string[]): Promise<void> {
  await run("git", ["-c", "user.name=ecsmesh sandbox", "-c", "user.email=sandbox@ecsmesh.invalid", ...args], {
    cwd,
  });
}

/** A fresh git repository holding examples/hello-world, as a team's manifest repository would. */
export async function makeExampleRepo(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await cp(HELLO_WORLD_DIR, dir, { recursive: true });
  await git(dir, "init", "--quiet", "--initial-branch=main");
  await git(dir, "add", "--all");
  await git(dir, "commit", "--quiet", "--message", "hello-world mesh");
}

export interface SandboxRun {
  readonly sandbox: EmbeddedSandbox;
  readonly controller: RunningController;
  /** What the controller runs with: the caller's environment plus the local servers' endpoints. */
  readonly environment: Environment;
  readonly repo: string;
  readonly workdir: string;
  stop(): Promise<void>;
}

/**
 * The embedded default: local servers, a git repository made from examples/hello-world, and the
 * controller running against it, exactly as it runs in ECS (git source, loop, status port). An
 * endpoint the caller's environment names (e.g. CONSUL_HTTP_ADDR) is used instead of a local server.
 */
export async function startSandboxController(options: {
  readonly port: number;
  readonly workdir: string;
  readonly logLevel: string;
  /** Default: none, every target local. */
  readonly environment?: RawEnvironment;
}): Promise<SandboxRun> {
  const given = options.environment ?? {};
  const sandbox = await startEmbeddedSandbox({ clusters: ["l5d-demo"], environment: given });
  try {
    const environment = parseEnvironment({ ...given, ...sandbox.env });
    // The AWS SDK takes endpoints and credentials from the process environment only.
    for (const [name, value] of Object.entries(sandbox.env))
      if (name.startsWith("AWS_")) process.env[name] = value;
    const repo = path.resolve(options.workdir, "repo");
    await makeExampleRepo(repo);
    const controller = await startController(
      {
        ...controllerEnv(environment),
        logLevel: options.logLevel,
        // The example's region is the sandbox's, whatever AWS_REGION the caller's shell has.
        awsRegion: undefined,
        source: repo,
        ref: "main",
        path: ".",
        intervalMs: 10_000,
        pollMs: 1_000,
        port: options.port,
        host: "127.0.0.1",
        workdir: path.resolve(options.workdir, "controller"),
        identity: defaultIdentity(),
      },
      createLogger({ level: options.logLevel }),
    );
    return {
      sandbox,
      controller,
      environment,
      repo,
      workdir: path.resolve(options.workdir),
      stop: async () => {
        await controller.stop();
        await sandbox.close();
      },
    };
  } catch (error) {
    // Servers left running would keep the process alive with no controller to serve.
    await sandbox.close();
    throw error;
  }
}

/** The targets `npm start` reconciles, each simulated here unless the environment names an endpoint. */
const TARGETS = [
  ["ECS", "AWS_ENDPOINT_URL_ECS"],
  ["EC2", "AWS_ENDPOINT_URL_EC2"],
  ["Cloud Map", "AWS_ENDPOINT_URL_SERVICEDISCOVERY"],
  ["Consul", "CONSUL_HTTP_ADDR"],
  ["namerd", "ECSMESH_NAMERD_URL"],
] as const;

function whereIs(started: SandboxRun, variable: (typeof TARGETS)[number][1]): string {
  const local = started.sandbox.env[variable];
  if (local) return `local sandbox (${local})`;
  const given = started.environment[variable];
  if (given) return `${given} (${variable})`;
  // Only an AWS target can be neither: the SDK then uses AWS_ENDPOINT_URL or AWS itself.
  const shared = started.environment.AWS_ENDPOINT_URL;
  return shared ? `${shared} (AWS_ENDPOINT_URL)` : "AWS (the SDK's endpoint for the Mesh's region)";
}

/** What `npm start` prints: what is real and what is simulated, and how to watch it work. */
export function startBanner(started: SandboxRun): string {
  const relative = path.relative(process.cwd(), started.repo);
  const url = started.controller.server.url;
  const targets = TARGETS.map(([name, variable]) => `  ${name.padEnd(10)} ${whereIs(started, variable)}\n`);
  const awsIsLocal = TARGETS.filter(([, v]) => v.startsWith("AWS_")).every(([, v]) => started.sandbox.env[v]);
  return `ecsmesh is reconciling ${relative} (a git repository made from examples/hello-world) against:

${targets.join("")}${awsIsLocal ? "No AWS account is used.\n" : ""}
  Status page:  ${url}/
  Status JSON:  ${url}/status    Metrics: ${url}/metrics
  Prometheus:   http_sd_configs at ${url}/sd/linkerd and ${url}/sd/services
                (a full prometheus.yml is written to ${path.relative(process.cwd(), path.join(started.workdir, "controller", "monitoring-out"))}/)

Commit a change and watch it applied (the controller polls the repository every second):

  sed -i 's/desiredCount: 2/desiredCount: 3/' ${relative}/services.yaml && git -C ${relative} commit -qam "scale"
  curl -s ${url}/status | grep -o '"lastAppliedRevision": *"[^"]*"'

Press Ctrl-C to stop.
`;
}

/** Resolves on SIGINT or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
}

/** `npm start`: the sandbox controller, and how to watch it work. */
export async function sandboxStartCommand(
  io: CliIO,
  options: { readonly port: number; readonly logLevel: string; readonly environment: RawEnvironment },
): Promise<number> {
  const started = await startSandboxController({ ...options, workdir: SANDBOX_DIR });
  io.out(startBanner(started));
  await untilSignal();
  await started.stop();
  return EXIT.ok;
}

/** `ecsmesh sandbox`: only the local servers, and the environment that reaches them. */
export async function sandboxCommand(
  io: CliIO,
  clusters: readonly string[],
  environment: RawEnvironment,
): Promise<number> {
  const sandbox = await startEmbeddedSandbox({ clusters, environment });
  io.out("# Local ECS, EC2, Cloud Map, Consul and namerd are running. In another shell:\n");
  for (const [name, value] of Object.entries(sandbox.env)) io.out(`export ${name}=${value}\n`);
  io.out(`# then: npx ecsmesh apply <dir> (clusters: ${clusters.join(", ")}). Ctrl-C stops the servers.\n`);
  await untilSignal();
  await sandbox.close();
  return EXIT.ok;
}
