import { readFileSync } from "node:fs";
import type { Service } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { canonicalTaskDefinition } from "../../../src/compile/ecs/normalize.js";
import {
  type ObservedEcs,
  planEcs,
  REGISTERED,
  revisionsToReuse,
  taskDefinitionsToDescribe,
} from "../../../src/controllers/ecs/plan.js";
import { emptyInventory } from "../../../src/inventory/inventory.js";
import {
  arn,
  desiredOf,
  inventoryWith,
  liveService,
  loadSet,
  MESH_YAML,
  OPTIONS,
  serviceYaml,
} from "./support.js";

const API = serviceYaml(
  "api",
  `image: example/api:1
memory: 256
ports: [{containerPort: 8080, name: http}, {containerPort: 9090, name: metrics}]
env: {LOG_LEVEL: info}
mesh: {outbound: true}`,
);

function observed(
  services: ReturnType<typeof liveService>[],
  taskDefinitions: Record<string, unknown> = {},
  goneRevisions: Record<string, string> = {},
): ObservedEcs {
  return {
    services: new Map(services.map((s) => [s.serviceName ?? "", s])),
    taskDefinitions: new Map(Object.entries(taskDefinitions)),
    goneRevisions: new Map(Object.entries(goneRevisions)),
  };
}

const verbs = (plan: ReturnType<typeof planEcs>) =>
  Object.fromEntries(plan.resources.map((r) => [r.name, [r.outcome, ...r.actions.map((a) => a.verb)]]));

describe("task definition comparison", () => {
  it("sees ECS's own additions and reordering as no difference", () => {
    const [desired] = desiredOf(loadSet(MESH_YAML, API));
    const described = JSON.parse(readFileSync("test/fixtures/ecs/described-task-definition.json", "utf8"));
    expect(canonicalTaskDefinition(described)).toEqual(
      canonicalTaskDefinition(desired?.taskDefinition ?? {}),
    );
  });

  it("still sees a real difference", () => {
    const [desired] = desiredOf(loadSet(MESH_YAML, API.replace("example/api:1", "example/api:2")));
    const described = JSON.parse(readFileSync("test/fixtures/ecs/described-task-definition.json", "utf8"));
    expect(canonicalTaskDefinition(described)).not.toEqual(
      canonicalTaskDefinition(desired?.taskDefinition ?? {}),
    );
  });
});

