import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chaosRun, convergedState, type MeshSandbox, startMeshSandbox } from "./harness.js";

// Fewer services than the bench's 200 (npm run bench:chaos): ECS lets a task definition be
// registered once a second past a burst of 20, and the controller paces itself to that.
const SERVICES = 20;

let sandbox: MeshSandbox | undefined;
afterAll(async () => {
  await sandbox?.close();
});

describe("chaos: 20% throttling, 5% server errors, 1% connection resets on every API", () => {
  it("converges, duplicates nothing, and /metrics counts every retry the fakes saw", async () => {
    sandbox = await startMeshSandbox();
    const root = await mkdtemp(path.join(tmpdir(), "ecsmesh-chaos-"));
    const report = await chaosRun({
      sandbox,
      root,
      services: SERVICES,
      seed: 12,
      timeoutMs: 100_000,
    });
    expect(report.state).toEqual(convergedState(SERVICES));
    expect(report.steadyStateWrites).toBe(0);
    for (const [service, counts] of Object.entries(report.byService)) {
      // Every attempt the fake saw is a call or a retry in /metrics, and the reverse.
      expect(counts.controllerAttempts, service).toBe(counts.fakeAttempts);
      if (service === "ec2") continue;
      expect(counts.fakeFaults, service).toBeGreaterThan(0);
      // Each fault was retried unless it ended a call (counted there under its error code).
      expect(counts.controllerRetries + counts.controllerFailedCalls, service).toBeGreaterThanOrEqual(
        counts.fakeFaults,
      );
      expect(counts.throttledRetries, service).toBeGreaterThan(0);
      expect(counts.throttledRetries, service).toBeLessThanOrEqual(counts.fakeThrottled);
    }
  }, 120_000);
});
