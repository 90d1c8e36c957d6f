// `npm run bench`: the ECS controller at scale against the local ECS server.
//   1. no-op pass over N services (default 1,000) at 20 ms injected latency, real ECS buckets:
//      calls by operation, wall time, peak RSS of the controller process;
//   2. initial converge of M services (default 200) under token buckets sped up by a time scale,
//      against the buckets' theoretical minimum.
// Results print as a table and are written to bench/results/ecs.json. Run `npm run build` first
// (npm run bench does): the measured passes run the compiled controller.
import { type ChildProcess, fork } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ECS_RATE_LIMITS } from "../src/aws/ecs-limits.js";
import type { BucketLimit } from "../src/aws/rate-limits.js";

const { values } = parseArgs({
  options: {
    services: { type: "string", default: "1000" },
    latency: { type: "string", default: "20" },
    "converge-services": { type: "string", default: "200" },
    "time-scale": { type: "string", default: "10" },
  },
});
const N = Number(values.services);
const LATENCY_MS = Number(values.latency);
const M = Number(values["converge-services"]);
const SCALE = Number(values["time-scale"]);
const TSX = ["--import", "tsx"];
const here = path.dirname(new URL(import.meta.url).pathname);

interface Server {
  child: ChildProcess;
  url: string;
  ask(message: unknown): Promise<Record<string, unknown>>;
}

async function startServer(): Promise<Server> {
  const child = fork(path.join(here, "ecs-server.mts"), [], { execArgv: TSX, stdio: "inherit" });
  const url = await new Promise<string>((resolve) =>
    child.once("message", (m: { url: string }) => resolve(m.url)),
  );
  const ask = (message: unknown) =>
    new Promise<Record<string, unknown>>((resolve) => {
      child.once("message", (reply: Record<string, unknown>) => resolve(reply));
      child.send(message as never);
    });
  return { child, url, ask };
}

/** Runs one pass in a fresh `node` process on the compiled controller (no TypeScript loader in its memory). */
async function runPass(args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const child = fork(path.join(here, "ecs-pass.mjs"), [JSON.stringify(args)], { execArgv: [], stdio: "inherit" });
  const [report] = await Promise.all([
    new Promise<Record<string, unknown>>((resolve) => child.once("message", resolve)),
    new Promise((resolve) => child.once("exit", resolve)),
  ]);
  return report;
}

async function manifests(count: number, cluster: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "ecsmesh-bench-"));
  const services = Array.from(
    { length: count },
    (_, i) => `apiVersion: ecsmesh.io/v1alpha1
kind: Service
metadata:
  name: svc-${String(i).padStart(4, "0")}
spec:
  image: example/app:1
  memory: 128
  desiredCount: 2
  ports: [{containerPort: 8080}]
  env: {SERVICE_INDEX: "${i}"}
`,
  );
  await writeFile(
    path.join(dir, "mesh.yaml"),
    `apiVersion: ecsmesh.io/v1alpha1\nkind: Mesh\nmetadata: {name: bench}\nspec:\n  ecs: {cluster: ${cluster}, region: us-east-1}\n`,
  );
  await writeFile(path.join(dir, "services.yaml"), services.join("---\n"));
  return dir;
}

function scaled(scale: number): Record<string, BucketLimit> {
  return Object.fromEntries(
    Object.entries(ECS_RATE_LIMITS.buckets).map(([name, b]) => [name, { burst: b.burst, refillPerSecond: b.refillPerSecond * scale }]),
  );
}

/** The least time a token bucket allows for `calls` calls: the burst is free, the rest come at the refill rate. */
function bucketMinimumMs(calls: number, bucket: BucketLimit): number {
  return (Math.max(0, calls - bucket.burst) / bucket.refillPerSecond) * 1000;
}

