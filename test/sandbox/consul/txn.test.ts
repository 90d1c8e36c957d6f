import { describe, expect, it } from "vitest";
import { startConsulServer } from "../../../src/sandbox/consul/server.js";
import { consulClient, consulForFile } from "./support.js";

const consul = consulForFile();

const base64 = (text: string) => Buffer.from(text).toString("base64");

interface TxnAnswer {
  Results: Record<string, Record<string, unknown>>[] | null;
  Errors: { OpIndex: number; What: string }[] | null;
}

const serviceSet = (node: string, id: string, extra: Record<string, unknown> = {}) => ({
  Service: { Verb: "set", Node: node, Service: { ID: id, Service: "mesh", Port: 4140, ...extra } },
});

describe("PUT /v1/txn", () => {
  it("applies node, service, check and KV operations together and answers their results", async () => {
    const answer = await consul.put("/v1/txn", [
      { Node: { Verb: "set", Node: { Node: "txn-node", Address: "10.2.0.1", Meta: { role: "ecs" } } } },
      serviceSet("txn-node", "mesh-1", { Tags: ["l5d"], Meta: { ecsmesh_owner: "demo" } }),
      {
        Check: {
          Verb: "set",
          Check: {
            Node: "txn-node",
            CheckID: "mesh-1:http",
            Name: "mesh",
            Status: "passing",
            ServiceID: "mesh-1",
          },
        },
      },
      { KV: { Verb: "set", Key: "ecsmesh/owner", Value: base64("demo"), Flags: 7 } },
      { KV: { Verb: "get", Key: "ecsmesh/owner" } },
      { Service: { Verb: "delete", Node: "txn-node", Service: { ID: "nothing", Service: "nothing" } } },
    ]);
    expect(answer.status).toBe(200);
    const { Results, Errors } = answer.json<TxnAnswer>();
    expect(Errors).toBeNull();
    expect(Results?.map((result) => Object.keys(result)[0])).toEqual([
      "Node",
      "Service",
      "Check",
      "KV",
      "KV",
    ]);
    expect(Results?.[0]?.Node).toMatchObject({ Node: "txn-node", Address: "10.2.0.1", Datacenter: "dc1" });
    expect(Results?.[1]?.Service).toMatchObject({
      ID: "mesh-1",
      Tags: ["l5d"],
      Weights: { Passing: 1, Warning: 1 },
    });
    expect(Results?.[2]?.Check).toMatchObject({
      CheckID: "mesh-1:http",
      ServiceName: "mesh",
      Status: "passing",
    });
    // Only reads carry the value back.
    expect(Results?.[3]?.KV).toMatchObject({ Key: "ecsmesh/owner", Flags: 7, Value: null });
    expect(Results?.[4]?.KV).toMatchObject({ Key: "ecsmesh/owner", Value: base64("demo") });
    expect(consul.server.catalog.services().map((s) => s.ServiceID)).toContain("mesh-1");
  });

  it("rolls everything back on any failure: 409, every failed operation in Errors, state unchanged", async () => {
    const services = consul.server.catalog.services();
    const checks = consul.server.catalog.checks();
    const indexBefore = (await consul.get("/v1/catalog/services")).index;
    const answer = await consul.put("/v1/txn", [
      serviceSet("txn-node", "mesh-2"),
      { KV: { Verb: "set", Key: "rolled-back", Value: base64("x") } },
      {
        Service: {
          Verb: "cas",
          Node: "txn-node",
          Service: { ID: "mesh-1", Service: "mesh", ModifyIndex: 1 },
        },
      },
      serviceSet("no-such-node", "mesh-3"),
      { KV: { Verb: "get", Key: "missing" } },
      { Node: { Verb: "launch", Node: { Node: "txn-node" } } },
    ]);
    expect(answer.status).toBe(409);
    expect(answer.json()).toEqual({
      Results: null,
      Errors: [
        { OpIndex: 2, What: 'failed to set service "mesh-1" on node "txn-node", index is stale' },
        { OpIndex: 3, What: "Missing node registration" },
        { OpIndex: 4, What: 'key "missing" doesn\'t exist' },
        { OpIndex: 5, What: 'unknown Node verb "launch"' },
      ],
    });
    expect(consul.server.catalog.services()).toEqual(services);
    expect(consul.server.catalog.checks()).toEqual(checks);
    expect((await consul.get("/v1/kv/rolled-back")).status).toBe(404);
    expect((await consul.get("/v1/catalog/services")).index).toBe(indexBefore);
  });

  it("refuses to delete a service by ID alone, as Consul 1.10 does: a delete names the service too", async () => {
    await consul.put("/v1/txn", [
      { Node: { Verb: "set", Node: { Node: "delete-node", Address: "10.2.0.3" } } },
      serviceSet("delete-node", "mesh-9"),
    ]);
    const byId = await consul.put("/v1/txn", [
      { Service: { Verb: "delete", Node: "delete-node", Service: { ID: "mesh-9" } } },
    ]);
    expect(byId.status).toBe(409);
    expect(byId.json<TxnAnswer>().Errors).toEqual([
      { OpIndex: 0, What: "Must provide service name with ID" },
    ]);
    const named = await consul.put("/v1/txn", [
      { Service: { Verb: "delete", Node: "delete-node", Service: { ID: "mesh-9", Service: "mesh" } } },
    ]);
    expect(named.status).toBe(200);
  });

  it("refuses service meta Consul cannot store, but takes any node meta, as Consul 1.10's state store does", async () => {
    const answer = await consul.put("/v1/txn", [
      {
        Node: {
          Verb: "set",
          Node: { Node: "meta-node", Address: "10.2.0.4", Meta: { "a.b": "node meta is not checked" } },
        },
      },
      serviceSet("meta-node", "mesh-m", { Meta: { "": "1" } }),
    ]);
    expect(answer.json<TxnAnswer>().Errors).toEqual([
      {
        OpIndex: 1,
        What: "Invalid Service Meta for node meta-node and serviceID mesh-m: Couldn't load metadata pair ('', '1'): Key cannot be blank",
      },
    ]);
    const nodeOnly = await consul.put("/v1/txn", [
      { Node: { Verb: "set", Node: { Node: "meta-node", Address: "10.2.0.4", Meta: { "a.b": "1" } } } },
    ]);
    expect(nodeOnly.status).toBe(200);
  });

  it("fails the pre-apply checks before applying anything", async () => {
    const answer = await consul.put("/v1/txn", [
      { Service: { Verb: "set", Node: "txn-node", Service: { ID: "no-name" } } },
      { Node: { Verb: "set", Node: { Address: "10.0.0.9" } } },
      { KV: { Verb: "set", Key: "" } },
    ]);
    expect(answer.status).toBe(409);
    expect(answer.json<TxnAnswer>().Errors).toEqual([
      { OpIndex: 0, What: "Must provide service name with ID" },
      { OpIndex: 1, What: "Must provide node" },
      { OpIndex: 2, What: "Must provide key" },
    ]);
  });

  it("compares and sets with ModifyIndex, and deletes with check-and-set", async () => {
    const current = consul.server.catalog.services().find((s) => s.ServiceID === "mesh-1");
    const cas = await consul.put("/v1/txn", [
      {
        Service: {
          Verb: "cas",
          Node: "txn-node",
          Service: { ID: "mesh-1", Service: "mesh", Port: 4141, ModifyIndex: current?.ModifyIndex },
        },
      },
      { KV: { Verb: "cas", Key: "fresh", Index: 0, Value: base64("1") } },
    ]);
    expect(cas.status).toBe(200);
    expect(consul.server.catalog.services().find((s) => s.ServiceID === "mesh-1")?.ServicePort).toBe(4141);

    const kv = (await consul.get("/v1/kv/fresh")).json<{ ModifyIndex: number }[]>()[0];
    const stale = await consul.put("/v1/txn", [{ KV: { Verb: "delete-cas", Key: "fresh", Index: 1 } }]);
    expect(stale.json<TxnAnswer>().Errors).toEqual([
      { OpIndex: 0, What: 'failed to delete key "fresh", index is stale' },
    ]);
    const deleted = await consul.put("/v1/txn", [
      { KV: { Verb: "delete-cas", Key: "fresh", Index: kv?.ModifyIndex } },
    ]);
    expect(deleted.json()).toEqual({ Results: [], Errors: null });
  });

  it("answers a transaction of reads from the current state, with the leader headers", async () => {
    const raftIndex = (await consul.get("/v1/catalog/nodes")).index;
    const answer = await consul.put("/v1/txn", [
      { Node: { Verb: "get", Node: { Node: "txn-node" } } },
      { Service: { Verb: "get", Node: "txn-node", Service: { ID: "mesh-1", Service: "mesh" } } },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.json<TxnAnswer>().Results).toHaveLength(2);
    expect(answer.headers.get("x-consul-knownleader")).toBe("true");
    expect((await consul.get("/v1/catalog/nodes")).index).toBe(raftIndex);
  });

  it(`refuses more than 64 operations with 413 and Consul's message`, async () => {
    const ops = (count: number) =>
      Array.from({ length: count }, (_, i) => ({
        KV: { Verb: "set", Key: `bulk/${i}`, Value: base64("v") },
      }));
    const answer = await consul.put("/v1/txn", ops(65));
    expect(answer.status).toBe(413);
    expect(answer.text).toBe("Transaction contains too many operations (65 > 64)");
    expect((await consul.get("/v1/kv/bulk/0")).status).toBe(404);
    expect((await consul.put("/v1/txn", ops(64))).status).toBe(200);
  });

  it("takes 128 operations when configured like Consul 1.14 and later", async () => {
    const newer = await startConsulServer({ txnMaxOps: 128 });
    try {
      const newerConsul = consulClient(newer.url);
      const ops = (count: number) =>
        Array.from({ length: count }, (_, i) => ({ KV: { Verb: "delete", Key: `k${i}` } }));
      expect((await newerConsul.put("/v1/txn", ops(128))).status).toBe(200);
      expect((await newerConsul.put("/v1/txn", ops(129))).text).toBe(
        "Transaction contains too many operations (129 > 128)",
      );
    } finally {
      await newer.close();
    }
  });

  it("answers 400 for a body it cannot parse and 413 for an oversized value", async () => {
    const notArray = await consul.put("/v1/txn", { KV: {} });
    expect([notArray.status, notArray.text]).toEqual([
      400,
      "Failed to parse body: json: cannot unmarshal object into Go value of type api.TxnOps",
    ]);
    const badValue = await consul.put("/v1/txn", [{ KV: { Verb: "set", Key: "k", Value: "not base64!" } }]);
    expect([badValue.status, badValue.text]).toEqual([
      400,
      "Failed to parse body: failed to decode value: illegal base64 data",
    ]);
    const big = await consul.put("/v1/txn", [
      { KV: { Verb: "set", Key: "big", Value: Buffer.alloc(512 * 1024 + 1).toString("base64") } },
    ]);
    expect([big.status, big.text]).toEqual([413, 'Value for key "big" is too large (524289 > 524288 bytes)']);
  });
});
