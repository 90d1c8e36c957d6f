import { describe, expect, it } from "vitest";
import { consulForFile, filter, registration } from "./support.js";

const consul = consulForFile();

describe("catalog registration", () => {
  it("registers a node, a service and its check in one request, and answers true", async () => {
    const answer = await consul.put("/v1/catalog/register", {
      Datacenter: "dc1",
      ID: "40e4a748-2192-161a-0510-9bf59fe950b5",
      Node: "ip-10-0-0-12",
      Address: "10.0.0.12",
      TaggedAddresses: { lan: "10.0.0.12" },
      NodeMeta: { az: "us-east-1a" },
      Service: {
        ID: "world-1",
        Service: "world",
        Tags: ["v1"],
        Address: "10.0.0.12",
        Port: 31001,
        Meta: { v: "1" },
      },
      Check: {
        CheckID: "service:world-1",
        Name: "world HTTP",
        Status: "passing",
        ServiceID: "world-1",
        Definition: {
          HTTP: "http://10.0.0.12:31001/",
          Interval: "10s",
          Timeout: "2s",
          DeregisterCriticalServiceAfter: "10m",
        },
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.json()).toBe(true);

    const nodes = await consul.get("/v1/catalog/nodes");
    expect(nodes.json()).toContainEqual(
      expect.objectContaining({
        ID: "40e4a748-2192-161a-0510-9bf59fe950b5",
        Node: "ip-10-0-0-12",
        Address: "10.0.0.12",
        Datacenter: "dc1",
        TaggedAddresses: { lan: "10.0.0.12" },
        Meta: { az: "us-east-1a" },
      }),
    );
    const instances = (await consul.get("/v1/catalog/service/world")).json<Record<string, unknown>[]>();
    expect(instances).toEqual([
      expect.objectContaining({
        Node: "ip-10-0-0-12",
        NodeMeta: { az: "us-east-1a" },
        ServiceID: "world-1",
        ServiceName: "world",
        ServiceTags: ["v1"],
        ServiceAddress: "10.0.0.12",
        ServicePort: 31001,
        ServiceMeta: { v: "1" },
        ServiceWeights: { Passing: 1, Warning: 1 },
      }),
    ]);
    const check = consul.server.catalog.checks().find((c) => c.CheckID === "service:world-1");
    expect(check).toMatchObject({
      Node: "ip-10-0-0-12",
      ServiceName: "world",
      ServiceTags: ["v1"],
      Type: "http",
      Definition: {
        HTTP: "http://10.0.0.12:31001/",
        Interval: "10s",
        Timeout: "2s",
        DeregisterCriticalServiceAfter: "10m0s",
      },
    });
  });

  it("fills in a missing check type on registration but not in a txn, and leaves empty definition fields out", async () => {
    const check = (CheckID: string, extra: object) => ({ CheckID, Name: CheckID, ...extra });
    await consul.put("/v1/catalog/register", {
      Node: "typed",
      Address: "10.0.0.13",
      Checks: [
        check("derived", { Definition: { HTTP: "http://10.0.0.13/", Interval: "10s" } }),
        check("given", { Type: "script", Definition: { TCP: "10.0.0.13:1", Interval: "10s" } }),
        check("bare", {}),
      ],
    });
    await consul.put("/v1/txn", [
      {
        Check: { Verb: "set", Check: check("in-txn", { Node: "typed", Definition: { HTTP: "http://x/" } }) },
      },
    ]);
    const checks = (await consul.get("/v1/health/node/typed")).json<Record<string, unknown>[]>();
    expect(checks.map((c) => [c.CheckID, c.Type, c.Definition])).toEqual([
      ["bare", "", {}],
      ["derived", "http", { HTTP: "http://10.0.0.13/", Interval: "10s" }],
      ["given", "script", { TCP: "10.0.0.13:1", Interval: "10s" }],
      ["in-txn", "", { HTTP: "http://x/" }],
    ]);
  });

  it("lists services with their tags, and instances by tag", async () => {
    await consul.put(
      "/v1/catalog/register",
      registration("node-a", "hello", { ID: "hello-a", Tags: ["web", "v1"] }),
    );
    await consul.put(
      "/v1/catalog/register",
      registration("node-bb", "hello", { ID: "hello-b", Tags: ["web", "v2"] }),
    );
    const services = (await consul.get("/v1/catalog/services")).json<Record<string, string[]>>();
    expect(services.hello).toEqual(["v1", "v2", "web"]);
    expect(services.consul).toEqual([]);

    const v2 = (await consul.get("/v1/catalog/service/hello?tag=V2")).json<{ ServiceID: string }[]>();
    expect(v2.map((s) => s.ServiceID)).toEqual(["hello-b"]);
    const both = (await consul.get("/v1/catalog/service/hello?tag=web&tag=v1")).json<
      { ServiceID: string }[]
    >();
    expect(both.map((s) => s.ServiceID)).toEqual(["hello-a"]);
    expect((await consul.get("/v1/catalog/service/nothing")).json()).toEqual([]);
  });

  it("lists a node's services, and answers an unknown node with nulls as Consul does", async () => {
    const answer = await consul.get("/v1/catalog/node-services/node-a");
    const list = answer.json<{ Node: { Node: string }; Services: { ID: string; Tags: string[] }[] }>();
    expect(list.Node.Node).toBe("node-a");
    expect(list.Services.map((s) => [s.ID, s.Tags])).toEqual([["hello-a", ["web", "v1"]]]);
    expect(answer.index).toBeGreaterThan(0);

    const unknown = await consul.get("/v1/catalog/node-services/no-such-node");
    expect(unknown.status).toBe(200);
    expect(unknown.json()).toEqual({ Node: null, Services: null });
    expect((await consul.get("/v1/catalog/node-services/")).status).toBe(400);
  });

  it("filters instances, services and nodes", async () => {
    const bySelector = await consul.get(
      `/v1/catalog/service/hello?${filter('"v2" in ServiceTags and Node == "node-bb"')}`,
    );
    expect(bySelector.json<{ ServiceID: string }[]>().map((s) => s.ServiceID)).toEqual(["hello-b"]);
    const services = await consul.get(`/v1/catalog/services?${filter('ServiceName matches "^hel"')}`);
    expect(services.json()).toEqual({ hello: ["v1", "v2", "web"] });
    const nodes = await consul.get(`/v1/catalog/nodes?${filter('Meta.az == "us-east-1a"')}`);
    expect(nodes.json<{ Node: string }[]>().map((n) => n.Node)).toEqual(["ip-10-0-0-12"]);
    const nodeServices = await consul.get(`/v1/catalog/node-services/node-a?${filter('Service == "nope"')}`);
    expect(nodeServices.json<{ Services: unknown[] }>().Services).toEqual([]);
  });

  it("keeps the ModifyIndex of an unchanged re-registration, and SkipNodeUpdate keeps the node", async () => {
    const before = (await consul.get("/v1/catalog/service/hello?tag=v1")).json<
      { ModifyIndex: number }[]
    >()[0];
    const indexBefore = (await consul.get("/v1/catalog/service/hello")).index;
    await consul.put(
      "/v1/catalog/register",
      registration("node-a", "hello", { ID: "hello-a", Tags: ["web", "v1"] }),
    );
    const after = await consul.get("/v1/catalog/service/hello?tag=v1");
    expect(after.json<{ ModifyIndex: number }[]>()[0]?.ModifyIndex).toBe(before?.ModifyIndex);
    expect(after.index).toBe(indexBefore);

    await consul.put("/v1/catalog/register", {
      Node: "node-a",
      SkipNodeUpdate: true,
      Service: { ID: "extra", Service: "extra" },
    });
    const node = consul.server.catalog.nodes().find((n) => n.Node === "node-a");
    expect(node?.Address).toBe("10.0.0.6");
  });

  it("deregisters a check, a service with its checks, and a node with everything on it", async () => {
    await consul.put("/v1/catalog/register", {
      ...registration("node-d", "doomed"),
      Checks: [{ CheckID: "node-check", Name: "node check", Status: "passing" }],
    });
    expect(
      (await consul.put("/v1/catalog/deregister", { Node: "node-d", CheckID: "node-check" })).json(),
    ).toBe(true);
    expect(consul.server.catalog.checks().map((c) => c.CheckID)).not.toContain("node-check");

    await consul.put("/v1/catalog/deregister", { Node: "node-d", ServiceID: "doomed" });
    expect(consul.server.catalog.services().some((s) => s.ServiceID === "doomed")).toBe(false);
    expect(consul.server.catalog.checks().some((c) => c.ServiceID === "doomed")).toBe(false);
    expect(consul.server.catalog.nodes().some((n) => n.Node === "node-d")).toBe(true);

    await consul.put("/v1/catalog/register", registration("node-d", "doomed"));
    await consul.put("/v1/catalog/deregister", { Node: "node-d" });
    expect(consul.server.catalog.nodes().some((n) => n.Node === "node-d")).toBe(false);
    expect(consul.server.catalog.services().some((s) => s.Node === "node-d")).toBe(false);
    // Deregistering what is not there is a no-op, not an error.
    expect((await consul.put("/v1/catalog/deregister", { Node: "node-d" })).status).toBe(200);
  });

  it("reports Consul's errors: validation from its servers as 500, undecodable bodies as 400", async () => {
    const cases: [string, unknown, number, string][] = [
      ["/v1/catalog/register", { Address: "10.0.0.1" }, 500, "Must provide node"],
      ["/v1/catalog/register", { Node: "x" }, 500, "Must provide address if SkipNodeUpdate is not set"],
      [
        "/v1/catalog/register",
        { Node: "x", Address: "1.2.3.4", ID: "nope" },
        500,
        "Bad node ID: uuid string is wrong length",
      ],
      [
        "/v1/catalog/register",
        { Node: "x", Address: "1.2.3.4", Service: { ID: "id-only" } },
        500,
        "Must provide service name with ID",
      ],
      [
        "/v1/catalog/register",
        { Node: "x", Address: "1.2.3.4", Check: { CheckID: "c", ServiceID: "missing" } },
        500,
        "failed inserting check: Missing service registration",
      ],
      [
        "/v1/catalog/register",
        { Node: "x", Address: "1.2.3.4", Service: { Service: "s", Meta: { "a.b": "1" } } },
        500,
        "failed inserting service: Invalid Service Meta for node x and serviceID s: Couldn't load metadata pair ('a.b', '1'): Key contains invalid characters",
      ],
      [
        "/v1/catalog/register",
        { Node: "x", Address: "1.2.3.4", Service: { Service: "s", Meta: { "consul-x": "1" } } },
        500,
        "Key prefix 'consul-' is reserved for internal use",
      ],
      [
        "/v1/catalog/register",
        { Node: "x", Address: "1.2.3.4", Service: { Service: "s", Meta: { k: "v".repeat(513) } } },
        500,
        "Value is too long (limit: 512 characters)",
      ],
      [
        "/v1/catalog/register",
        { Node: "x", Address: "1.2.3.4", Datacenter: "dc9" },
        500,
        "No path to datacenter",
      ],
      ["/v1/catalog/register", [], 400, "Request decode failed: json: cannot unmarshal array"],
      ["/v1/catalog/deregister", {}, 500, "Must provide node"],
    ];
    for (const [path, body, status, message] of cases) {
      const answer = await consul.put(path, body);
      expect([answer.status, answer.text]).toEqual([status, expect.stringContaining(message)]);
    }
    // A failed registration applies nothing, not even its node.
    expect(consul.server.catalog.nodes().some((n) => n.Node === "x")).toBe(false);
    expect((await consul.get("/v1/catalog/services?dc=dc9")).text).toBe("No path to datacenter");
  });
});
