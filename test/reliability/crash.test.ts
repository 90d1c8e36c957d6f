import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  convergedState,
  crashRun,
  failoverRun,
  type MeshRepo,
  type MeshSandbox,
  meshRepo,
  startMeshSandbox,
  writesOutsideTheLock,
} from "./harness.js";

// Bounded for npm test; `npm run bench:chaos` kills 20 times over 200 services.
const SERVICES = 20;
const KILLS = 3;
/** Consul invalidates a dead session at up to 2 x its 10 s TTL, then holds the lock for its 5 s lock-delay. */
const TAKEOVER_BOUND_MS = 2 * 10_000 + 5_000 + 10_000 / 3 + 2_000;

let sandbox: MeshSandbox;
let repo: MeshRepo;
let root: string;

beforeAll(async () => {
  sandbox = await startMeshSandbox();
  root = await mkdtemp(path.join(tmpdir(), "ecsmesh-crash-"));
  repo = await meshRepo(path.join(root, "repo"), SERVICES);
});
afterAll(async () => {
  await sandbox.close();
});

describe("kill -9 of ecsmesh run during a converge", () => {
  it("converges after each restart with nothing made twice and nothing left blocked", async () => {
    const report = await crashRun({
      sandbox,
      repo,
      root,
      services: SERVICES,
      kills: KILLS,
      seed: 7,
      expireSessions: true,
      timeoutMs: 60_000,
    });
    expect(report.killedAfterWrites).toHaveLength(KILLS);
    expect(report.state).toEqual(convergedState(SERVICES));
    expect(writesOutsideTheLock(sandbox)).toEqual([]);
  }, 150_000);

  it("with two replicas, the follower takes over from a killed leader once its session expires", async () => {
    const report = await failoverRun({ sandbox, repo, root, services: SERVICES, timeoutMs: 60_000 });
    expect(report.lockTakenMs).toBeLessThan(TAKEOVER_BOUND_MS);
    expect(report.firstWriteMs - report.lockTakenMs).toBeLessThan(5_000);
    // One new revision per service for the one real change, whoever registered it.
    expect(report.state).toEqual(convergedState(SERVICES, 2 * SERVICES));
    expect(writesOutsideTheLock(sandbox)).toEqual([]);
  }, 120_000);
});
