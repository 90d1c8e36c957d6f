import { describe, expect, it } from "vitest";
import { compileMesh } from "../../../src/compile/mesh.js";
import { applyConsul, planConsul } from "../../../src/controllers/consul/reconcile.js";
import type { RunningTask } from "../../../src/controllers/ecs/tasks.js";
import { task } from "../../controllers/consul/support.js";
import { loadSet, serviceYaml } from "../../controllers/ecs/support.js";
import { clientOf, consulBinary, consulHttp, useConsulAgent } from "./consul-agent.js";

/** Each test owns a cluster, hence its own synthetic node, so tests share the agent without sharing state. */
const meshYaml = (cluster: string) => `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: {name: demo}
spec:
  ecs: {cluster: ${cluster}, region: us-east-1}
  linkerd: {daemon: {enabled: false}}
`;
const API = serviceYaml(
  "api",
  `image: api:1
memory: 64
ports: [{containerPort: 8080}]
discovery:
  consul:
    tags: [web, v1]
    healthCheck: {http: /health, interval: 90s, timeout: 1500ms}`,
);
const CONTROLLER_URL = "http://controller.invalid:8080";

describe.runIf(consulBinary)("Consul registrations planned and applied against a real agent", () => {
  const agent = useConsulAgent();
  const consul = () => clientOf(agent());

  /** One controller pass with `service`: plan against the agent, apply, and return the plan. */
  async function passWith(service: string, cluster: string, tasks: readonly RunningTask[]) {
    const plan = await planConsul(
      compileMesh(loadSet(meshYaml(cluster), service), { controllerUrl: CONTROLLER_URL }),
      consul(),
      tasks,
    );
    await applyConsul(plan, consul());
    return plan;
  }
  const pass = (cluster: string, tasks: readonly RunningTask[]) => passWith(API, cluster, tasks);
  const instances = async (cluster: string) =>
    (await consul().nodeServices(`ecsmesh-${cluster}`)).services.map((s) => s.id).sort();

  it("registers running tasks with their checks, and the next plan finds nothing to change", async () => {
    const tasks = [
      task("api", "t1"),
      task("api", "t2", { address: "10.0.9.9", ports: new Map(), awsvpc: true, health: "UNHEALTHY" }),
    ];
    const first = await pass("steady", tasks);
    expect(first.changes.map((c) => [c.id, c.verb])).toEqual([
      ["api-t1", "register"],
      ["api-t2", "register"],
    ]);
    const health = (await consulHttp(agent(), "GET", "/v1/health/node/ecsmesh-steady")).json() as {
      ServiceID: string;
      Status: string;
      Definition: Record<string, string>;
    }[];
    expect(health.map((c) => [c.ServiceID, c.Status])).toEqual([
      ["api-t1", "passing"],
      ["api-t2", "critical"],
    ]);
    // Consul prints Go durations: the plan must read them as the "1m30s", "1s500ms" and "10m" it wrote.
    expect(health[0]?.Definition).toMatchObject({
      Interval: "1m30s",
      Timeout: "1.5s",
      DeregisterCriticalServiceAfter: "10m0s",
    });

    const second = await pass("steady", tasks);
    expect(second).toMatchObject({ changes: [], unchanged: 2, transactions: [] });
  });

  it("deregisters the registration and check of a stopped task (a txn delete names the service)", async () => {
    await pass("churn", [task("api", "t1"), task("api", "t2")]);
    const plan = await pass("churn", [task("api", "t1")]);
    expect(plan.changes.map((c) => [c.id, c.verb])).toEqual([["api-t2", "deregister"]]);
    expect(await instances("churn")).toEqual(["api-t1"]);
    const checks = (await consulHttp(agent(), "GET", "/v1/health/node/ecsmesh-churn")).json() as {
      CheckID: string;
    }[];
    expect(checks.map((c) => c.CheckID)).toEqual(["service:api-t1"]);
    expect((await pass("churn", [task("api", "t1")])).changes).toEqual([]);
  });

  it("updates a task that moved, naming the field, and is steady after", async () => {
    await pass("moved", [task("api", "t1")]);
    const moved = [task("api", "t1", { ports: new Map([[8080, 32999]]) })];
    const plan = await pass("moved", moved);
    expect(plan.changes.map((c) => [c.verb, c.changes.map((f) => f.path)])).toEqual([
      ["update", ["port", "check.HTTP"]],
    ]);
    expect((await pass("moved", moved)).changes).toEqual([]);
  });

  it("deletes the check of a Service that no longer asks for one, and is steady after", async () => {
    const withoutCheck = serviceYaml(
      "api",
      "image: api:1\nmemory: 64\nports: [{containerPort: 8080}]\ndiscovery: {consul: {tags: [web, v1]}}",
    );
    await pass("unchecked", [task("api", "t1")]);
    const plan = await passWith(withoutCheck, "unchecked", [task("api", "t1")]);
    expect(plan.changes.map((c) => [c.verb, c.changes.map((f) => f.path)])).toEqual([["update", ["checks"]]]);
    expect(await consul().nodeChecks("ecsmesh-unchecked")).toEqual(new Map());
    expect((await passWith(withoutCheck, "unchecked", [task("api", "t1")])).changes).toEqual([]);
  });

  it("never touches a hand-made registration on its node, and keeps the node's meta for consul-esm", async () => {
    await pass("handmade", [task("api", "t1")]);
    // A plain catalog registration replaces the node's fields: without NodeMeta it clears ours.
    const register = await consulHttp(agent(), "PUT", "/v1/catalog/register", {
      Node: "ecsmesh-handmade",
      Address: "127.0.0.1",
      Service: { ID: "hand-made", Service: "api", Port: 1 },
    });
    expect(register.status).toBe(200);
    const plan = await pass("handmade", [task("api", "t1")]);
    expect(plan.changes.map((c) => [c.id, c.verb])).toEqual([["ecsmesh-handmade", "update"]]);
    expect(await instances("handmade")).toEqual(["api-t1", "hand-made"]);
    expect((await consul().nodeServices("ecsmesh-handmade")).meta).toEqual({
      ecsmesh_owner: "demo",
      "external-node": "true",
      "external-probe": "false",
    });
    expect((await pass("handmade", [task("api", "t1")])).transactions).toEqual([]);
  });

  it("splits a large change into transactions the agent accepts, within its 64-operation limit", async () => {
    const many = Array.from({ length: 40 }, (_, i) => task("api", `t${i}`, { address: `10.0.1.${i}` }));
    const plan = await pass("large", many);
    // 1 node + 40 services + 40 checks.
    expect(plan.transactions.map((t) => t.length)).toEqual([64, 17]);
    expect(await instances("large")).toHaveLength(40);
    expect((await pass("large", many)).changes).toEqual([]);
    expect((await pass("large", [])).transactions.map((t) => t.length)).toEqual([64, 16]);
    expect(await instances("large")).toEqual([]);
  });

  it("is refused by the agent with more than 64 operations in one transaction", async () => {
    const ops = Array.from({ length: 65 }, (_, i) => ({ KV: { Verb: "set", Key: `limit/${i}`, Value: "" } }));
    await expect(consul().txn(ops)).rejects.toThrow(/too many operations|exceeds/i);
  });
});
