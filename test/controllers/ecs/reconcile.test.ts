import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { errorCode } from "../../../src/aws/errors.js";
import { main } from "../../../src/cli/main.js";
import { compileMesh } from "../../../src/compile/mesh.js";
import { applyEcsPlan } from "../../../src/controllers/ecs/apply.js";
import { SdkEcsApi } from "../../../src/controllers/ecs/ecs-client.js";
import { type EcsFlags, planEcsForMesh } from "../../../src/controllers/ecs/reconcile.js";
import { serviceCondition } from "../../../src/controllers/ecs/rollout.js";
import { waitForRollouts } from "../../../src/controllers/ecs/wait.js";
import { withRegistering } from "../../../src/inventory/inventory.js";
import { FileInventoryStore } from "../../../src/inventory/store.js";
import { type EcsServer, startEcsServer } from "../../../src/sandbox/ecs/server.js";
import type { ManifestSet } from "../../../src/specs/manifest-set.js";
import { createLogger, silentLogger } from "../../../src/util/logger.js";
import { eventually } from "../../sandbox/support.js";
import { arn, liveService, loadSet, MESH_YAML, serviceYaml } from "./support.js";

const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };
const FAST_POLICY = { retries: 8, minBackoffMs: 10, maxBackoffMs: 200, timeoutMs: 5_000 };

let server: EcsServer;
let sdk: ECSClient;
let inventoryFile: string;

/** A fresh local ECS (no services, no task definitions) and an SDK client for it. */
async function startEcs() {
  server = await startEcsServer({ clusters: ["demo"], faults: { throttling: false } });
  sdk = new ECSClient({
    endpoint: server.url,
    region: "us-east-1",
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });
}

beforeEach(async () => {
  await startEcs();
  inventoryFile = path.join(await mkdtemp(path.join(tmpdir(), "ecsmesh-inv-")), "inventory.json");
  server.calls.reset();
});

afterEach(async () => {
  sdk.destroy();
  await server.close();
});

function api(): SdkEcsApi {
  return new SdkEcsApi({
    region: "us-east-1",
    endpoint: server.url,
    credentials: CREDENTIALS,
    policy: FAST_POLICY,
  });
}

/** One controller pass: plan against the server, apply, and report what happened. */
async function pass(set: ManifestSet, flags: Partial<EcsFlags> = {}, log = silentLogger) {
  const deps = { api: api(), store: new FileInventoryStore(inventoryFile), cache: new Map() };
  const planned = await planEcsForMesh(compileMesh(set), deps, {
    allowMassPrune: false,
    adopt: false,
    ...flags,
  });
  const result = await applyEcsPlan(deps.api, planned.plan, planned.inventory, deps.store, log);
  return {
    planned,
    result,
    outcomes: Object.fromEntries(planned.plan.resources.map((r) => [r.name, r.outcome])),
  };
}

const svc = (name: string, extra = "") =>
  serviceYaml(name, `image: example/${name}:1\nmemory: 64\ndesiredCount: 2\n${extra}`);

async function describe_(names: string[]) {
  const out = await sdk.send(
    new DescribeServicesCommand({ cluster: "demo", services: names, include: ["TAGS"] }),
  );
  return new Map((out.services ?? []).map((s) => [s.serviceName, s]));
}

