import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileMesh } from "../../src/compile/mesh.js";
import { reconcileMesh } from "../../src/controllers/mesh.js";
import { type CloudMapServer, startCloudMapServer } from "../../src/sandbox/cloudmap/server.js";
import type { ManifestSet } from "../../src/specs/manifest-set.js";
import { silentLogger } from "../../src/util/logger.js";
import { loadSet, serviceYaml } from "./ecs/support.js";
import { CREDENTIALS, REGION, type Sandbox, startSandbox, targetsFor } from "./mesh-support.js";

const MESH = `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: {name: demo}
spec:
  ecs: {cluster: demo, region: us-east-1}
  linkerd: {daemon: {enabled: false}}
  cloudMap: {namespace: mesh.local, type: HTTP}
`;
const API = serviceYaml(
  "api",
  "image: api:1\nmemory: 64\ndesiredCount: 1\nports: [{containerPort: 8080}]\ndiscovery: {cloudMap: {}}",
);

let sandbox: Sandbox;
let cloudMap: CloudMapServer;
beforeEach(async () => {
  sandbox = await startSandbox("demo");
  cloudMap = await startCloudMapServer();
});
afterEach(async () => {
  await Promise.all([sandbox.close(), cloudMap.close()]);
});

async function pass(set: ManifestSet, dryRun = false) {
  return reconcileMesh(compileMesh(set), targetsFor(sandbox, { cloudMapUrl: cloudMap.url }), {
    dryRun,
    flags: { allowMassPrune: false, adopt: false },
    log: silentLogger,
  });
}

describe("Cloud Map discovery", () => {
  it("plans the namespace and service without creating them, then creates both and wires ECS to them", async () => {
    const set = loadSet(MESH, API);
    const planned = await pass(set, true);
    expect(planned.cloudMap?.ok && planned.cloudMap.value.changes.map((c) => `${c.kind} ${c.name}`)).toEqual([
      "CloudMapNamespace mesh.local",
      "CloudMapService api",
    ]);
    expect(cloudMap.calls.writes()).toBe(0);
    expect(planned.ecs.ok && planned.ecs.value.planned.plan.resources[0]?.changes).toContainEqual({
      path: "serviceRegistries",
      before: undefined,
      after: [{ registryArn: "(known after apply)", containerName: "api", containerPort: 8080 }],
    });

    const applied = await pass(set);
    if (!applied.cloudMap?.ok) throw new Error("Cloud Map failed");
    // The namespace creation is asynchronous: the controller polled GetOperation to SUCCESS.
    expect(cloudMap.calls.get("CreateHttpNamespace").total).toBe(1);
    expect(cloudMap.calls.get("GetOperation").total).toBeGreaterThanOrEqual(1);
    const arn = applied.cloudMap.value.registries.get("api");
    expect(arn).toMatch(/^arn:aws:servicediscovery:us-east-1:123456789012:service\/srv-/);

    const ecs = new ECSClient({ endpoint: sandbox.ecs.url, region: REGION, credentials: CREDENTIALS });
    const live = await ecs.send(new DescribeServicesCommand({ cluster: "demo", services: ["api"] }));
    expect(live.services?.[0]?.serviceRegistries).toEqual([
      { registryArn: arn, containerName: "api", containerPort: 8080 },
    ]);

    cloudMap.calls.reset();
    sandbox.ecs.calls.reset();
    const again = await pass(set);
    expect(again.cloudMap?.ok && again.cloudMap.value.changes).toEqual([]);
    expect(cloudMap.calls.writes()).toBe(0);
    expect(sandbox.ecs.calls.writes()).toBe(0);
  });

  it("reports a failed namespace creation on Cloud Map without blocking the other targets", async () => {
    cloudMap.cloudMap.failOperations("CREATE_NAMESPACE");
    const report = await pass(loadSet(MESH, API));
    expect(report.cloudMap).toMatchObject({ ok: false });
    if (report.cloudMap?.ok === false) expect(report.cloudMap.error.message).toMatch(/failed/);
    if (!report.ecs.ok) throw new Error("ECS failed");
    const api = report.ecs.value.planned.plan.resources.find((r) => r.name === "api");
    expect(api).toMatchObject({ outcome: "blocked" });
    expect(api?.reason).toMatch(/^waiting for its Cloud Map service: Cloud Map operation .* failed/);
    expect(sandbox.ecs.calls.get("CreateService").total).toBe(0);
  });
});