describe("planning ECS services", () => {
  it("creates what does not exist: one registration and one CreateService each", () => {
    const set = loadSet(MESH_YAML, API, serviceYaml("web", "image: web:1\nmemory: 64\ndesiredCount: 3"));
    const plan = planEcs(desiredOf(set), observed([]), emptyInventory("demo", "demo"), OPTIONS);
    expect(verbs(plan)).toEqual({
      api: ["create", "register-task-definition", "create-service"],
      web: ["create", "register-task-definition", "create-service"],
    });
    const create = plan.resources[1]?.actions[1];
    expect(create).toMatchObject({
      verb: "create-service",
      taskDefinition: REGISTERED,
      input: { desiredCount: 3 },
    });
  });

  it("plans nothing, and describes nothing, when the recorded fingerprint matches", () => {
    const [desired] = desiredOf(loadSet(MESH_YAML, API));
    const live = arn("demo-api", 3);
    const inventory = inventoryWith({
      api: { revisions: [{ arn: live, fingerprint: desired?.fingerprint ?? "" }] },
    });
    const services = new Map([["api", liveService("api", live)]]);
    expect(taskDefinitionsToDescribe(desired ? [desired] : [], services, inventory)).toEqual([]);
    const plan = planEcs(desired ? [desired] : [], observed([liveService("api", live)]), inventory, OPTIONS);
    expect(verbs(plan)).toEqual({ api: ["noop"] });
  });

  it("sees an empty awsvpcConfiguration on a bridge service as no network configuration", () => {
    const [desired] = desiredOf(loadSet(MESH_YAML, API));
    const live = arn("demo-api", 3);
    const inventory = inventoryWith({
      api: { revisions: [{ arn: live, fingerprint: desired?.fingerprint ?? "" }] },
    });
    const plan = (networkConfiguration: Service["networkConfiguration"]) =>
      verbs(
        planEcs(
          desired ? [desired] : [],
          observed([liveService("api", live, { networkConfiguration })]),
          inventory,
          OPTIONS,
        ),
      );
    const empty = { subnets: [], securityGroups: [], assignPublicIp: "DISABLED" as const };
    expect(plan({ awsvpcConfiguration: empty })).toEqual({ api: ["noop"] });
    expect(plan({ awsvpcConfiguration: { subnets: [] } })).toEqual({ api: ["noop"] });
    expect(plan({})).toEqual({ api: ["noop"] });
    expect(plan({ awsvpcConfiguration: { ...empty, subnets: ["subnet-1"] } })).toEqual({
      api: ["update", "update-service"],
    });
  });

  it("compares against the described revision when it has no fingerprint of ours", () => {
    const desired = desiredOf(loadSet(MESH_YAML, API));
    const live = arn("demo-api", 3);
    const described = JSON.parse(readFileSync("test/fixtures/ecs/described-task-definition.json", "utf8"));
    const inventory = inventoryWith({ api: { revisions: [] } });
    expect(
      taskDefinitionsToDescribe(desired, new Map([["api", liveService("api", live)]]), inventory),
    ).toEqual([live]);
    const plan = planEcs(
      desired,
      observed([liveService("api", live)], { [live]: canonicalTaskDefinition(described) }),
      inventory,
      OPTIONS,
    );
    expect(verbs(plan)).toEqual({ api: ["noop"] });
  });

  it("registers one revision and updates the service for an image change, naming the field", () => {
    const [old] = desiredOf(loadSet(MESH_YAML, API));
    const desired = desiredOf(loadSet(MESH_YAML, API.replace("example/api:1", "example/api:2")));
    const live = arn("demo-api", 3);
    const inventory = inventoryWith({
      api: { revisions: [{ arn: live, fingerprint: old?.fingerprint ?? "" }] },
    });
    const plan = planEcs(
      desired,
      observed([liveService("api", live)], { [live]: canonicalTaskDefinition(old?.taskDefinition ?? {}) }),
      inventory,
      OPTIONS,
    );
    expect(verbs(plan)).toEqual({ api: ["update", "register-task-definition", "update-service"] });
    expect(plan.resources[0]?.changes).toEqual([
      {
        path: "taskDefinition.containerDefinitions[api].image",
        before: "example/api:1",
        after: "example/api:2",
      },
    ]);
    expect(plan.resources[0]?.actions[1]).toEqual({
      verb: "update-service",
      service: "api",
      input: { cluster: "demo", service: "api" },
      taskDefinition: REGISTERED,
    });
  });

  it("deploys a revision it registered but never deployed instead of registering it again", () => {
    const [old] = desiredOf(loadSet(MESH_YAML, API));
    const desired = desiredOf(loadSet(MESH_YAML, API.replace("example/api:1", "example/api:2")));
    const live = arn("demo-api", 3);
    const pending = arn("demo-api", 4);
    const inventory = inventoryWith({
      api: {
        revisions: [
          { arn: live, fingerprint: old?.fingerprint ?? "" },
          { arn: pending, fingerprint: desired[0]?.fingerprint ?? "" },
        ],
      },
    });
    const plan = planEcs(desired, observed([liveService("api", live)], { [live]: {} }), inventory, OPTIONS);
    expect(plan.resources[0]?.actions).toEqual([
      {
        verb: "update-service",
        service: "api",
        input: { cluster: "demo", service: "api" },
        taskDefinition: pending,
      },
    ]);
  });

  it("checks that revision before deploying it, and registers afresh when ECS no longer has it", () => {
    const [old] = desiredOf(loadSet(MESH_YAML, API));
    const desired = desiredOf(loadSet(MESH_YAML, API.replace("example/api:1", "example/api:2")));
    const live = arn("demo-api", 3);
    const pending = arn("demo-api", 4);
    const inventory = inventoryWith({
      api: {
        revisions: [
          { arn: live, fingerprint: old?.fingerprint ?? "" },
          { arn: pending, fingerprint: desired[0]?.fingerprint ?? "" },
        ],
      },
    });
    const services = [liveService("api", live)];
    expect(revisionsToReuse(desired, observed(services, { [live]: {} }), inventory)).toEqual([pending]);
    expect(revisionsToReuse(old ? [old] : [], observed(services), inventory)).toEqual([]);

    const plan = planEcs(
      desired,
      observed(services, { [live]: {} }, { [pending]: "INACTIVE" }),
      inventory,
      OPTIONS,
    );
    expect(verbs(plan)).toEqual({
      api: ["update", "forget-revision", "register-task-definition", "update-service"],
    });
    expect(plan.resources[0]?.actions[0]).toEqual({
      verb: "forget-revision",
      service: "api",
      arn: pending,
      why: "INACTIVE",
    });
    expect(plan.resources[0]?.reason).toBe(
      `remembered revision ${pending} is gone (INACTIVE: deregistered or deleted outside ecsmesh); registering a fresh one`,
    );
  });

  it("leaves desiredCount to autoscaling when the manifest omits it, and sets it when it does not", () => {
    const live = arn("demo-web", 1);
    const run = (spec: string) => {
      const desired = desiredOf(loadSet(MESH_YAML, serviceYaml("web", spec)));
      const inventory = inventoryWith({
        web: { revisions: [{ arn: live, fingerprint: desired[0]?.fingerprint ?? "" }] },
      });
      return planEcs(desired, observed([liveService("web", live, { desiredCount: 7 })]), inventory, OPTIONS);
    };
    expect(verbs(run("image: web:1\nmemory: 64"))).toEqual({ web: ["noop"] });
    const scaled = run("image: web:1\nmemory: 64\ndesiredCount: 3");
    expect(scaled.resources[0]?.changes).toEqual([{ path: "desiredCount", before: 7, after: 3 }]);
    expect(scaled.resources[0]?.actions).toEqual([
      {
        verb: "update-service",
        service: "web",
        input: { cluster: "demo", service: "web", desiredCount: 3 },
        taskDefinition: undefined,
      },
    ]);
  });

  it("compares only the deployment settings the manifest sets", () => {
    const live = arn("demo-web", 1);
    const desired = desiredOf(
      loadSet(
        MESH_YAML,
        serviceYaml("web", "image: web:1\nmemory: 64\ndeployment: {circuitBreaker: {enable: true}}"),
      ),
    );
    const inventory = inventoryWith({
      web: { revisions: [{ arn: live, fingerprint: desired[0]?.fingerprint ?? "" }] },
    });
    const plan = planEcs(desired, observed([liveService("web", live)]), inventory, OPTIONS);
    expect(plan.resources[0]?.changes).toEqual([
      {
        path: "deploymentConfiguration.deploymentCircuitBreaker",
        before: undefined,
        after: { enable: true, rollback: true },
      },
    ]);
  });

  it("never touches a service it does not own, even with copied tags", () => {
    const desired = desiredOf(loadSet(MESH_YAML, API));
    const untagged = planEcs(
      desired,
      observed([liveService("api", arn("x", 1), { tags: [] })]),
      emptyInventory("demo", "demo"),
      OPTIONS,
    );
    expect(untagged.resources[0]).toMatchObject({ outcome: "blocked", actions: [] });
    expect(untagged.resources[0]?.reason).toMatch(/not ours, left alone/);
    const copied = planEcs(
      desired,
      observed([liveService("api", arn("x", 1))]),
      emptyInventory("demo", "demo"),
      OPTIONS,
    );
    expect(copied.resources[0]).toMatchObject({ outcome: "blocked", actions: [] });
    expect(copied.resources[0]?.reason).toMatch(/missing from the inventory; run apply --adopt/);
    const adopted = planEcs(
      desired,
      observed([liveService("api", arn("x", 1))]),
      emptyInventory("demo", "demo"),
      {
        ...OPTIONS,
        adopt: true,
      },
    );
    expect(verbs(adopted).api?.slice(0, 2)).toEqual(["update", "adopt-service"]);
  });

  it("refuses to change launchType in place", () => {
    const desired = desiredOf(
      loadSet(MESH_YAML, serviceYaml("web", "image: web:1\nmemory: 64\nlaunchType: EXTERNAL")),
    );
    const live = arn("demo-web", 1);
    const inventory = inventoryWith({ web: { revisions: [] } });
    const plan = planEcs(desired, observed([liveService("web", live)]), inventory, OPTIONS);
    expect(plan.resources[0]).toMatchObject({
      outcome: "blocked",
      reason: expect.stringMatching(/launchType cannot change/),
    });
  });

  it("keeps the newest revisions and deregisters older ones, never the live one", () => {
    const revisions = [1, 2, 3].map((n) => ({ arn: arn("demo-api", n), fingerprint: `old-${n}` }));
    const desired = desiredOf(loadSet(MESH_YAML, API));
    const live = arn("demo-api", 3);
    const plan = planEcs(
      desired,
      observed([liveService("api", live)], { [live]: {} }),
      inventoryWith({ api: { revisions } }),
      OPTIONS,
    );
    const deregistered = plan.resources[0]?.actions.filter((a) => a.verb === "deregister-task-definition");
    // keep 3: the new one plus revisions 2 and 3; revision 1 goes.
    expect(deregistered).toEqual([
      { verb: "deregister-task-definition", service: "api", arn: arn("demo-api", 1) },
    ]);
  });
});

