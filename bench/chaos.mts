// `npm run bench:chaos`: the reliability figures of the README's "Reliability" section.
//   chaos:    a converge of N services (default 200) under 20% throttling, 5% server errors and
//             1% connection resets on ECS, EC2, Cloud Map, Consul and namerd, then a steady-state
//             pass: calls, retries and time, the fakes' counts beside the controller's /metrics;
//   crash:    the same converge with `ecsmesh run` killed (SIGKILL) at K seeded points (default 20)
//             and restarted each time, each dead session left to expire as Consul expires it;
//   failover: two replicas, a commit that changes every service, the leader killed halfway.
// Every controller is `ecsmesh run` as a child process; the fakes run here and keep their state.
// Results print as JSON and are written to bench/results/chaos-<scenario>.json.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  chaosRun,
  crashRun,
  failoverRun,
  meshRepo,
  startMeshSandbox,
  writesOutsideTheLock,
} from "../test/reliability/harness.js";

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "all" },
    services: { type: "string", default: "200" },
    kills: { type: "string", default: "20" },
    seed: { type: "string", default: "1" },
  },
});
const SERVICES = Number(values.services);
const KILLS = Number(values.kills);
const SEED = Number(values.seed);
const TIMEOUT_MS = 20 * 60_000;
const here = path.dirname(new URL(import.meta.url).pathname);

async function save(scenario: string, figures: Record<string, unknown>): Promise<void> {
  const result = { scenario, services: SERVICES, seed: SEED, ...figures };
  console.log(JSON.stringify(result, null, 2));
  await mkdir(path.join(here, "results"), { recursive: true });
  await writeFile(path.join(here, "results", `chaos-${scenario}.json`), `${JSON.stringify(result, null, 2)}\n`);
}

async function chaos(): Promise<void> {
  const sandbox = await startMeshSandbox();
  try {
    const root = await mkdtemp(path.join(tmpdir(), "ecsmesh-bench-chaos-"));
    const report = await chaosRun({ sandbox, root, services: SERVICES, seed: SEED, timeoutMs: TIMEOUT_MS });
    const consistent = Object.values(report.byService).every((c) => c.controllerAttempts === c.fakeAttempts);
    await save("chaos", { ...report, convergeMs: Math.round(report.convergeMs), metricsMatchFakes: consistent });
  } finally {
    await sandbox.close();
  }
}

async function crash(): Promise<void> {
  const sandbox = await startMeshSandbox();
  try {
    const root = await mkdtemp(path.join(tmpdir(), "ecsmesh-bench-crash-"));
    const repo = await meshRepo(path.join(root, "repo"), SERVICES);
    const report = await crashRun({
      sandbox,
      repo,
      root,
      services: SERVICES,
      kills: KILLS,
      seed: SEED,
      expireSessions: false,
      timeoutMs: TIMEOUT_MS,
    });
    await save("crash", {
      ...report,
      convergeMs: Math.round(report.convergeMs),
      maxRecoveryMs: Math.max(...report.recoveryMs),
      writesOutsideTheLock: writesOutsideTheLock(sandbox).length,
    });
  } finally {
    await sandbox.close();
  }
}

async function failover(): Promise<void> {
  const sandbox = await startMeshSandbox();
  try {
    const root = await mkdtemp(path.join(tmpdir(), "ecsmesh-bench-failover-"));
    const repo = await meshRepo(path.join(root, "repo"), SERVICES);
    // The mesh converged first, by one replica, so that the failover happens during a rollout.
    await crashRun({
      sandbox,
      repo,
      root,
      services: SERVICES,
      kills: 0,
      seed: SEED,
      expireSessions: false,
      timeoutMs: TIMEOUT_MS,
    });
    const report = await failoverRun({ sandbox, repo, root, services: SERVICES, timeoutMs: TIMEOUT_MS });
    await save("failover", { ...report, writesOutsideTheLock: writesOutsideTheLock(sandbox).length });
  } finally {
    await sandbox.close();
  }
}

const scenarios: Record<string, () => Promise<void>> = { chaos, crash, failover };
for (const [name, run] of Object.entries(scenarios)) {
  if (values.scenario === "all" || values.scenario === name) await run();
}