describe("reconciling ECS through the real SDK", () => {
  it("creates everything from scratch, then a second pass makes zero writes", async () => {
    const set = loadSet(MESH_YAML, svc("a"), svc("b"), svc("c"));
    const first = await pass(set);
    expect(first.outcomes).toEqual({ a: "create", b: "create", c: "create" });
    expect(first.result.resources.every((r) => !r.error)).toBe(true);
    expect(server.calls.get("RegisterTaskDefinition").total).toBe(3);
    expect(server.calls.get("CreateService").total).toBe(3);
    const live = await describe_(["a", "b", "c"]);
    expect([...live.values()].map((s) => s.status)).toEqual(["ACTIVE", "ACTIVE", "ACTIVE"]);
    expect(live.get("a")?.tags).toEqual(expect.arrayContaining([{ key: "ecsmesh:owner", value: "demo" }]));

    server.calls.reset();
    const second = await pass(set);
    expect(second.outcomes).toEqual({ a: "noop", b: "noop", c: "noop" });
    expect(server.calls.writes()).toBe(0);
    // Steady state: one batched DescribeServices, no task definition reads (fingerprints settle it).
    expect(server.calls.snapshot()).toEqual({ DescribeServices: expect.objectContaining({ total: 1 }) });
  });

  it("turns an image change into exactly one registration and one UpdateService", async () => {
    await pass(loadSet(MESH_YAML, svc("a"), svc("b")));
    server.calls.reset();
    const changed = loadSet(MESH_YAML, svc("a").replace("example/a:1", "example/a:2"), svc("b"));
    const { outcomes } = await pass(changed);
    expect(outcomes).toEqual({ a: "update", b: "noop" });
    expect(server.calls.get("RegisterTaskDefinition").total).toBe(1);
    expect(server.calls.get("UpdateService").total).toBe(1);
    expect(server.calls.writes()).toBe(2);
    expect((await describe_(["a"])).get("a")?.taskDefinition).toMatch(/task-definition\/demo-a:2$/);
  });

  it("finds the revision a writer killed before recording it registered, instead of registering again", async () => {
    await pass(loadSet(MESH_YAML, svc("a")));
    const changed = loadSet(MESH_YAML, svc("a").replace("example/a:1", "example/a:2"));
    // The interrupted writer: its mark is saved, its RegisterTaskDefinition landed, then it died.
    const store = new FileInventoryStore(inventoryFile);
    const { plan, inventory } = await planEcsForMesh(
      compileMesh(changed),
      { api: api(), store, cache: new Map() },
      { allowMassPrune: false, adopt: false },
    );
    const register = plan.resources[0]?.actions.find((a) => a.verb === "register-task-definition");
    if (register?.verb !== "register-task-definition") throw new Error("an image change registers");
    await store.save(withRegistering(inventory, "a", register.family, register.fingerprint));
    await sdk.send(new RegisterTaskDefinitionCommand(register.input));

    server.calls.reset();
    const { outcomes } = await pass(changed);
    expect(outcomes).toEqual({ a: "update" });
    expect(server.calls.get("RegisterTaskDefinition").total).toBe(0);
    expect((await describe_(["a"])).get("a")?.taskDefinition).toMatch(/task-definition\/demo-a:2$/);
    const recorded = (await store.load("demo", "demo")).services.a;
    expect(recorded?.revisions.map((r) => r.arn.split("/").pop())).toEqual(["demo-a:1", "demo-a:2"]);
    expect(recorded?.registering).toBeUndefined();
  });

  it("deletes only the service removed from the manifests", async () => {
    await pass(loadSet(MESH_YAML, svc("a"), svc("b"), svc("c")));
    server.calls.reset();
    const { outcomes } = await pass(loadSet(MESH_YAML, svc("a"), svc("b")));
    expect(outcomes).toEqual({ a: "noop", b: "noop", c: "delete" });
    expect(server.calls.get("DeleteService").total).toBe(1);
    const live = await describe_(["a", "b", "c"]);
    expect(live.get("c")?.status).not.toBe("ACTIVE");
    expect(live.get("a")?.status).toBe("ACTIVE");
  });

  it("leaves unmanaged and copied-tag services untouched", async () => {
    const definition = await sdk.send(
      new RegisterTaskDefinitionCommand({
        family: "legacy",
        containerDefinitions: [{ name: "x", image: "x:1", memory: 64 }],
      }),
    );
    const arn = definition.taskDefinition?.taskDefinitionArn;
    await sdk.send(
      new CreateServiceCommand({
        cluster: "demo",
        serviceName: "legacy",
        taskDefinition: arn,
        desiredCount: 1,
      }),
    );
    await sdk.send(
      new CreateServiceCommand({
        cluster: "demo",
        serviceName: "copycat",
        taskDefinition: arn,
        desiredCount: 1,
        tags: [{ key: "ecsmesh:owner", value: "demo" }],
      }),
    );
    server.calls.reset();
    const { outcomes, planned } = await pass(loadSet(MESH_YAML, svc("a"), svc("copycat")));
    expect(outcomes).toEqual({ a: "create", copycat: "blocked" });
    expect(planned.plan.resources.find((r) => r.name === "copycat")?.reason).toMatch(
      /missing from the inventory/,
    );
    expect(server.calls.get("UpdateService").total).toBe(0);
    expect(server.calls.get("DeleteService").total).toBe(0);
    const live = await describe_(["legacy", "copycat"]);
    expect(live.get("copycat")?.taskDefinition).toBe(arn);
    expect(live.get("legacy")?.status).toBe("ACTIVE");
  });

  it("refuses a mass prune, and does it when allowed", async () => {
    await pass(loadSet(MESH_YAML, svc("a"), svc("b"), svc("c")));
    server.calls.reset();
    const refused = await pass(loadSet(MESH_YAML, svc("a")));
    expect(refused.planned.plan.massPruneRefused).toMatch(/would delete 2 of 3 managed services/);
    expect(server.calls.writes()).toBe(0);
    const allowed = await pass(loadSet(MESH_YAML, svc("a")), { allowMassPrune: true });
    expect(allowed.outcomes).toEqual({ a: "noop", b: "delete", c: "delete" });
    expect(server.calls.get("DeleteService").total).toBe(2);
  });

  it("keeps a desiredCount that autoscaling changed when the manifest does not set one", async () => {
    const autoscaled = serviceYaml("a", "image: example/a:1\nmemory: 64");
    await pass(loadSet(MESH_YAML, autoscaled));
    await sdk.send(new UpdateServiceCommand({ cluster: "demo", service: "a", desiredCount: 5 }));
    server.calls.reset();
    const { outcomes } = await pass(loadSet(MESH_YAML, autoscaled));
    expect(outcomes).toEqual({ a: "noop" });
    expect(server.calls.writes()).toBe(0);
    expect((await describe_(["a"])).get("a")?.desiredCount).toBe(5);
  });

  it("reports a failing rollout as Stalled with ECS's message", async () => {
    server.ecs.markImageUnhealthy("example/bad:1");
    const breaker = "deployment: {circuitBreaker: {enable: true, rollback: false}}";
    const { result } = await pass(
      loadSet(MESH_YAML, serviceYaml("bad", `image: example/bad:1\nmemory: 64\ndesiredCount: 1\n${breaker}`)),
    );
    expect(result.resources[0]?.error).toBeUndefined();
    const conditions = await waitForRollouts(api(), "demo", new Map([["bad", undefined]]), {
      intervalMs: 50,
      timeoutMs: 15_000,
    });
    expect(conditions.get("bad")).toMatchObject({ type: "Stalled", reason: "RolloutFailed" });
    expect(conditions.get("bad")?.message).toMatch(/failed/);
  });

  it("reports a rolled-back deployment as Stalled and does not deploy it again", async () => {
    const breaker = "deployment: {circuitBreaker: {enable: true, rollback: true}}";
    const manifest = (image: string) =>
      loadSet(MESH_YAML, serviceYaml("web", `image: ${image}\nmemory: 64\ndesiredCount: 2\n${breaker}`));
    await pass(manifest("example/web:1"));
    await waitForRollouts(api(), "demo", new Map([["web", undefined]]), {
      intervalMs: 50,
      timeoutMs: 15_000,
    });

    server.ecs.markImageUnhealthy("example/web:2");
    const broken = await pass(manifest("example/web:2"));
    const applied = broken.result.resources[0]?.service?.taskDefinition;
    expect(applied).toMatch(/demo-web:2$/);
    const conditions = await waitForRollouts(api(), "demo", new Map([["web", applied]]), {
      intervalMs: 50,
      timeoutMs: 15_000,
    });
    expect(conditions.get("web")).toMatchObject({ type: "Stalled", reason: "RolledBack" });
    expect(conditions.get("web")?.message).toMatch(
      /running .*demo-web:1, not .*demo-web:2: .*deployment failed/,
    );

    server.calls.reset();
    const again = await pass(manifest("example/web:2"));
    expect(again.outcomes).toEqual({ web: "blocked" });
    expect(again.planned.plan.resources[0]?.reason).toMatch(/ECS rolled back our deployment of .*demo-web:2/);
    expect(server.calls.writes()).toBe(0);

    const fixed = await pass(manifest("example/web:3"));
    expect(fixed.outcomes).toEqual({ web: "update" });
    expect(fixed.result.resources[0]?.service?.taskDefinition).toMatch(/demo-web:3$/);
  });

  it("follows a healthy rollout to Ready", async () => {
    await pass(loadSet(MESH_YAML, svc("a")));
    const conditions = await waitForRollouts(api(), "demo", new Map([["a", undefined]]), {
      intervalMs: 50,
      timeoutMs: 15_000,
    });
    expect(conditions.get("a")).toMatchObject({
      type: "Ready",
      reason: "RolloutCompleted",
      message: "2/2 tasks running",
    });
  });

  it("is Ready only once every desired task runs: scaling keeps the deployment COMPLETED", async () => {
    const scaled = serviceCondition(
      liveService("a", arn("demo-a", 1), {
        desiredCount: 3,
        runningCount: 2,
        deployments: [
          {
            status: "PRIMARY",
            taskDefinition: arn("demo-a", 1),
            desiredCount: 3,
            runningCount: 2,
            pendingCount: 1,
            rolloutState: "COMPLETED",
          },
        ],
      }),
    );
    expect(scaled).toMatchObject({
      type: "Reconciling",
      reason: "Scaling",
      message: "2/3 tasks running, 1 pending",
    });

    const wait = async () => {
      const seen: string[] = [];
      await waitForRollouts(api(), "demo", new Map([["a", undefined]]), {
        intervalMs: 20,
        timeoutMs: 15_000,
        onChange: (_, c) => seen.push(`${c.type} ${c.message}`),
      });
      return seen;
    };
    await pass(loadSet(MESH_YAML, svc("a")));
    await wait();
    await pass(loadSet(MESH_YAML, svc("a").replace("desiredCount: 2", "desiredCount: 3")));
    const seen = await wait();
    expect(seen.filter((s) => s.startsWith("Ready"))).toEqual(["Ready 3/3 tasks running"]);
  });

  it("converges under throttling and injected server errors", async () => {
    server.faults.configure({
      throttling: true,
      buckets: {
        serviceModify: { burst: 2, refillPerSecond: 20 },
        taskDefinitionModify: { burst: 2, refillPerSecond: 20 },
      },
      serverErrorRate: 0.1,
      seed: 7,
    });
    const set = loadSet(MESH_YAML, ...["a", "b", "c", "d", "e", "f"].map((n) => svc(n)));
    const first = await pass(set);
    expect(first.result.resources.filter((r) => r.error)).toEqual([]);
    expect(
      server.calls.get("CreateService").throttled + server.calls.get("RegisterTaskDefinition").throttled,
    ).toBeGreaterThan(0);
    server.faults.configure({ serverErrorRate: 0 });
    server.calls.reset();
    const second = await pass(set);
    expect(Object.values(second.outcomes)).toEqual(["noop", "noop", "noop", "noop", "noop", "noop"]);
  });
});