describe("pruning", () => {
  const fourOwned = inventoryWith({
    a: { revisions: [{ arn: arn("demo-a", 1), fingerprint: "f" }] },
    b: { revisions: [] },
    c: { revisions: [] },
    d: { revisions: [] },
  });
  const live = ["a", "b", "c", "d"].map((name) => liveService(name, arn(`demo-${name}`, 1)));
  const keep = (...names: string[]) =>
    desiredOf(loadSet(MESH_YAML, ...names.map((n) => serviceYaml(n, "image: x:1\nmemory: 64"))));

  it("deletes only what the inventory holds, is tagged ours and left the manifests", () => {
    const plan = planEcs(keep("b", "c", "d"), observed(live), fourOwned, OPTIONS);
    expect(plan.resources.find((r) => r.name === "a")).toMatchObject({ outcome: "delete" });
    expect(plan.resources.find((r) => r.name === "a")?.actions.map((a) => a.verb)).toEqual([
      "delete-service",
      "deregister-task-definition",
      "forget-service",
    ]);
  });

  it("refuses to prune more than the Mesh's share unless told to", () => {
    const refused = planEcs(keep("d"), observed(live), fourOwned, OPTIONS);
    expect(refused.massPruneRefused).toBe(
      "would delete 3 of 4 managed services (75% > 50%); rerun with --allow-mass-prune to confirm",
    );
    expect(refused.resources.filter((r) => r.outcome === "delete")).toEqual([]);
    const allowed = planEcs(keep("d"), observed(live), fourOwned, { ...OPTIONS, allowMassPrune: true });
    expect(allowed.resources.filter((r) => r.outcome === "delete").map((r) => r.name)).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("leaves alone an inventory service whose owner tag was removed, and forgets one already gone", () => {
    const plan = planEcs(
      keep("c", "d"),
      observed(
        [liveService("a", arn("demo-a", 1), { tags: [] }), live[2], live[3]].filter((s) => s !== undefined),
      ),
      fourOwned,
      OPTIONS,
    );
    expect(verbs(plan)).toMatchObject({ a: ["blocked"], b: ["noop", "forget-service"] });
  });

  it("does nothing when pruning is off", () => {
    const plan = planEcs(keep("b", "c", "d"), observed(live), fourOwned, {
      ...OPTIONS,
      prune: { enabled: false, maxDeletePercent: 50 },
    });
    expect(verbs(plan).a).toEqual(["noop"]);
  });
});
