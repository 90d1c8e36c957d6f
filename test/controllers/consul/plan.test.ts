import { describe, expect, it } from "vitest";
import { desiredRegistrations } from "../../../src/controllers/consul/desired.js";
import { type ObservedCatalog, planRegistrations } from "../../../src/controllers/consul/plan.js";
import { loadSet, MESH_YAML, serviceYaml } from "../ecs/support.js";
import { task } from "./support.js";

const CONTEXT = { owner: "demo", mesh: "demo", cluster: "demo" };
const NODE = "ecsmesh-demo";
const EMPTY: ObservedCatalog = { nodeExists: false, nodeMeta: {}, services: [], checks: new Map() };

const API = serviceYaml(
  "api",
  `image: api:1
memory: 64
ports: [{containerPort: 8080}]
discovery:
  consul:
    tags: [web, v1]
    healthCheck: {http: /health, interval: 10s}`,
);
const services = () => loadSet(MESH_YAML, API).services.map((s) => s.manifest);

describe("desired Consul registrations", () => {
  it("registers each running task at its host port (bridge) or ENI address (awsvpc), with our Meta", () => {
    const registrations = desiredRegistrations(
      services(),
      [
        task("api", "t1"),
        task("api", "t2", { address: "10.0.9.9", ports: new Map(), awsvpc: true, health: "UNHEALTHY" }),
      ],
      CONTEXT,
    );
    expect(registrations.map((r) => [r.id, r.address, r.port, r.check?.status])).toEqual([
      ["api-t1", "10.0.0.5", 32768, "passing"],
      ["api-t2", "10.0.9.9", 8080, "critical"],
    ]);
    expect(registrations[0]).toMatchObject({
      service: "api",
      tags: ["v1", "web"],
      meta: { ecsmesh_owner: "demo", ecs_task_definition: "demo-api:3", ecs_service: "api" },
      check: {
        checkId: "service:api-t1",
        definition: {
          HTTP: "http://10.0.0.5:32768/health",
          Interval: "10s",
          Timeout: "2s",
          DeregisterCriticalServiceAfter: "10m",
        },
      },
    });
  });

  it("skips tasks of services without Consul discovery and tasks without an address", () => {
    const plain = loadSet(
      MESH_YAML,
      serviceYaml("plain", "image: x\nmemory: 64\nports: [{containerPort: 80}]"),
    );
    expect(
      desiredRegistrations(
        plain.services.map((s) => s.manifest),
        [task("plain", "t1")],
        CONTEXT,
      ),
    ).toEqual([]);
    expect(desiredRegistrations(services(), [task("api", "t1", { address: undefined })], CONTEXT)).toEqual(
      [],
    );
  });
});

