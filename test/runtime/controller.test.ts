import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startController } from "../../src/cli/run.js";
import { type SandboxRun, startSandboxController } from "../../src/cli/sandbox.js";
import { compileMesh } from "../../src/compile/mesh.js";
import { reconcileMesh, reconcileRegistrations } from "../../src/controllers/mesh.js";
import { reconcileMonitoring } from "../../src/controllers/monitoring/reconcile.js";
import type { ControllerStatus } from "../../src/runtime/status.js";
import { silentLogger } from "../../src/util/logger.js";

// Spies that call through: they count how often a pass compiles and what each target is given.
vi.mock("../../src/compile/mesh.js", { spy: true });
vi.mock("../../src/controllers/mesh.js", { spy: true });
vi.mock("../../src/controllers/monitoring/reconcile.js", { spy: true });

const run = promisify(execFile);
const saved = { ...process.env };
let sandbox: SandboxRun;
let convergedInMs = 0;

async function git(...args: string[]) {
  const { stdout } = await run("git", [
    "-c",
    "user.name=test",
    "-c",
    "user.email=test@example.invalid",
    "-C",
    sandbox.repo,
    ...args,
  ]);
  return stdout.trim();
}

async function status(): Promise<ControllerStatus> {
  return (await (await fetch(`${sandbox.controller.server.url}/status`)).json()) as ControllerStatus;
}

async function until(
  what: string,
  check: (s: ControllerStatus) => boolean,
  timeoutMs = 30_000,
): Promise<ControllerStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await status();
    if (check(current)) return current;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(current.conditions)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ready = (s: ControllerStatus) => s.conditions.some((c) => c.type === "Ready" && c.status === "True");

beforeAll(async () => {
  const started = Date.now();
  sandbox = await startSandboxController({
    port: 0,
    workdir: await mkdtemp(path.join(tmpdir(), "ecsmesh-controller-")),
    logLevel: "silent",
  });
  await until(
    "the first convergence",
    (s) => ready(s) && s.resources.some((r) => r.kind === "ConsulRegistrations"),
    60_000,
  );
  convergedInMs = Date.now() - started;
}, 90_000);

afterAll(async () => {
  await sandbox?.stop();
  process.env = saved;
});

