// `npm run bench`: the whole controller pass at scale against the local servers (ECS, EC2, Cloud
// Map, Consul, namerd, Grafana, on 127.0.0.1 only), each Service with 3 running tasks under Consul
// discovery, a Route for 10% of them, the linkerd daemon and Monitoring on:
//   steady      a pass with nothing changed, for each N: calls per API and operation, writes,
//               wall time, peak RSS of the pass's process (20 ms latency per call, AWS's buckets);
//   changed     one Service's image changed: the ECS writes, then the Consul changes once the
//               replaced tasks run;
//   converge    the initial converge of N services at AWS's buckets sped up by --time-scale,
//               against the slowest bucket's theoretical minimum;
//   webhook     `ecsmesh run` on a local repository: commit, signed webhook, until ECS sees the first write;
//   stopped     `ecsmesh run`: a task stops, until its Consul registration is gone.
// Prints a table; writes bench/results/full-pass.json. `npm run bench` builds first: the
// measured code is the compiled controller (dist/, bin/ecsmesh.js).
import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { ECS_RATE_LIMITS } from "../src/aws/ecs-limits.js";
import type { BucketLimit } from "../src/aws/rate-limits.js";
import type { SandboxCommand } from "./sandbox-server.mts";

const SCENARIOS = ["steady", "changed", "converge", "webhook", "stopped"] as const;
type Scenario = (typeof SCENARIOS)[number];
const { values } = parseArgs({
  options: {
    services: { type: "string" },
    "converge-services": { type: "string" },
    "controller-services": { type: "string" },
    latency: { type: "string", default: "20" },
    "time-scale": { type: "string" },
    interval: { type: "string", default: "10" },
    scenarios: { type: "string", default: SCENARIOS.join(",") },
    quick: { type: "boolean", default: false },
    "give-up-after": { type: "string", default: "1800" },
  },
});
// The bench stops by itself, whatever hangs: its children follow it (they exit on disconnect).
const watchdog = setTimeout(() => {
  console.error(`bench: gave up after ${values["give-up-after"]} s`);
  process.exit(1);
}, Number(values["give-up-after"]) * 1000);
const QUICK = values.quick;
const SIZES = (values.services ?? (QUICK ? "100,1000" : "100,1000,3000")).split(",").map(Number);
const CONVERGE_N = Number(values["converge-services"] ?? (QUICK ? 200 : 1000));
const CONTROLLER_N = Number(values["controller-services"] ?? 1000);
const TIME_SCALE = Number(values["time-scale"] ?? (QUICK ? 10 : 100));
const LATENCY_MS = Number(values.latency);
const INTERVAL_S = Number(values.interval);
const scenarios = new Set(values.scenarios.split(",") as Scenario[]);
const TASKS_PER_SERVICE = 3;
const CLUSTER = "bench";
const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.dirname(here);

