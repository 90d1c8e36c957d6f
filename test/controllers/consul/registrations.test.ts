import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../../src/cli/main.js";
import { compileMesh } from "../../../src/compile/mesh.js";
import { waitForRollouts } from "../../../src/controllers/ecs/wait.js";
import { reconcileMesh } from "../../../src/controllers/mesh.js";
import { type ConsulServer, startConsulServer } from "../../../src/sandbox/consul/server.js";
import type { ManifestSet } from "../../../src/specs/manifest-set.js";
import { silentLogger } from "../../../src/util/logger.js";
import { loadSet, serviceYaml } from "../ecs/support.js";
import { type Sandbox, startSandbox, targetsFor } from "../mesh-support.js";

const mesh = (daemon: boolean) => `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: {name: demo}
spec:
  ecs: {cluster: demo, region: us-east-1}
  linkerd: {daemon: {enabled: ${daemon}}}
`;
const world = (count: number) =>
  serviceYaml(
    "world",
    `image: buoyantio/helloworld:0.1.6
memory: 64
desiredCount: ${count}
ports: [{containerPort: 7778}]
discovery: {consul: {tags: [demo], healthCheck: {http: /health}}}`,
  );

let sandbox: Sandbox;
let consul: ConsulServer;
beforeEach(async () => {
  sandbox = await startSandbox("demo");
  consul = await startConsulServer();
});
afterEach(async () => {
  await Promise.all([sandbox.close(), consul.close()]);
});

async function pass(set: ManifestSet, consulUrl = consul.url) {
  return reconcileMesh(compileMesh(set), targetsFor(sandbox, { consulUrl }), {
    dryRun: false,
    flags: { allowMassPrune: false, adopt: false },
    log: silentLogger,
  });
}

/** Applies, waits for every rollout, then runs the pass that registers what now runs. */
async function converge(set: ManifestSet) {
  const first = await pass(set);
  const names = first.ecs.ok ? first.ecs.value.planned.desired.map((d) => d.name) : [];
  const targets = targetsFor(sandbox);
  await waitForRollouts(targets.ecs.api, "demo", new Map(names.map((n) => [n, undefined])), {
    intervalMs: 20,
    timeoutMs: 10_000,
  });
  return pass(set);
}

const ours = () =>
  consul.catalog
    .services()
    .filter((s) => (s.ServiceMeta as Record<string, string> | undefined)?.ecsmesh_owner === "demo");