describe("an inventory that remembers what ECS no longer has", () => {
  const image = (tag: number) => loadSet(MESH_YAML, svc("a").replace("example/a:1", `example/a:${tag}`));
  const remembered = async () =>
    (await new FileInventoryStore(inventoryFile).load("demo", "demo")).services.a?.revisions.map(
      (r) => r.arn,
    );
  /** A logger whose JSON lines the test reads back. */
  function capturingLogger() {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({
      level: "info",
      destination: { write: (line: string) => lines.push(JSON.parse(line)) },
    });
    return { log, lines };
  }

  it.each([
    ["deregistered", false, "INACTIVE"],
    ["deregistered and deleted", true, "unknown to ECS"],
  ] as const)(
    "registers a fresh revision when the remembered one was %s by hand",
    async (_by, deleted, why) => {
      await pass(image(1));
      await pass(image(2));
      const first = "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-a:1";
      await sdk.send(new DeregisterTaskDefinitionCommand({ taskDefinition: first }));
      if (deleted) {
        await sdk.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [first] }));
        // DELETE_IN_PROGRESS until the tasks of the replaced deployment have stopped.
        await eventually(() =>
          expect(sdk.send(new DescribeTaskDefinitionCommand({ taskDefinition: first }))).rejects.toThrow(
            "Unable to describe task definition.",
          ),
        );
      }
      server.calls.reset();

      // Back to image 1: the remembered demo-a:1 must not be deployed again.
      const { log, lines } = capturingLogger();
      const back = await pass(image(1), {}, log);
      expect(back.result.resources.filter((r) => r.error)).toEqual([]);
      expect(back.outcomes).toEqual({ a: "update" });
      expect(back.planned.plan.resources[0]?.reason).toBe(
        `remembered revision ${first} is gone (${why}: deregistered or deleted outside ecsmesh); registering a fresh one`,
      );
      expect(server.calls.get("RegisterTaskDefinition").total).toBe(1);
      // One describe for the live demo-a:2 (for the diff), one for the remembered demo-a:1.
      expect(server.calls.get("DescribeTaskDefinition").total).toBe(2);
      expect(back.result.resources[0]?.service?.taskDefinition).toMatch(/demo-a:3$/);
      expect(await remembered()).toEqual([
        expect.stringMatching(/demo-a:2$/),
        expect.stringMatching(/demo-a:3$/),
      ]);
      const forgotten = lines.filter((l) => l.action === "forget-revision");
      expect(forgotten).toEqual([
        expect.objectContaining({
          name: "a",
          reason: back.planned.plan.resources[0]?.reason,
          detail: `${first} (${why}) removed from the inventory`,
        }),
      ]);

      server.calls.reset();
      const again = await pass(image(1));
      expect(again.outcomes).toEqual({ a: "noop" });
      expect(server.calls.writes()).toBe(0);
    },
  );

  it("recreates everything when the inventory is carried to a fresh ECS", async () => {
    await pass(loadSet(MESH_YAML, svc("a"), svc("b"), svc("c")));
    await pass(loadSet(MESH_YAML, svc("a").replace("example/a:1", "example/a:2"), svc("b"), svc("c")));
    sdk.destroy();
    await server.close();
    await startEcs();

    // Back to image 1 for a (remembered demo-a:1), c removed: nothing the inventory names exists.
    const set = loadSet(MESH_YAML, svc("a"), svc("b"));
    const fresh = await pass(set);
    expect(fresh.result.resources.filter((r) => r.error)).toEqual([]);
    expect(fresh.outcomes).toEqual({ a: "create", b: "create", c: "noop" });
    expect(fresh.planned.plan.resources[0]?.reason).toMatch(
      /^in the inventory but gone from ECS: recreating; remembered revision .*demo-a:1 is gone \(unknown to ECS: deregistered or deleted outside ecsmesh\); registering a fresh one$/,
    );
    expect(server.calls.get("RegisterTaskDefinition").total).toBe(2);
    expect(server.calls.get("CreateService").total).toBe(2);
    const live = await describe_(["a", "b", "c"]);
    expect([...live.keys()]).toEqual(["a", "b"]);
    const inventory = await new FileInventoryStore(inventoryFile).load("demo", "demo");
    expect(Object.keys(inventory.services)).toEqual(["a", "b"]);
    // The fresh ECS numbers from 1 again; demo-a:2 was never asked about and goes when it is pruned.
    expect(live.get("a")?.taskDefinition).toMatch(/demo-a:1$/);
    expect(inventory.services.a?.revisions.map((r) => r.arn)).toEqual([
      expect.stringMatching(/demo-a:2$/),
      live.get("a")?.taskDefinition,
    ]);

    server.calls.reset();
    const again = await pass(set);
    expect(again.outcomes).toEqual({ a: "noop", b: "noop" });
    expect(server.calls.writes()).toBe(0);
  });

  it("keeps a remembered revision when describing it is only throttled", async () => {
    await pass(image(1));
    // Deleted by hand: the next pass recreates the service from the remembered revision.
    await sdk.send(new DeleteServiceCommand({ cluster: "demo", service: "a", force: true }));
    await eventually(async () => expect((await describe_(["a"])).get("a")?.status).toBe("INACTIVE"));
    server.faults.configure({
      throttling: true,
      buckets: { taskDefinitionRead: { burst: 0, refillPerSecond: 0 } },
    });
    server.calls.reset();
    const throttled = await pass(image(1)).catch((error: unknown) => error);
    expect(errorCode(throttled)).toBe("ThrottlingException");
    expect(server.calls.writes()).toBe(0);
    expect(await remembered()).toEqual([expect.stringMatching(/demo-a:1$/)]);

    server.faults.configure({ throttling: false });
    server.calls.reset();
    const recreated = await pass(image(1));
    expect(recreated.outcomes).toEqual({ a: "create" });
    expect(recreated.planned.plan.resources[0]?.reason).toBe(
      "in the inventory but gone from ECS: recreating",
    );
    expect(server.calls.get("RegisterTaskDefinition").total).toBe(0);
    expect(recreated.result.resources[0]?.service?.taskDefinition).toMatch(/demo-a:1$/);
  });
});

