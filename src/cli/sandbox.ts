import { execFile } from "node:child_process";
import { cp, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createLogger } from "../runtime/logger.js";
import { type EmbeddedSandbox, startEmbeddedSandbox } from "../sandbox/embedded.js";
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
  readonly repo: string;
  readonly workdir: string;
  stop(): Promise<void>;
}

/**
 * The embedded default: local servers, a git repository made from examples/hello-world, and the
 * controller running against it, exactly as it runs in ECS (git source, loop, status port).
 */
export async function startSandboxController(options: {
  readonly port: number;
  readonly workdir: string;
  readonly logLevel: string;
}): Promise<SandboxRun> {
  const sandbox = await startEmbeddedSandbox({ clusters: ["l5d-demo"], environment: process.env });
  Object.assign(process.env, sandbox.env);
  const repo = path.resolve(options.workdir, "repo");
  await makeExampleRepo(repo);
  const controller = await startController(
    {
      source: repo,
      ref: "main",
      path: ".",
      intervalMs: 10_000,
      pollMs: 1_000,
      port: options.port,
      host: "127.0.0.1",
      workdir: path.resolve(options.workdir, "controller"),
      identity: defaultIdentity(),
      logLevel: options.logLevel,
      awsRegion: undefined,
      consulAddress: process.env.CONSUL_HTTP_ADDR,
      consulToken: process.env.CONSUL_HTTP_TOKEN,
      namerdUrl: process.env.ECSMESH_NAMERD_URL,
      webhookSecret: undefined,
      gitAuth: {},
    },
    createLogger({ level: options.logLevel }),
  );
  return {
    sandbox,
    controller,
    repo,
    workdir: path.resolve(options.workdir),
    stop: async () => {
      await controller.stop();
      await sandbox.close();
    },
  };
}

/** Resolves on SIGINT or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
}

/** `npm start`: the sandbox controller, and how to watch it work. */
export async function sandboxStartCommand(io: CliIO, port: number): Promise<number> {
  const started = await startSandboxController({ port, workdir: SANDBOX_DIR, logLevel: "warn" });
  const relative = path.relative(process.cwd(), started.repo);
  io.out(`ecsmesh is reconciling ${relative} (a git repository made from examples/hello-world)
against a local ECS, Consul, Cloud Map and namerd. No AWS account is used.

  Status page:  ${started.controller.server.url}/
  Status JSON:  ${started.controller.server.url}/status    Metrics: ${started.controller.server.url}/metrics
  Prometheus:   http_sd_configs at ${started.controller.server.url}/sd/linkerd and ${started.controller.server.url}/sd/services
                (a full prometheus.yml is written to ${path.relative(process.cwd(), path.join(started.workdir, "controller", "monitoring-out"))}/)

Commit a change and watch it applied (the controller polls the repository every second):

  sed -i 's/desiredCount: 2/desiredCount: 3/' ${relative}/services.yaml && git -C ${relative} commit -qam "scale"
  curl -s ${started.controller.server.url}/status | grep -o '"lastAppliedRevision":"[^"]*"'

Press Ctrl-C to stop.
`);
  await untilSignal();
  await started.stop();
  return EXIT.ok;
}

/** `ecsmesh sandbox`: only the local servers, and the environment that reaches them. */
export async function sandboxCommand(io: CliIO, clusters: readonly string[]): Promise<number> {
  const sandbox = await startEmbeddedSandbox({ clusters, environment: process.env });
  io.out("# Local ECS, EC2, Cloud Map, Consul and namerd are running. In another shell:\n");
  for (const [name, value] of Object.entries(sandbox.env)) io.out(`export ${name}=${value}\n`);
  io.out(`# then: npx ecsmesh apply <dir> (clusters: ${clusters.join(", ")}). Ctrl-C stops the servers.\n`);
  await untilSignal();
  await sandbox.close();
  return EXIT.ok;
}