describe("Consul registrations of running tasks", () => {
  it("registers each running task at its instance IP and host port, and linkerd's admin port", async () => {
    const report = await converge(loadSet(mesh(true), world(2)));
    if (!report.consul?.ok) throw new Error(JSON.stringify(report.consul));
    const registered = ours();
    const worlds = registered.filter((s) => s.ServiceName === "world");
    const linkerds = registered.filter((s) => s.ServiceName === "linkerd");
    expect(worlds).toHaveLength(2);
    expect(linkerds).toHaveLength(3); // one DAEMON task per container instance
    const instanceIps = new Set(
      (sandbox.ecs.ecs.state.clusters.get("demo")?.instances ?? []).map((i) => i.privateIp),
    );
    for (const s of worlds) {
      expect(instanceIps.has(String(s.ServiceAddress))).toBe(true);
      expect(Number(s.ServicePort)).toBeGreaterThanOrEqual(32768);
      expect(s.ServiceTags).toEqual(["demo"]);
      expect(s.Node).toBe("ecsmesh-demo");
    }
    expect(linkerds.map((s) => s.ServicePort)).toEqual([9990, 9990, 9990]);
    const checks = consul.catalog.checks().filter((c) => String(c.ServiceID).startsWith("world-"));
    expect(checks).toHaveLength(2);

    consul.calls.reset();
    const steady = await pass(loadSet(mesh(true), world(2)));
    expect(steady.consul?.ok && steady.consul.value.plan.changes).toEqual([]);
    expect(consul.calls.writes()).toBe(0);
    // One read of the node's services and one of its checks observe everything.
    expect(consul.calls.total()).toBe(2);
  });

  it("follows task churn: scaling in deregisters, and a removed registration of ours comes back", async () => {
    await converge(loadSet(mesh(false), world(3)));
    expect(ours()).toHaveLength(3);
    await converge(loadSet(mesh(false), world(1)));
    expect(ours()).toHaveLength(1);

    const [victim] = ours();
    await fetch(`${consul.url}/v1/catalog/deregister`, {
      method: "PUT",
      body: JSON.stringify({ Node: "ecsmesh-demo", ServiceID: victim?.ServiceID }),
    });
    expect(ours()).toHaveLength(0);
    const restored = await pass(loadSet(mesh(false), world(1)));
    expect(restored.consul?.ok && restored.consul.value.plan.changes.map((c) => c.verb)).toEqual([
      "register",
    ]);
    expect(ours().map((s) => s.ServiceID)).toEqual([victim?.ServiceID]);
  });

  it("never touches registrations it did not make, on its node or elsewhere", async () => {
    await converge(loadSet(mesh(false), world(1)));
    const register = (body: object) =>
      fetch(`${consul.url}/v1/catalog/register`, { method: "PUT", body: JSON.stringify(body) });
    await register({
      Node: "ecsmesh-demo",
      Address: "127.0.0.1",
      Service: { ID: "hand-made", Service: "world", Port: 1 },
    });
    await register({
      Node: "other",
      Address: "10.9.9.9",
      Service: { ID: "world-x", Service: "world", Port: 2 },
    });
    consul.calls.reset();
    const report = await pass(loadSet(mesh(false), world(1)));
    // The plain registration without NodeMeta cleared the node's meta: only that is put back.
    expect(report.consul?.ok && report.consul.value.plan.changes.map((c) => [c.id, c.verb])).toEqual([
      ["ecsmesh-demo", "update"],
    ]);
    expect(consul.calls.writes()).toBe(1);
    expect(consul.catalog.services().map((s) => s.ServiceID)).toEqual(
      expect.arrayContaining(["hand-made", "world-x"]),
    );
    consul.calls.reset();
    const steady = await pass(loadSet(mesh(false), world(1)));
    expect(steady.consul?.ok && steady.consul.value.plan.changes).toEqual([]);
    expect(consul.calls.writes()).toBe(0);
  });

  it("batches registrations in transactions of at most 64 operations", async () => {
    await converge(loadSet(mesh(false), world(100)));
    expect(ours()).toHaveLength(100);
    // 1 node + 100 services + 100 checks = 201 operations: 4 transactions.
    expect(consul.calls.get("Txn").total).toBe(4);
  });

  it("explain --consul lists the registrations behind a destination", async () => {
    const manifests = [mesh(false), world(2)];
    await converge(loadSet(...manifests));
    const dir = await mkdtemp(path.join(tmpdir(), "ecsmesh-explain-"));
    await writeFile(path.join(dir, "mesh.yaml"), manifests.join("---\n"));
    let stdout = "";
    const io = { out: (t: string) => (stdout += t), err: () => {}, color: false };
    const code = await main(["explain", dir, "/svc/world", "--consul"], io, { CONSUL_HTTP_ADDR: consul.url });
    expect(code).toBe(0);
    expect(stdout).toContain("Consul registrations:\n  /#/io.l5d.consul/dc1/world: 2\n");
    expect(stdout).toMatch(/ {4}10\.\d+\.\d+\.\d+:3\d{4} {2}world-[0-9a-f]+\n/);
  });

  it("keeps registering the running tasks when the ECS step fails", async () => {
    await converge(loadSet(mesh(false), world(2)));
    const [victim] = ours();
    const worldTasks = () => [
      ...(sandbox.ecs.ecs.state.clusters.get("demo")?.services.get("world")?.tasks ?? []),
    ];
    const task = worldTasks().find((t) => `world-${t.id}` === victim?.ServiceID);
    if (!task) throw new Error("no registered world task");
    sandbox.ecs.ecs.stopTask(task.arn);
    // The scheduler starts a replacement.
    while (worldTasks().filter((t) => t.lastStatus === "RUNNING" && t.desiredStatus === "RUNNING").length < 2)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await writeFile(sandbox.inventoryFile, "{ not json"); // the ECS step cannot read its inventory
    const report = await pass(loadSet(mesh(false), world(2)));
    expect(report.ecs.ok).toBe(false);
    expect(report.consul?.ok && report.consul.value.plan.changes.map((c) => c.verb).sort()).toEqual([
      "deregister",
      "register",
    ]);
    expect(ours().map((s) => s.ServiceID)).not.toContain(victim?.ServiceID);
    expect(ours()).toHaveLength(2);
  });

  it("describes a task once it runs, then only lists it, and deregisters it once it stops", async () => {
    const set = loadSet(mesh(false), world(3));
    await converge(set);
    // Clients kept across passes, as the controller keeps them: the second pass has seen every task.
    const targets = targetsFor(sandbox, { consulUrl: consul.url });
    const options = { dryRun: false, flags: { allowMassPrune: false, adopt: false }, log: silentLogger };
    await reconcileMesh(compileMesh(set), targets, options);
    sandbox.ecs.calls.reset();
    await reconcileMesh(compileMesh(set), targets, options);
    expect(sandbox.ecs.calls.get("ListTasks").total).toBe(1);
    expect(sandbox.ecs.calls.get("DescribeTasks").total).toBe(0);

    const [victim] = sandbox.ecs.ecs.state.clusters.get("demo")?.services.get("world")?.tasks ?? [];
    if (!victim) throw new Error("no world task");
    sandbox.ecs.ecs.stopTask(victim.arn);
    sandbox.ecs.calls.reset();
    const report = await reconcileMesh(compileMesh(set), targets, options);
    expect(report.consul?.ok && report.consul.value.plan.changes.map((c) => c.verb)).toContain("deregister");
    expect(ours().map((s) => s.ServiceID)).not.toContain(`world-${victim.id}`);
    // Only the replacement, if the scheduler started it already, is described.
    expect(sandbox.ecs.calls.get("DescribeTasks").total).toBeLessThanOrEqual(1);
  });

  it("still reconciles ECS when Consul is unreachable, and reports the error on Consul", async () => {
    const report = await pass(loadSet(mesh(false), world(1)), "http://127.0.0.1:1");
    expect(report.ecs.ok).toBe(true);
    expect(sandbox.ecs.calls.get("CreateService").total).toBe(1);
    expect(report.consul).toMatchObject({ ok: false, error: { retryable: true } });
  });
});

