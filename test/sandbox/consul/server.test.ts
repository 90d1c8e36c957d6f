import { describe, expect, it } from "vitest";
import { startConsulServer } from "../../../src/sandbox/consul/server.js";
import { consulClient } from "./support.js";

describe("the local Consul server", () => {
  it("starts as one server node of dc1, with its consul service and serf health check", async () => {
    const server = await startConsulServer();
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.catalog.nodes()).toEqual([
        expect.objectContaining({ Node: "consul-server", Address: "127.0.0.1", Datacenter: "dc1" }),
      ]);
      expect(server.catalog.services().map((s) => s.ServiceName)).toEqual(["consul"]);
      expect(server.catalog.checks()).toEqual([
        expect.objectContaining({ CheckID: "serfHealth", Name: "Serf Health Status", Status: "passing" }),
      ]);
      const answer = await consulClient(server.url).get("/v1/catalog/nodes");
      expect(answer.headers.get("x-consul-default-acl-policy")).toBe("allow");
    } finally {
      await server.close();
    }
  });

  it("uses the configured datacenter and refuses requests for others", async () => {
    const server = await startConsulServer({ datacenter: "us-east" });
    try {
      const consul = consulClient(server.url);
      expect(server.catalog.nodes()[0]?.Datacenter).toBe("us-east");
      expect((await consul.get("/v1/catalog/nodes?dc=us-east")).status).toBe(200);
      expect((await consul.get("/v1/catalog/nodes?dc=dc1")).text).toBe("No path to datacenter");
    } finally {
      await server.close();
    }
  });

  it("answers unknown paths with 404 and OPTIONS with the allowed methods", async () => {
    const server = await startConsulServer();
    try {
      const consul = consulClient(server.url);
      const unknown = await consul.get("/v1/agent/self");
      expect([unknown.status, unknown.text]).toEqual([
        404,
        "Invalid URL path: not a recognized HTTP API endpoint\n",
      ]);
      const options = await consul.request("OPTIONS", "/v1/txn");
      expect([options.status, options.headers.get("allow")]).toEqual([200, "OPTIONS,PUT"]);
      expect((await consul.get("/v1/kv/%zz")).status).toBe(400);
    } finally {
      await server.close();
    }
  });

  it("requires the ACL token when one is set, from X-Consul-Token, a bearer header or ?token=", async () => {
    const server = await startConsulServer({ aclToken: "s3cret" });
    try {
      const consul = consulClient(server.url);
      const anonymous = await consul.get("/v1/catalog/services");
      expect([anonymous.status, anonymous.text]).toEqual([403, "Permission denied"]);
      expect(anonymous.headers.get("x-consul-default-acl-policy")).toBe("deny");
      expect((await consul.get("/v1/catalog/services", { "X-Consul-Token": "wrong" })).text).toBe(
        "ACL not found",
      );
      expect((await consul.get("/v1/catalog/services", { "X-Consul-Token": "s3cret" })).status).toBe(200);
      expect((await consul.get("/v1/catalog/services", { Authorization: "Bearer s3cret" })).status).toBe(200);
      expect((await consul.get("/v1/catalog/services?token=s3cret")).status).toBe(200);
      expect((await consul.put("/v1/kv/k", "v")).status).toBe(403);
      expect(server.calls.get("KVPut").errors).toEqual({ "403": 1 });
    } finally {
      await server.close();
    }
  });

  it("counts every call by operation and outcome, and tells writes from reads by method", async () => {
    const server = await startConsulServer();
    try {
      const consul = consulClient(server.url);
      await consul.put("/v1/kv/a", "1");
      await consul.get("/v1/kv/a");
      await consul.get("/v1/kv/missing");
      await consul.put("/v1/txn", []);
      await consul.get("/v1/catalog/services");
      await consul.get("/v1/nope");
      expect(server.calls.snapshot()).toEqual({
        CatalogServices: { total: 1, ok: 1, throttled: 0, connectionResets: 0, errors: {} },
        KVGet: { total: 2, ok: 1, throttled: 0, connectionResets: 0, errors: { "404": 1 } },
        KVPut: { total: 1, ok: 1, throttled: 0, connectionResets: 0, errors: {} },
        Txn: { total: 1, ok: 1, throttled: 0, connectionResets: 0, errors: {} },
        Unknown: { total: 1, ok: 0, throttled: 0, connectionResets: 0, errors: { "404": 1 } },
      });
      expect(server.calls.total()).toBe(6);
      // PUT endpoints are writes (a read-only transaction included), GET endpoints reads.
      expect(server.calls.writes()).toBe(3);
    } finally {
      await server.close();
    }
  });

  it("injects latency, server errors, connection resets and throttling, and counts them exactly", async () => {
    const server = await startConsulServer({ faults: { latencyMs: 60, seed: 7 } });
    try {
      const consul = consulClient(server.url);
      const started = Date.now();
      expect((await consul.get("/v1/catalog/nodes")).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(55);

      server.faults.configure({ latencyMs: 0, serverErrorRate: 1 });
      const failed = await consul.put("/v1/kv/a", "1");
      expect([failed.status, failed.text]).toEqual([
        500,
        "rpc error making call: injected server error (sandbox fault)",
      ]);
      expect((await consul.get("/v1/kv/a")).status).toBe(500);

      server.faults.configure({ serverErrorRate: 0, connectionResetRate: 1 });
      await expect(consul.get("/v1/catalog/services")).rejects.toThrow();
      await expect(consul.put("/v1/txn", [])).rejects.toThrow();

      server.faults.configure({ connectionResetRate: 0, throttleRate: 1 });
      const throttled = await consul.get("/v1/catalog/nodes");
      expect([throttled.status, throttled.text]).toEqual([
        429,
        "rate limit exceeded, try again later (sandbox fault)",
      ]);

      server.faults.configure({ throttleRate: 0 });
      expect((await consul.get("/v1/kv/a")).status).toBe(404);
      expect(server.calls.snapshot()).toEqual({
        CatalogNodes: { total: 2, ok: 1, throttled: 1, connectionResets: 0, errors: {} },
        CatalogServices: { total: 1, ok: 0, throttled: 0, connectionResets: 1, errors: {} },
        KVGet: { total: 2, ok: 0, throttled: 0, connectionResets: 0, errors: { "404": 1, "500": 1 } },
        KVPut: { total: 1, ok: 0, throttled: 0, connectionResets: 0, errors: { "500": 1 } },
        Txn: { total: 1, ok: 0, throttled: 0, connectionResets: 1, errors: {} },
      });
    } finally {
      await server.close();
    }
  });

  it("applies a share of faults reproducibly under a seed", async () => {
    const outcomes = async () => {
      const server = await startConsulServer({ faults: { serverErrorRate: 0.5, seed: 42 } });
      try {
        const consul = consulClient(server.url);
        const statuses: number[] = [];
        for (let i = 0; i < 20; i++) statuses.push((await consul.get("/v1/catalog/nodes")).status);
        return statuses;
      } finally {
        await server.close();
      }
    };
    const first = await outcomes();
    expect(first).toEqual(await outcomes());
    expect(first.filter((status) => status === 500).length).toBeGreaterThan(2);
    expect(first.filter((status) => status === 200).length).toBeGreaterThan(2);
  });
});