describe("ecsmesh plan / apply against the local server", () => {
  async function dir(...documents: string[]): Promise<string> {
    const root = await mkdtemp(path.join(tmpdir(), "ecsmesh-manifests-"));
    await writeFile(path.join(root, "mesh.yaml"), documents.join("---\n"));
    return root;
  }

  async function cli(...argv: string[]) {
    let stdout = "";
    let stderr = "";
    const io = { out: (t: string) => (stdout += t), err: (t: string) => (stderr += t), color: false };
    const env = {
      AWS_ENDPOINT_URL_ECS: server.url,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      ECSMESH_LOG_LEVEL: "silent",
    };
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    try {
      const code = await main([...argv, "--inventory", inventoryFile], io, process.env);
      return { code, stdout, stderr };
    } finally {
      vi.unstubAllEnvs();
    }
  }

  it("plan exits 2 with changes, apply converges, then plan exits 0", async () => {
    const manifests = await dir(MESH_YAML, svc("a"));
    const before = await cli("plan", manifests);
    expect(before.code).toBe(2);
    expect(before.stdout).toContain("+ Service a: create (new in the manifests)");
    expect(before.stdout).toContain("Plan: 1 to create, 0 to update, 0 to delete, 0 unchanged, 0 blocked.");
    expect(server.calls.writes()).toBe(0);

    const applied = await cli("apply", manifests, "--wait", "--timeout", "20s");
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/a: create-service ok/);
    expect(applied.stdout).toMatch(/a: Ready \(RolloutCompleted\)/);

    const after = await cli("plan", manifests, "--output", "json");
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).ecs.summary).toEqual({
      create: 0,
      update: 0,
      delete: 0,
      noop: 1,
      blocked: 0,
    });
  });

  it("makes zero API calls for an invalid manifest set", async () => {
    const manifests = await dir(MESH_YAML, serviceYaml("a", "image: x\nmemory: lots"));
    const { code, stderr } = await cli("apply", manifests);
    expect(code).toBe(1);
    expect(stderr).toContain("nothing was read from or sent to any API");
    expect(server.calls.total()).toBe(0);
  });

  it("refuses to guess when AWS_REGION disagrees with the Mesh", async () => {
    vi.stubEnv("AWS_REGION", "eu-west-1");
    const { code, stderr } = await cli("plan", await dir(MESH_YAML, svc("a")));
    expect(code).toBe(1);
    expect(stderr).toContain("AWS_REGION is eu-west-1 but the Mesh's ecs.region is us-east-1");
    expect(server.calls.total()).toBe(0);
  });
});