describe("ecsmesh apply --wait", () => {
  async function manifestDir(...documents: string[]): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), "ecsmesh-apply-wait-"));
    await writeFile(path.join(dir, "mesh.yaml"), documents.join("---\n"));
    return dir;
  }

  async function cli(...argv: string[]) {
    return cliWith({}, ...argv);
  }

  async function cliWith(overrides: Record<string, string>, ...argv: string[]) {
    let stdout = "";
    const io = { out: (t: string) => (stdout += t), err: (t: string) => (stdout += t), color: false };
    const env = {
      AWS_ENDPOINT_URL_ECS: sandbox.ecs.url,
      AWS_ENDPOINT_URL_EC2: sandbox.ec2.url,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      CONSUL_HTTP_ADDR: consul.url,
      ECSMESH_LOG_LEVEL: "silent",
      ...overrides,
    };
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    try {
      const code = await main([...argv, "--inventory", sandbox.inventoryFile], io, process.env);
      return { code, stdout };
    } finally {
      vi.unstubAllEnvs();
    }
  }

  const runningTaskIds = (service: string) =>
    [...(sandbox.ecs.ecs.state.clusters.get("demo")?.services.get(service)?.tasks ?? [])]
      .filter((t) => t.lastStatus === "RUNNING" && t.desiredStatus === "RUNNING")
      .map((t) => `${service}-${t.id}`)
      .sort();
  const registeredIds = (service: string) =>
    ours()
      .filter((s) => s.ServiceName === service)
      .map((s) => String(s.ServiceID))
      .sort();

  /** Applies with --wait, then checks Consul holds exactly what runs, as a plan run right after sees it. */
  async function applyAndCheck(dir: string) {
    const applied = await cli("apply", dir, "--wait", "--timeout", "20s");
    expect(applied.code, applied.stdout).toBe(0);
    const plan = await cli("plan", dir, "--output", "json");
    expect(JSON.parse(plan.stdout).consul.changes).toEqual([]);
    expect(registeredIds("world")).toEqual(runningTaskIds("world"));
    expect(registeredIds("linkerd")).toEqual(runningTaskIds("linkerd"));
    expect(registeredIds("linkerd")).toHaveLength(3);
    return applied.stdout;
  }

  it("registers what runs once the rollouts have finished, linkerd's own tasks included", async () => {
    const dir = await manifestDir(mesh(true), world(2));
    await applyAndCheck(dir);
    expect(registeredIds("world")).toHaveLength(2);

    // A new image replaces every world task, more memory every linkerd (a DAEMON stops its old
    // tasks before it starts new ones): the new tasks registered, the stopped ones gone.
    const before = [...registeredIds("world"), ...registeredIds("linkerd")];
    await writeFile(
      path.join(dir, "mesh.yaml"),
      [
        mesh(true).replace("enabled: true", "enabled: true, memory: 384"),
        world(2).replace("helloworld:0.1.6", "helloworld:0.1.7"),
      ].join("---\n"),
    );
    await applyAndCheck(dir);
    expect(registeredIds("world")).toHaveLength(2);
    expect(
      [...registeredIds("world"), ...registeredIds("linkerd")].filter((id) => before.includes(id)),
    ).toEqual([]);
  });

  it("reports a rollout Ready only once every desired task runs", async () => {
    const dir = await manifestDir(mesh(true), world(2));
    await applyAndCheck(dir);
    await writeFile(path.join(dir, "mesh.yaml"), [mesh(true), world(3)].join("---\n"));
    const stdout = await applyAndCheck(dir);
    expect(registeredIds("world")).toHaveLength(3);
    expect(stdout.match(/^ {2}world: Ready .*$/gm)).toEqual([
      "  world: Ready (RolloutCompleted) 3/3 tasks running",
    ]);
  });

  it("names what failed in its summary and exits 1 when Consul is unreachable", async () => {
    const dir = await manifestDir(mesh(false), world(1));
    const applied = await cliWith({ CONSUL_HTTP_ADDR: "http://127.0.0.1:1" }, "apply", dir);
    expect(applied.code).toBe(1);
    const summary = applied.stdout.trim().split("\n").at(-1);
    expect(summary).toMatch(
      /^Apply failed \(Consul\): ECS: 1 ok, 0 failed, 0 blocked; running tasks: \d observed; Consul FAILED: \w+/,
    );
  }, 30_000); // the client retries an unreachable Consul for about 9 s
});
