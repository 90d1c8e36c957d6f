import { describe, expect, it } from "vitest";
import { HttpConsulApi } from "../../../src/controllers/consul/consul-client.js";
import { clientOf, consulBinary, consulHttp, useConsulAgent } from "./consul-agent.js";

const base64 = (text: string) => Buffer.from(text).toString("base64");

describe.runIf(consulBinary)("the Consul client against a real agent", () => {
  const agent = useConsulAgent();
  const consul = () => clientOf(agent());

  it("reads an unknown node as missing, with no services and no checks", async () => {
    expect(await consul().nodeServices("nowhere")).toEqual({ exists: false, meta: {}, services: [] });
    expect(await consul().nodeChecks("nowhere")).toEqual(new Map());
  });

  it("reads KV values as written, keys with spaces and non-ASCII included, and misses as empty", async () => {
    expect(await consul().kvList("kv-test/")).toEqual(new Map());
    expect(await consul().kvGet("kv-test/none")).toBeUndefined();
    await consul().txn([
      { KV: { Verb: "set", Key: "kv-test/plain", Value: base64("one") } },
      { KV: { Verb: "set", Key: "kv-test/with space/ü", Value: base64('{"x":"ü"}') } },
      { KV: { Verb: "set", Key: "kv-test/empty", Value: "" } },
    ]);
    expect(await consul().kvList("kv-test/")).toEqual(
      new Map([
        ["kv-test/empty", ""],
        ["kv-test/plain", "one"],
        ["kv-test/with space/ü", '{"x":"ü"}'],
      ]),
    );
    expect(await consul().kvGet("kv-test/with space/ü")).toEqual({ value: '{"x":"ü"}', session: undefined });
  });

  it("lists a service's instances at their own address, or their node's when they have none", async () => {
    await consulHttp(agent(), "PUT", "/v1/catalog/register", {
      Node: "elsewhere",
      Address: "10.1.1.1",
      Service: { ID: "web-1", Service: "web", Port: 80, Tags: ["a"] },
    });
    await consulHttp(agent(), "PUT", "/v1/catalog/register", {
      Node: "elsewhere",
      Address: "10.1.1.1",
      Service: { ID: "web-2", Service: "web", Address: "10.2.2.2", Port: 81, Meta: { k: "v" } },
    });
    expect(await consul().serviceInstances("web")).toEqual([
      { id: "web-1", service: "web", tags: ["a"], address: "10.1.1.1", port: 80, meta: {} },
      { id: "web-2", service: "web", tags: [], address: "10.2.2.2", port: 81, meta: { k: "v" } },
    ]);
    expect(await consul().serviceInstances("nothing")).toEqual([]);
  });

  it("reports a refused transaction with the agent's reason, without retrying it", async () => {
    const calls: { outcome: string; attempts: number }[] = [];
    const client = new HttpConsulApi({
      address: agent().url,
      token: undefined,
      policy: {
        retries: 3,
        minBackoffMs: 10,
        maxBackoffMs: 50,
        timeoutMs: 5_000,
        onCall: (r) => calls.push(r),
      },
    });
    // Consul needs the service name to delete a service in a transaction.
    const deleteById = { Service: { Verb: "delete", Node: "elsewhere", Service: { ID: "web-1" } } };
    await expect(client.txn([deleteById])).rejects.toThrow(/409.*Must provide service name with ID/s);
    expect(calls).toMatchObject([{ attempts: 1 }]);
  });

  it("creates sessions on the agent's node, checked by its serfHealth, with the TTL and lock delay asked", async () => {
    const id = await consul().sessionCreate({ name: "contract", ttl: "15s", lockDelay: "2s" });
    const [info] = (await consulHttp(agent(), "GET", `/v1/session/info/${id}`)).json() as Record<
      string,
      unknown
    >[];
    expect(info).toMatchObject({
      Name: "contract",
      Node: agent().node,
      NodeChecks: ["serfHealth"],
      TTL: "15s",
      LockDelay: 2e9,
      Behavior: "release",
    });
    expect(await consul().sessionRenew(id)).toBe(true);
    await consul().sessionDestroy(id);
    expect(await consul().sessionRenew(id)).toBe(false);
  });

  it("takes, reports and releases a lock; another session cannot take it meanwhile", async () => {
    const [mine, theirs] = await Promise.all(
      ["mine", "theirs"].map((name) => consul().sessionCreate({ name, ttl: "15s", lockDelay: "1s" })),
    );
    if (!mine || !theirs) throw new Error("no sessions");
    expect(await consul().kvLock("lock-test", "me", mine, "acquire")).toBe(true);
    expect(await consul().kvLock("lock-test", "them", theirs, "acquire")).toBe(false);
    expect(await consul().kvGet("lock-test")).toEqual({ value: "me", session: mine });
    expect(await consul().kvLock("lock-test", "them", theirs, "release")).toBe(false);
    expect(await consul().kvLock("lock-test", "me", mine, "release")).toBe(true);
    expect(await consul().kvGet("lock-test")).toEqual({ value: "me", session: undefined });
    expect(await consul().kvLock("lock-test", "them", theirs, "acquire")).toBe(true);
    await Promise.all([consul().sessionDestroy(mine), consul().sessionDestroy(theirs)]);
  });
});