// 1. No-op pass over N services.
const noopServer = await startServer();
const noopDir = await manifests(N, "bench");
const noopInventory = path.join(noopDir, "inventory.json");
// Setup: create the N services fast (buckets x1000, no latency); not measured.
await noopServer.ask({ type: "faults", settings: { throttling: false, latencyMs: 0 } });
const setup = await runPass({ endpoint: noopServer.url, manifests: noopDir, inventory: noopInventory, buckets: scaled(1000) });
if (setup.failed !== 0) throw new Error(`setup failed: ${JSON.stringify(setup)}`);
await noopServer.ask({ type: "faults", settings: { throttling: true, timeScale: 1, latencyMs: LATENCY_MS } });
await noopServer.ask({ type: "reset" });
const noop = await runPass({ endpoint: noopServer.url, manifests: noopDir, inventory: noopInventory });
const noopCalls = (await noopServer.ask({ type: "calls" })).calls as Record<string, { total: number; throttled: number }>;
await noopServer.ask({ type: "close" });

// 2. Initial converge of M services under sped-up real buckets.
const convergeServer = await startServer();
const convergeDir = await manifests(M, "bench");
await convergeServer.ask({ type: "faults", settings: { throttling: true, timeScale: SCALE, latencyMs: LATENCY_MS } });
await convergeServer.ask({ type: "reset" });
const converge = await runPass({
  endpoint: convergeServer.url,
  manifests: convergeDir,
  inventory: path.join(convergeDir, "inventory.json"),
  buckets: scaled(SCALE),
});
const convergeCalls = (await convergeServer.ask({ type: "calls" })).calls as Record<string, { total: number; throttled: number }>;
await convergeServer.ask({ type: "close" });
const buckets = scaled(SCALE);
// The least time the buckets allow for the calls actually made (the linkerd daemon included).
const callsIn = (...operations: string[]) =>
  operations.reduce((sum, op) => sum + (convergeCalls[op]?.total ?? 0) - (convergeCalls[op]?.throttled ?? 0), 0);
const minimumMs = Math.max(
  bucketMinimumMs(callsIn("RegisterTaskDefinition", "DeregisterTaskDefinition"), buckets.taskDefinitionModify as BucketLimit),
  bucketMinimumMs(callsIn("CreateService", "UpdateService", "DeleteService"), buckets.serviceModify as BucketLimit),
  bucketMinimumMs(callsIn("DescribeServices", "ListServices"), buckets.serviceRead as BucketLimit),
);

const noopTotal = Object.values(noopCalls).reduce((sum, c) => sum + c.total, 0);
const results = {
  date: new Date().toISOString(),
  node: process.version,
  noop: {
    services: N,
    latencyMs: LATENCY_MS,
    calls: Object.fromEntries(Object.entries(noopCalls).map(([op, c]) => [op, c.total])),
    totalCalls: noopTotal,
    goalCalls: Math.ceil(N / 10) + Math.ceil(N / 100),
    wallMs: Math.round(noop.wallMs as number),
    peakRssMb: Math.round(noop.maxRssMb as number),
    outcomes: noop.outcomes,
  },
  converge: {
    services: M,
    timeScale: SCALE,
    calls: Object.fromEntries(Object.entries(convergeCalls).map(([op, c]) => [op, c.total])),
    throttled: Object.values(convergeCalls).reduce((sum, c) => sum + c.throttled, 0),
    wallMs: Math.round(converge.wallMs as number),
    theoreticalMinimumMs: Math.round(minimumMs),
    ratio: Number(((converge.wallMs as number) / minimumMs).toFixed(3)),
    failed: converge.failed,
  },
};
await mkdir(path.join(here, "results"), { recursive: true });
await writeFile(path.join(here, "results", "ecs.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log(`
no-op pass, ${N} services, ${LATENCY_MS} ms latency per call:
  calls by operation  ${JSON.stringify(results.noop.calls)}  (total ${noopTotal}, goal <= ${results.noop.goalCalls}, writes 0)
  wall time           ${results.noop.wallMs} ms  (goal <= 1000)
  peak RSS            ${results.noop.peakRssMb} MB  (goal <= 150)
initial converge, ${M} services, ECS buckets x${SCALE}:
  wall time           ${results.converge.wallMs} ms  vs theoretical minimum ${results.converge.theoreticalMinimumMs} ms  = ${results.converge.ratio}x (goal <= 1.1)
  calls               ${JSON.stringify(results.converge.calls)}, ${results.converge.throttled} throttled, ${results.converge.failed} failed
`);
