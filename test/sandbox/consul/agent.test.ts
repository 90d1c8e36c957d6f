import { describe, expect, it } from "vitest";
import { consulForFile, filter } from "./support.js";

const consul = consulForFile();

describe("the agent's service endpoints", () => {
  it("registers a service with its checks on the agent's node and lists it", async () => {
    const registered = await consul.put("/v1/agent/service/register", {
      ID: "hello-1",
      Name: "hello",
      Tags: ["web"],
      Address: "10.1.0.5",
      Port: 7777,
      Meta: { ecsmesh_owner: "l5d-demo" },
      Checks: [
        { HTTP: "http://10.1.0.5:7777/", Interval: "10s" },
        { TTL: "30s", Status: "passing" },
      ],
    });
    expect(registered.status).toBe(200);
    expect(registered.text).toBe("");

    const services = (await consul.get("/v1/agent/services")).json<Record<string, unknown>>();
    expect(services).toEqual({
      "hello-1": {
        ID: "hello-1",
        Service: "hello",
        Tags: ["web"],
        Meta: { ecsmesh_owner: "l5d-demo" },
        Port: 7777,
        Address: "10.1.0.5",
        Weights: { Passing: 1, Warning: 1 },
        EnableTagOverride: false,
        Datacenter: "dc1",
      },
    });
    // Agent checks start critical until they run (the sandbox never runs them), unless a status is given.
    const checks = consul.server.catalog.checks().filter((check) => check.ServiceID === "hello-1");
    expect(checks.map((c) => [c.CheckID, c.Name, c.Status, c.Type, c.Node])).toEqual([
      ["service:hello-1:1", "Service 'hello' check", "critical", "http", "consul-server"],
      ["service:hello-1:2", "Service 'hello' check", "passing", "ttl", "consul-server"],
    ]);
  });

  it("filters the agent's services", async () => {
    await consul.put("/v1/agent/service/register", { Name: "world", Port: 7778, Tags: ["v1"] });
    const filtered = await consul.get(`/v1/agent/services?${filter('"v1" in Tags')}`);
    expect(Object.keys(filtered.json<object>())).toEqual(["world"]);
  });

  it("replaces a service and drops checks the request no longer names with replace-existing-checks", async () => {
    await consul.put("/v1/agent/service/register", {
      ID: "replaced",
      Name: "replaced",
      Checks: [
        { CheckID: "a", TTL: "10s" },
        { CheckID: "b", TTL: "10s" },
      ],
    });
    await consul.put("/v1/agent/service/register?replace-existing-checks", {
      ID: "replaced",
      Name: "replaced",
      Port: 9,
      Check: { CheckID: "b", TTL: "10s" },
    });
    const ids = consul.server.catalog
      .checks()
      .filter((c) => c.ServiceID === "replaced")
      .map((c) => c.CheckID);
    expect(ids).toEqual(["b"]);
  });

  it("deregisters a service with its checks, and answers 404 for an unknown ID", async () => {
    await consul.put("/v1/agent/service/register", { ID: "gone", Name: "gone", Check: { TTL: "10s" } });
    expect((await consul.put("/v1/agent/service/deregister/gone")).status).toBe(200);
    expect(consul.server.catalog.services().some((s) => s.ServiceID === "gone")).toBe(false);
    expect(consul.server.catalog.checks().some((c) => c.ServiceID === "gone")).toBe(false);

    const unknown = await consul.put("/v1/agent/service/deregister/gone");
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe(
      'Unknown service ID "gone". Ensure that the service ID is passed, not the service name.',
    );
  });

  it("refuses invalid registrations with 400 and Consul's messages", async () => {
    const cases: [unknown, string][] = [
      [{ Port: 80 }, "Missing service name"],
      [{ Name: "x", Address: "0.0.0.0" }, "Invalid service address"],
      [
        { Name: "x", Port: "80" },
        "Request decode failed: json: cannot unmarshal string into Go struct field",
      ],
      [{ Name: "x", Check: { HTTP: "http://x/" } }, "Invalid check: Interval must be > 0"],
      [{ Name: "x", Check: { Notes: "no kind" } }, "Invalid check: TTL must be > 0 for TTL checks"],
      [
        { Name: "x", Check: { TTL: "5s", Status: "ok" } },
        "Status for checks must 'passing', 'warning', 'critical'",
      ],
      [{ Name: "x", Weights: { Passing: 0, Warning: 1 } }, "Invalid Weights: Passing must be greater than 0"],
    ];
    for (const [body, message] of cases) {
      const answer = await consul.put("/v1/agent/service/register", body);
      expect(answer.status).toBe(400);
      expect(answer.text).toContain(message);
      expect(answer.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    }
    expect((await consul.put("/v1/agent/service/register", "{")).text).toMatch(/^Request decode failed: /);
  });

  it("answers 405 with the allowed methods for a wrong method", async () => {
    const answer = await consul.get("/v1/agent/service/register");
    expect(answer.status).toBe(405);
    expect(answer.text).toBe("method GET not allowed");
    expect(answer.headers.get("allow")).toBe("OPTIONS,PUT");
  });
});