describe("planning Consul transactions", () => {
  const many = Array.from({ length: 1000 }, (_, i) => task("api", `t${i}`));
  const noCheck = loadSet(
    MESH_YAML,
    serviceYaml("api", "image: api:1\nmemory: 64\nports: [{containerPort: 8080}]\ndiscovery: {consul: {}}"),
  ).services.map((s) => s.manifest);

  it("writes 1,000 new registrations in 16 transactions of at most 64 operations", () => {
    const plan = planRegistrations(NODE, {}, "demo", desiredRegistrations(noCheck, many, CONTEXT), EMPTY, 64);
    expect(plan.changes).toHaveLength(1000);
    // One Node op first (the node does not exist yet), then one Service op per registration.
    expect(plan.transactions.map((t) => t.length)).toEqual([...Array(15).fill(64), 41]);
    expect(plan.transactions[0]?.[0]).toMatchObject({ Node: { Verb: "set", Node: { Node: NODE } } });
  });

  it("changes nothing when the catalog matches, and restores a registration someone removed", () => {
    const desired = desiredRegistrations(services(), [task("api", "t1"), task("api", "t2")], CONTEXT);
    const observed: ObservedCatalog = {
      nodeExists: true,
      nodeMeta: {},
      services: desired.map((r) => ({
        id: r.id,
        service: r.service,
        tags: r.tags,
        address: r.address,
        port: r.port,
        meta: r.meta,
      })),
      checks: new Map(
        desired.map((r) => [
          r.check?.checkId ?? "",
          { serviceId: r.id, definition: { ...r.check?.definition } },
        ]),
      ),
    };
    const steady = planRegistrations(NODE, {}, "demo", desired, observed, 64);
    expect(steady).toMatchObject({ changes: [], unchanged: 2, transactions: [] });

    const removed = { ...observed, services: observed.services.slice(1) };
    const restored = planRegistrations(NODE, {}, "demo", desired, removed, 64);
    expect(restored.changes).toEqual([
      { id: "api-t1", verb: "register", reason: "a running task not in the catalog", changes: [] },
    ]);
  });

  it("deregisters stopped tasks' registrations but never touches registrations without our Meta", () => {
    const observed: ObservedCatalog = {
      nodeExists: true,
      nodeMeta: {},
      services: [
        {
          id: "api-gone",
          service: "api",
          tags: [],
          address: "10.0.0.1",
          port: 1,
          meta: { ecsmesh_owner: "demo" },
        },
        { id: "theirs", service: "api", tags: [], address: "10.0.0.2", port: 2, meta: {} },
        {
          id: "other-owner",
          service: "api",
          tags: [],
          address: "10.0.0.3",
          port: 3,
          meta: { ecsmesh_owner: "someone" },
        },
      ],
      checks: new Map([["service:api-gone", { serviceId: "api-gone", definition: undefined }]]),
    };
    const plan = planRegistrations(NODE, {}, "demo", [], observed, 64);
    expect(plan.changes.map((c) => [c.id, c.verb])).toEqual([["api-gone", "deregister"]]);
    expect(plan.transactions).toEqual([
      [
        { Check: { Verb: "delete", Check: { Node: NODE, CheckID: "service:api-gone" } } },
        { Service: { Verb: "delete", Node: NODE, Service: { ID: "api-gone", Service: "api" } } },
      ],
    ]);
  });

  it("updates a registration whose task moved, naming the fields", () => {
    const [want] = desiredRegistrations(
      noCheck,
      [task("api", "t1", { ports: new Map([[8080, 32999]]) })],
      CONTEXT,
    );
    if (!want) throw new Error("no registration");
    const observed: ObservedCatalog = {
      nodeExists: true,
      nodeMeta: {},
      services: [
        { id: want.id, service: "api", tags: [], address: want.address, port: 32768, meta: want.meta },
      ],
      checks: new Map(),
    };
    const plan = planRegistrations(NODE, {}, "demo", [want], observed, 64);
    expect(plan.changes).toEqual([
      {
        id: "api-t1",
        verb: "update",
        reason: "differs from the running task",
        changes: [{ path: "port", before: 32768, after: 32999 }],
      },
    ]);
  });

  it("puts back the node meta a plain catalog registration cleared, keeping meta others added", () => {
    const ourMeta = { ecsmesh_owner: "demo", "external-node": "true" };
    const observed = (nodeMeta: Record<string, string>): ObservedCatalog => ({
      ...EMPTY,
      nodeExists: true,
      nodeMeta,
    });
    const cleared = planRegistrations(NODE, ourMeta, "demo", [], observed({ team: "a" }), 64);
    expect(cleared.changes).toEqual([
      {
        id: NODE,
        verb: "update",
        reason: "the node lost our meta",
        changes: [
          { path: "nodeMeta.ecsmesh_owner", before: undefined, after: "demo" },
          { path: "nodeMeta.external-node", before: undefined, after: "true" },
        ],
      },
    ]);
    expect(cleared.transactions).toEqual([
      [
        {
          Node: { Verb: "set", Node: { Node: NODE, Address: "127.0.0.1", Meta: { team: "a", ...ourMeta } } },
        },
      ],
    ]);
    const kept = planRegistrations(NODE, ourMeta, "demo", [], observed({ team: "a", ...ourMeta }), 64);
    expect(kept).toMatchObject({ changes: [], transactions: [] });
  });

  it("deletes the check of a registration whose Service no longer asks for one", () => {
    const [want] = desiredRegistrations(noCheck, [task("api", "t1")], CONTEXT);
    if (!want) throw new Error("no registration");
    const observed: ObservedCatalog = {
      nodeExists: true,
      nodeMeta: {},
      services: [{ ...want }],
      checks: new Map([["service:api-t1", { serviceId: "api-t1", definition: { HTTP: "http://x/" } }]]),
    };
    const plan = planRegistrations(NODE, {}, "demo", [want], observed, 64);
    expect(plan.changes).toEqual([
      {
        id: "api-t1",
        verb: "update",
        reason: "differs from the running task",
        changes: [{ path: "checks", before: ["service:api-t1"], after: [] }],
      },
    ]);
    expect(plan.transactions[0]?.at(-1)).toEqual({
      Check: { Verb: "delete", Check: { Node: NODE, CheckID: "service:api-t1" } },
    });
  });
});