describe("ecsmesh run against a git repository (npm start's sandbox)", () => {
  it("converges the hello-world mesh from scratch in under 60 s", async () => {
    expect(convergedInMs).toBeLessThan(60_000);
    const s = await status();
    const sha = await git("rev-parse", "HEAD");
    expect(s.lastAppliedRevision).toBe(`main@sha1:${sha}`);
    expect(s.resources.filter((r) => r.kind === "Service").map((r) => [r.name, r.ready])).toEqual([
      ["hello", "True"],
      ["world", "True"],
      ["world-v2", "True"],
      ["linkerd", "True"],
    ]);
    expect(s.leader.isLeader).toBe(true);
    const consul =
      sandbox.sandbox.consul?.catalog.services().filter((x) => x.Node === "ecsmesh-l5d-demo") ?? [];
    // 2 hello + 2 world + 1 world-v2 + one linkerd per container instance (3).
    expect(consul).toHaveLength(8);
  });

  it("applies a commit", async () => {
    const file = path.join(sandbox.repo, "services.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("desiredCount: 1", "desiredCount: 3"));
    await git("commit", "-qam", "scale world-v2");
    const sha = await git("rev-parse", "HEAD");
    await until("the new commit", (s) => s.lastAppliedRevision === `main@sha1:${sha}`);
    const service = sandbox.sandbox.ecs?.ecs.state.clusters.get("l5d-demo")?.services.get("world-v2");
    expect(service?.desiredCount).toBe(3);
  });

  it("compiles the manifests once per pass, and every target works from that one DesiredMesh", async () => {
    vi.clearAllMocks();
    const file = path.join(sandbox.repo, "services.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("desiredCount: 3", "desiredCount: 2"));
    await git("commit", "-qam", "scale world-v2 down");
    const sha = await git("rev-parse", "HEAD");
    await until("the new commit", (s) => s.lastAppliedRevision === `main@sha1:${sha}`);
    const compiled = vi.mocked(compileMesh).mock.results.map((result) => result.value);
    const meshPasses = vi.mocked(reconcileMesh).mock.calls.map(([desired]) => desired);
    const registrationPasses = vi.mocked(reconcileRegistrations).mock.calls.map(([desired]) => desired);
    const monitored = vi.mocked(reconcileMonitoring).mock.calls.map(([desired]) => desired);
    expect(meshPasses.length).toBeGreaterThan(0);
    // One compile for each pass, whether it reconciled everything or only the registrations.
    expect(compiled).toHaveLength(meshPasses.length + registrationPasses.length);
    expect([...meshPasses, ...registrationPasses].every((desired) => compiled.includes(desired))).toBe(true);
    // Monitoring follows in the same pass, from the same DesiredMesh (a pass in flight may not be there yet).
    expect(monitored.length).toBeGreaterThanOrEqual(meshPasses.length - 1);
    expect(monitored.every((desired, i) => desired === meshPasses[i])).toBe(true);
  });

  it("stalls on an invalid commit without writing anything, and recovers on the next good one", async () => {
    const good = (await status()).lastAppliedRevision;
    const writesBefore = sandbox.sandbox.ecs?.calls.writes();
    await writeFile(
      path.join(sandbox.repo, "broken.yaml"),
      "apiVersion: ecsmesh.io/v1alpha1\nkind: Service\nmetadata: {name: broken}\nspec: {replicas: 2}\n",
    );
    await git("add", "broken.yaml");
    await git("commit", "-qm", "broken");
    const bad = `main@sha1:${await git("rev-parse", "HEAD")}`;
    const stalled = await until("Stalled", (s) =>
      s.conditions.some((c) => c.type === "Stalled" && c.status === "True" && c.message.startsWith(bad)),
    );
    expect(stalled.lastAppliedRevision).toBe(good);
    expect(stalled.lastAttemptedRevision).toBe(bad);
    expect(
      stalled.recentErrors.some((e) =>
        e.message.startsWith('broken.yaml:4:8: error: unknown field "replicas"'),
      ),
    ).toBe(true);
    expect(sandbox.sandbox.ecs?.calls.writes()).toBe(writesBefore);
    const health = await fetch(`${sandbox.controller.server.url}/readyz`);
    expect(health.status).toBe(503);

    await git("rm", "-q", "broken.yaml");
    await git("commit", "-qm", "fix");
    const fixed = `main@sha1:${await git("rev-parse", "HEAD")}`;
    await until("recovery", (s) => s.lastAppliedRevision === fixed && ready(s));
    expect((await fetch(`${sandbox.controller.server.url}/readyz`)).status).toBe(200);
  });

  it("keeps Consul following the running tasks from the last good manifests while stalled", async () => {
    const ecs = sandbox.sandbox.ecs;
    const consul = sandbox.sandbox.consul;
    if (!ecs || !consul) throw new Error("the sandbox runs its own ECS and Consul");
    const good = (await status()).lastAppliedRevision;
    await writeFile(
      path.join(sandbox.repo, "broken.yaml"),
      "apiVersion: ecsmesh.io/v1alpha1\nkind: Service\nmetadata: {name: broken}\nspec: {replicas: 2}\n",
    );
    await git("add", "broken.yaml");
    await git("commit", "-qm", "broken again");
    const bad = `main@sha1:${await git("rev-parse", "HEAD")}`;
    const stalledOnBad = (s: ControllerStatus) =>
      s.conditions.some(
        (c) =>
          c.type === "Stalled" &&
          c.status === "True" &&
          c.reason === "InvalidManifests" &&
          c.message.startsWith(bad),
      );
    await until("Stalled", stalledOnBad);
    const writesBefore = ecs.calls.writes();

    // A hello task exits: the ECS scheduler replaces it while git still holds the invalid commit.
    const hello = () => [...(ecs.ecs.state.clusters.get("l5d-demo")?.services.get("hello")?.tasks ?? [])];
    const running = () =>
      hello()
        .filter((t) => t.lastStatus === "RUNNING" && t.desiredStatus === "RUNNING")
        .map((t) => `hello-${t.id}`)
        .sort();
    const registered = () =>
      consul.catalog
        .services()
        .filter((x) => x.Node === "ecsmesh-l5d-demo" && x.ServiceName === "hello")
        .map((x) => String(x.ServiceID))
        .sort();
    const [victim] = hello();
    if (!victim) throw new Error("hello runs no task");
    ecs.ecs.stopTask(victim.arn);
    const deadline = Date.now() + 15_000;
    let converged = false;
    while (!converged) {
      if (Date.now() > deadline) throw new Error(`Consul ${registered()} never matched ECS ${running()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await sandbox.controller.controller.trigger("test: a task was replaced");
      const tasks = running();
      converged =
        tasks.length === 2 && !tasks.includes(`hello-${victim.id}`) && registered().join() === tasks.join();
    }
    expect(registered()).not.toContain(`hello-${victim.id}`);

    const s = await status();
    expect(stalledOnBad(s)).toBe(true);
    expect(s.lastAppliedRevision).toBe(good);
    expect(s.lastPass?.outcome).toBe("invalid");
    expect(ecs.calls.writes()).toBe(writesBefore);

    await git("rm", "-q", "broken.yaml");
    await git("commit", "-qm", "fix again");
    const fixed = `main@sha1:${await git("rev-parse", "HEAD")}`;
    await until("recovery", (s) => s.lastAppliedRevision === fixed && ready(s));
  });

  it("serves metrics and a status page", async () => {
    const metrics = await (await fetch(`${sandbox.controller.server.url}/metrics`)).text();
    expect(metrics).toMatch(/ecsmesh_reconcile_duration_seconds_count\{kind="Mesh"\} \d+/);
    expect(metrics).toMatch(/ecsmesh_resource_info\{kind="Service",name="hello",target="ecs",ready="True"/);
    expect(metrics).toMatch(
      /ecsmesh_api_requests_total\{service="ecs",operation="DescribeServices",outcome="ok"\} \d+/,
    );
    expect(metrics).toContain("ecsmesh_leader 1");
    const page = await (await fetch(`${sandbox.controller.server.url}/`)).text();
    expect(page).toContain("world-v2");
  });

  it("serves Prometheus discovery for every linkerd and writes the monitoring files", async () => {
    const linkerd = (await (await fetch(`${sandbox.controller.server.url}/sd/linkerd`)).json()) as {
      targets: string[];
      labels: Record<string, string>;
    }[];
    expect(linkerd).toHaveLength(3);
    expect(linkerd[0]?.labels).toMatchObject({
      __metrics_path__: "/admin/metrics/prometheus",
      mesh: "l5d-demo",
    });
    expect(linkerd[0]?.targets[0]).toMatch(/^10\.\d+\.\d+\.\d+:9990$/);
    const monitoring = (await status()).monitoring as Record<string, unknown>;
    expect(monitoring).toMatchObject({ linkerdTargets: 3 });
    const written = await readFile(
      path.join(sandbox.workdir, "controller", "monitoring-out", "prometheus.yml"),
      "utf8",
    );
    expect(written).toContain("/sd/linkerd");
  });
});

describe("the webhook without a secret", () => {
  it("is not served", async () => {
    const response = await fetch(`${sandbox.controller.server.url}/hooks/git`, {
      method: "POST",
      body: "{}",
    });
    expect(response.status).toBe(404);
  });
});

describe("two controllers on one Consul", () => {
  it("lets exactly one write, and fails over when the leader stops", async () => {
    const follower = await startController(
      {
        source: sandbox.repo,
        ref: "main",
        path: ".",
        intervalMs: 1_000,
        pollMs: 0,
        port: 0,
        host: "127.0.0.1",
        workdir: await mkdtemp(path.join(tmpdir(), "ecsmesh-follower-")),
        identity: "follower",
        logLevel: "silent",
        awsRegion: undefined,
        consulAddress: sandbox.environment.CONSUL_HTTP_ADDR,
        consulToken: undefined,
        namerdUrl: undefined,
        webhookSecret: "s3cr3t",
        statusToken: "follower-status-token",
        gitAuth: {},
      },
      silentLogger,
    );
    try {
      // ECSMESH_STATUS_TOKEN reaches the status port: the status needs it, the probes do not.
      expect((await fetch(`${follower.server.url}/status`)).status).toBe(401);
      expect((await fetch(`${follower.server.url}/healthz`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await follower.controller.idle();
      expect(follower.controller.status.leader.isLeader).toBe(false);
      expect(follower.controller.status.lastPass?.summary).toMatch(
        /^follower: held by .+; serving status, writing nothing$/,
      );
      expect(follower.controller.status.conditions.find((c) => c.type === "Leader")).toMatchObject({
        status: "False",
        reason: "LockHeldBy",
      });
      expect((await status()).leader.isLeader).toBe(true);

      await sandbox.controller.stop(); // SIGTERM's path: finish, release the lock
      // Failed over: the new leader has run a pass of its own as soon as it took the lock.
      const deadline = Date.now() + 20_000;
      const ledAPass = () =>
        follower.controller.status.leader.isLeader &&
        !follower.controller.status.lastPass?.summary.startsWith("follower:");
      while (!ledAPass()) {
        if (Date.now() > deadline) throw new Error("no failover");
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(follower.controller.status.lastPass?.outcome).toMatch(/applied|unchanged/);

      // The webhook: a bad signature is refused and triggers nothing; a good one triggers a pass.
      await follower.controller.idle();
      const passes = follower.controller.status.history.length;
      const body = JSON.stringify({ ref: "refs/heads/main" });
      const post = (signature: string) =>
        fetch(`${follower.server.url}/hooks/git`, {
          method: "POST",
          body,
          headers: { "X-Hub-Signature-256": signature },
        });
      expect((await post(`sha256=${"0".repeat(64)}`)).status).toBe(401);
      await follower.controller.idle();
      expect(follower.controller.status.history.length).toBe(passes);
      const good = `sha256=${createHmac("sha256", "s3cr3t").update(body).digest("hex")}`;
      expect((await post(good)).status).toBe(202);
      await follower.controller.idle();
      expect(follower.controller.status.history.length).toBe(passes + 1);
    } finally {
      await follower.stop();
    }
  }, 40_000);
});