type Calls = Record<string, Record<string, { total: number; throttled: number }>>;
interface Sandbox {
  env: Record<string, string>;
  ask(command: SandboxCommand): Promise<Record<string, unknown>>;
  calls(): Promise<{ calls: Calls; writes: Record<string, number>; lastEcsWriteAt?: number }>;
  next(type: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

function messages(child: ChildProcess) {
  const waiting = new Map<string, ((m: Record<string, unknown>) => void)[]>();
  child.on("message", (m: Record<string, unknown>) => waiting.get(String(m.type))?.shift()?.(m));
  return (type: string) =>
    new Promise<Record<string, unknown>>((resolve) => waiting.set(type, [...(waiting.get(type) ?? []), resolve]));
}

async function startSandbox(): Promise<Sandbox> {
  const child = fork(path.join(here, "sandbox-server.mts"), [], { execArgv: ["--import", "tsx"], stdio: "inherit" });
  const next = messages(child);
  const { env } = (await next("ready")) as { env: Record<string, string> };
  const ask = (command: SandboxCommand) => {
    const answer = next("ok");
    child.send(command);
    return answer;
  };
  return {
    env,
    ask,
    next,
    calls: () => ask({ type: "calls" }) as never,
    close: async () => {
      await ask({ type: "close" });
    },
  };
}

interface PassReport {
  wallMs: number;
  /** Date.now() when the pass started. */
  startedAt: number;
  maxRssMb: number;
  runningTasks: number;
  ecsOutcomes: Record<string, number>;
  /** One verb (register, update, deregister) per change. */
  consulChanges: string[];
  failed: string[];
}

/** A fresh `node` process running passes on the compiled controller, its clients and caches kept across them. */
async function startWorker(sandbox: Sandbox, mesh: MeshRepo, buckets?: Record<string, BucketLimit>) {
  const args = { manifests: mesh.manifests, inventory: mesh.inventory, workdir: mesh.workdir, buckets };
  const child = fork(path.join(here, "full-pass-worker.mjs"), [JSON.stringify(args)], {
    execArgv: [],
    stdio: "inherit",
    env: { ...process.env, ...sandbox.env },
  });
  const next = messages(child);
  await next("ready");
  return {
    pass: async () => {
      const done = next("passed");
      child.send({ type: "pass" });
      const report = (await done) as unknown as PassReport;
      if (report.failed.length > 0) throw new Error(`pass failed: ${report.failed.join("; ")}`);
      return report;
    },
    stop: () => {
      child.send({ type: "stop" });
      return new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

interface MeshRepo {
  /** A git repository holding the manifests under mesh/. */
  repo: string;
  manifests: string;
  inventory: string;
  workdir: string;
  services: number;
  writeServices(changedImage?: Map<number, string>): Promise<void>;
  commit(message: string): void;
}

const name = (i: number) => `svc-${String(i).padStart(4, "0")}`;

async function meshRepo(services: number): Promise<MeshRepo> {
  const repo = await mkdtemp(path.join(tmpdir(), "ecsmesh-bench-"));
  const manifests = path.join(repo, "mesh");
  await mkdir(manifests);
  await writeFile(
    path.join(manifests, "mesh.yaml"),
    `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: {name: bench}
spec:
  ecs: {cluster: ${CLUSTER}, region: us-east-1}
  linkerd:
    daemon: {enabled: true}
    namerd: {url: "http://127.0.0.1:1"}
    baseDtab: "/svc => /#/io.l5d.consul/dc1;"
`,
  );
  await writeFile(
    path.join(manifests, "monitoring.yaml"),
    `apiVersion: ecsmesh.io/v1alpha1
kind: Monitoring
metadata: {name: monitoring}
spec:
  grafana: {dashboards: [linkerd-viz, linkerd-health, services, controller], folder: bench}
  delivery: {directory: monitoring-out}
`,
  );
  // A canary Route for every tenth Service, sending 10% to its neighbour.
  const routes = Array.from({ length: Math.ceil(services / 10) }, (_, k) => {
    const from = name(k * 10);
    const to = name((k * 10 + 1) % services);
    return `apiVersion: ecsmesh.io/v1alpha1
kind: Route
metadata: {name: canary-${from}}
spec:
  rules: [{match: /svc/${from}, to: [{service: ${from}, weight: 90}, {service: ${to}, weight: 10}]}]
`;
  });
  await writeFile(path.join(manifests, "routes.yaml"), routes.join("---\n"));
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", repo, "-c", "user.name=bench", "-c", "user.email=bench@localhost", ...args], {
      stdio: "ignore",
    });
  const mesh: MeshRepo = {
    repo,
    manifests,
    inventory: `${repo}-inventory.json`,
    workdir: `${repo}-workdir`,
    services,
    writeServices: async (changedImage = new Map()) => {
      const documents = Array.from(
        { length: services },
        (_, i) => `apiVersion: ecsmesh.io/v1alpha1
kind: Service
metadata: {name: ${name(i)}}
spec:
  image: ${changedImage.get(i) ?? "example/app:1"}
  memory: 128
  desiredCount: ${TASKS_PER_SERVICE}
  ports: [{containerPort: 8080}]
  env: {SERVICE_INDEX: "${i}"}
  discovery: {consul: {tags: [bench], healthCheck: {http: /health}}}
`,
      );
      await writeFile(path.join(manifests, "services.yaml"), documents.join("---\n"));
    },
    commit: (message) => {
      git("add", "-A");
      git("commit", "-q", "-m", message);
    },
  };
  await mkdir(mesh.workdir);
  git("init", "-q", "-b", "main");
  await mesh.writeServices();
  mesh.commit("bench mesh");
  return mesh;
}

function scaledBuckets(scale: number): Record<string, BucketLimit> {
  return Object.fromEntries(
    Object.entries(ECS_RATE_LIMITS.buckets).map(([bucket, b]) => [
      bucket,
      { burst: b.burst, refillPerSecond: b.refillPerSecond * scale },
    ]),
  );
}

/** The least time a token bucket allows for `calls` calls: the burst is free, the rest come at the refill rate. */
function bucketMinimumMs(calls: number, bucket: BucketLimit): number {
  return (Math.max(0, calls - bucket.burst) / bucket.refillPerSecond) * 1000;
}

/** ECS tasks when everything runs: the services' and one linkerd per container instance (3). */
const expectedTasks = (services: number) => services * TASKS_PER_SERVICE + 3;

/** Creates everything fast (no latency, no throttling, buckets x1000) and registers what runs; not measured. */
async function converged(sandbox: Sandbox, mesh: MeshRepo): Promise<void> {
  await sandbox.ask({ type: "faults", settings: { throttling: false, latencyMs: 0 } });
  const setup = await startWorker(sandbox, mesh, scaledBuckets(1000));
  await setup.pass();
  await sandbox.ask({ type: "settled", cluster: CLUSTER, tasks: expectedTasks(mesh.services) });
  await setup.pass();
  await setup.stop();
}

const realConditions = (sandbox: Sandbox) =>
  sandbox.ask({ type: "faults", settings: { throttling: true, timeScale: 1, latencyMs: LATENCY_MS } });

const flatten = (calls: Calls) =>
  Object.fromEntries(
    Object.entries(calls)
      .filter(([, ops]) => Object.keys(ops).length > 0)
      .map(([api, ops]) => [api, Object.fromEntries(Object.entries(ops).map(([op, c]) => [op, c.total]))]),
  );
const byVerb = (verbs: string[]) =>
  verbs.reduce<Record<string, number>>((counts, verb) => ({ ...counts, [verb]: (counts[verb] ?? 0) + 1 }), {});
const totalOf = (ops: Record<string, number> | undefined) => Object.values(ops ?? {}).reduce((a, b) => a + b, 0);

const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  // 1, 5 and 15 minutes, as one string: the figures' noise on a shared machine.
  loadAverageAtStart: loadAverage(),
  latencyMs: LATENCY_MS,
};
const lines: string[] = [];
const row = (...cells: (string | number)[]) => `| ${cells.join(" | ")} |`;

// Steady state (and one Service changed) for each N.
if (scenarios.has("steady") || scenarios.has("changed")) {
  const bySize: Record<string, unknown>[] = [];
  const steadyRows: string[] = [];
  const changedRows: string[] = [];
  const cell = (ops: Record<string, number> | undefined) =>
    ops ? `${totalOf(ops)} (${Object.entries(ops).map(([op, n]) => `${op} ${n}`).join(", ")})` : "0";
  for (const services of SIZES) {
    const sandbox = await startSandbox();
    const mesh = await meshRepo(services);
    await converged(sandbox, mesh);
    await realConditions(sandbox);
    const worker = await startWorker(sandbox, mesh);
    // The first pass of a fresh process fills the caches a running controller has.
    const cold = await worker.pass();
    await sandbox.ask({ type: "reset" });
    const steady = await worker.pass();
    const { calls, writes } = await sandbox.calls();
    const steadyCalls = flatten(calls);
    const figures: Record<string, unknown> = {
      services,
      tasks: steady.runningTasks,
      steady: {
        calls: steadyCalls,
        writes,
        wallMs: Math.round(steady.wallMs),
        peakRssMb: Math.round(steady.maxRssMb),
      },
      firstPassOfProcess: { wallMs: Math.round(cold.wallMs), peakRssMb: Math.round(cold.maxRssMb) },
    };
    steadyRows.push(
      row(
        services,
        steady.runningTasks,
        ...["ecs", "ec2", "cloudMap", "consul", "namerd", "grafana"].map((api) => cell(steadyCalls[api])),
        totalOf(writes),
        `${Math.round(steady.wallMs)} ms`,
        `${Math.round(steady.maxRssMb)} MB`,
        `${Math.round(cold.wallMs)} ms, ${Math.round(cold.maxRssMb)} MB`,
      ),
    );
    if (scenarios.has("changed")) {
      await mesh.writeServices(new Map([[0, "example/app:2"]]));
      await sandbox.ask({ type: "reset" });
      const changed = await worker.pass();
      const changedCalls = await sandbox.calls();
      await sandbox.ask({ type: "settled", cluster: CLUSTER, tasks: expectedTasks(services) });
      await sandbox.ask({ type: "reset" });
      const registered = await worker.pass();
      const after = await sandbox.calls();
      const ecsWrites = Object.fromEntries(
        Object.entries(flatten(changedCalls.calls).ecs ?? {}).filter(([op]) => !/^(Describe|List)/.test(op)),
      );
      // New tasks may already run during the changed pass itself: its Consul changes count too.
      const consulChanges = byVerb([...changed.consulChanges, ...registered.consulChanges]);
      const consulTxn = (changedCalls.writes.consul ?? 0) + (after.writes.consul ?? 0);
      figures.changed = {
        wallMs: Math.round(changed.wallMs),
        ecsWrites,
        consulChanges,
        consulTxn,
        registrationPassWallMs: Math.round(registered.wallMs),
        registrationPassEcsWrites: after.writes.ecs,
      };
      changedRows.push(
        row(
          services,
          JSON.stringify(ecsWrites),
          `${Math.round(changed.wallMs)} ms`,
          `${JSON.stringify(consulChanges)} (${consulTxn} Txn)`,
          `${Math.round(registered.wallMs)} ms`,
        ),
      );
    }
    await worker.stop();
    await sandbox.close();
    bySize.push(figures);
  }
  results.steady = bySize;
  lines.push(
    `\nSteady pass (nothing changed), ${LATENCY_MS} ms latency per call, AWS's buckets:`,
    "| services | tasks | ECS calls | EC2 | Cloud Map | Consul | namerd | Grafana | writes | wall | peak RSS | a fresh process's first pass |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...steadyRows,
  );
  if (scenarios.has("changed")) {
    lines.push(
      "\nOne Service's image changed:",
      "| services | ECS writes | wall | Consul changes for the replaced tasks (writes) | next pass, once they run |",
      "|---|---|---|---|---|",
      ...changedRows,
    );
  }
}

// Initial converge at AWS's buckets, time-scaled.
if (scenarios.has("converge")) {
  const sandbox = await startSandbox();
  const mesh = await meshRepo(CONVERGE_N);
  await sandbox.ask({ type: "faults", settings: { throttling: true, timeScale: TIME_SCALE, latencyMs: LATENCY_MS } });
  const buckets = scaledBuckets(TIME_SCALE);
  const worker = await startWorker(sandbox, mesh, buckets);
  const first = await worker.pass();
  const { calls, lastEcsWriteAt } = await sandbox.calls();
  const ecs = calls.ecs ?? {};
  // The ECS step alone is paced by the buckets: Consul registrations and Grafana pushes that follow
  // in the same pass are not time-scaled, and would weigh x${TIME_SCALE} too much against it.
  const ecsStepMs = Number(lastEcsWriteAt) - first.startedAt;
  const made = (...operations: string[]) =>
    operations.reduce((sum, op) => sum + (ecs[op]?.total ?? 0) - (ecs[op]?.throttled ?? 0), 0);
  const minimumMs = Math.max(
    bucketMinimumMs(made("RegisterTaskDefinition", "DeregisterTaskDefinition"), buckets.taskDefinitionModify as BucketLimit),
    bucketMinimumMs(made("CreateService", "UpdateService", "DeleteService"), buckets.serviceModify as BucketLimit),
    bucketMinimumMs(made("DescribeServices", "ListServices"), buckets.serviceRead as BucketLimit),
  );
  await sandbox.ask({ type: "settled", cluster: CLUSTER, tasks: expectedTasks(CONVERGE_N) });
  await sandbox.ask({ type: "reset" });
  const registration = await worker.pass();
  const after = await sandbox.calls();
  await worker.stop();
  await sandbox.close();
  const converge = {
    services: CONVERGE_N,
    timeScale: TIME_SCALE,
    ecsCalls: flatten(calls).ecs,
    throttled: Object.values(ecs).reduce((sum, c) => sum + c.throttled, 0),
    ecsStepMs,
    theoreticalMinimumMs: Math.round(minimumMs),
    ratio: Number((ecsStepMs / minimumMs).toFixed(3)),
    wholePassMs: Math.round(first.wallMs),
    registrationPass: { wallMs: Math.round(registration.wallMs), consulTxn: after.writes.consul },
  };
  results.converge = converge;
  lines.push(
    `\nInitial converge of ${CONVERGE_N} services, AWS's ECS buckets sped up x${TIME_SCALE}, ${LATENCY_MS} ms latency:`,
    "| ECS step (pass start -> last ECS write) | slowest bucket's minimum | ratio | whole first pass | ECS calls | throttled | registration pass once running |",
    "|---|---|---|---|---|---|---|",
  );
  lines.push(row(
    `${(converge.ecsStepMs / 1000).toFixed(2)} s`,
    `${(converge.theoreticalMinimumMs / 1000).toFixed(2)} s`,
    `${converge.ratio}x`,
    `${(converge.wholePassMs / 1000).toFixed(2)} s`,
    JSON.stringify(converge.ecsCalls),
    converge.throttled,
    `${converge.registrationPass.wallMs} ms, ${converge.registrationPass.consulTxn} Consul Txn`,
  ));
}

// The real controller: `node bin/ecsmesh.js run` on a local repository.
if (scenarios.has("webhook") || scenarios.has("stopped")) {
  const sandbox = await startSandbox();
  const mesh = await meshRepo(CONTROLLER_N);
  await converged(sandbox, mesh);
  await realConditions(sandbox);
  const secret = "bench-webhook-secret";
  const controller = spawn(
    process.execPath,
    [
      path.join(root, "bin", "ecsmesh.js"),
      "run",
      ...["--source", mesh.repo, "--path", "mesh", "--ref", "main"],
      ...["--interval", `${INTERVAL_S}s`, "--poll", "1h", "--port", "0", "--host", "127.0.0.1"],
      ...["--workdir", mesh.workdir, "--inventory", mesh.inventory],
    ],
    { env: { ...process.env, ...sandbox.env, ECSMESH_WEBHOOK_SECRET: secret, ECSMESH_LOG_LEVEL: "info" }, stdio: ["ignore", "inherit", "pipe"] },
  );
  const logLines = createInterface({ input: controller.stderr as NodeJS.ReadableStream });
  process.once("exit", () => controller.kill());
  const logWaiters: ((entry: Record<string, unknown>) => boolean)[] = [];
  logLines.on("line", (line) => {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    for (const waiter of [...logWaiters]) if (waiter(entry)) logWaiters.splice(logWaiters.indexOf(waiter), 1);
  });
  const logged = (match: (entry: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve) =>
      logWaiters.push((entry) => (match(entry) ? (resolve(entry), true) : false)),
    );
  const started = logged((e) => e.msg === "controller started");
  const firstPass = logged((e) => e.msg === "pass finished");
  const url = String((await started).url);
  const steadyPass = await firstPass;
  const controllerResults: Record<string, unknown> = {
    services: CONTROLLER_N,
    intervalS: INTERVAL_S,
    firstPassMs: steadyPass.durationMs,
  };
  if (scenarios.has("webhook")) {
    await mesh.writeServices(new Map([[1, "example/app:2"]]));
    mesh.commit("svc-0001: app 2");
    const firstWrite = sandbox.next("ecsWrite");
    await sandbox.ask({ type: "nextEcsWrite" });
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    const posted = Date.now();
    const answer = await fetch(`${url}/hooks/git`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-hub-signature-256": signature },
    });
    if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}`);
    controllerResults.commitToFirstWriteMs = Number((await firstWrite).at) - posted;
    await logged((e) => e.msg === "pass finished");
  }
  if (scenarios.has("stopped")) {
    await sandbox.ask({ type: "settled", cluster: CLUSTER, tasks: expectedTasks(CONTROLLER_N) });
    const stopped = await sandbox.ask({ type: "stopTask", cluster: CLUSTER, service: name(2) });
    const gone = await sandbox.ask({ type: "deregistered", serviceId: String(stopped.serviceId) });
    controllerResults.taskStoppedToDeregisteredMs = Number(gone.at) - Number(stopped.at);
  }
  controller.kill("SIGTERM");
  await new Promise((resolve) => controller.once("exit", resolve));
  await sandbox.close();
  results.controller = controllerResults;
  lines.push(
    `\n\`ecsmesh run\` (${CONTROLLER_N} services, --interval ${INTERVAL_S}s, ${LATENCY_MS} ms latency):`,
    "| commit -> first ECS write (signed webhook) | task stopped -> deregistered in Consul | first pass after start |",
    "|---|---|---|",
  );
  lines.push(row(
    controllerResults.commitToFirstWriteMs === undefined ? "-" : `${controllerResults.commitToFirstWriteMs} ms`,
    controllerResults.taskStoppedToDeregisteredMs === undefined
      ? "-"
      : `${controllerResults.taskStoppedToDeregisteredMs} ms`,
    `${controllerResults.firstPassMs} ms`,
  ));
}

clearTimeout(watchdog);
results.loadAverageAtEnd = loadAverage();
await mkdir(path.join(here, "results"), { recursive: true });
await writeFile(path.join(here, "results", "full-pass.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log(lines.join("\n"));
console.log(`\n${cpus().length} CPUs, Node ${process.version}, load average ${results.loadAverageAtStart} -> ${results.loadAverageAtEnd}`);
