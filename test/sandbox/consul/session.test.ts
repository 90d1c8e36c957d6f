import { describe, expect, it, vi } from "vitest";
import { consulForFile, registration } from "./support.js";

// session_ttl_min lowered so that TTLs of a few hundred milliseconds are allowed.
const consul = consulForFile({ sessionTtlMin: "100ms" });

interface Session {
  ID: string;
  Name: string;
  Node: string;
  LockDelay: number;
  Behavior: string;
  TTL: string;
  NodeChecks: string[];
}

const create = async (body?: unknown) =>
  (await consul.put("/v1/session/create", body)).json<{ ID: string }>().ID;
const info = async (id: string) => (await consul.get(`/v1/session/info/${id}`)).json<Session[]>();
const lockHolder = async (key: string) =>
  (await consul.get(`/v1/kv/${key}`)).json<{ Session?: string }[]>()[0]?.Session;

describe("sessions", () => {
  it("creates a session on the agent's node with Consul's defaults, and reads it", async () => {
    const id = await create();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await info(id)).toEqual([
      expect.objectContaining({
        ID: id,
        Node: "consul-server",
        LockDelay: 15e9,
        Behavior: "release",
        TTL: "",
        NodeChecks: ["serfHealth"],
      }),
    ]);
    const named = await create({
      Name: "leader",
      TTL: "15s",
      LockDelay: "5s",
      Behavior: "delete",
      Checks: [],
    });
    expect(await info(named)).toEqual([
      expect.objectContaining({
        Name: "leader",
        TTL: "15s",
        LockDelay: 5e9,
        Behavior: "delete",
        NodeChecks: [],
      }),
    ]);
    // A small number is read as seconds, as Consul does.
    expect((await info(await create({ LockDelay: 7 })))[0]?.LockDelay).toBe(7e9);
    expect(await info("00000000-0000-0000-0000-000000000000")).toEqual([]);
  });

  it("renews a session, and answers 404 for an unknown one", async () => {
    const id = await create({ TTL: "10s" });
    const renewed = await consul.put(`/v1/session/renew/${id}`);
    expect(renewed.json<Session[]>()[0]?.ID).toBe(id);
    const unknown = await consul.put("/v1/session/renew/nope");
    expect([unknown.status, unknown.text]).toEqual([404, "Session id 'nope' not found"]);
  });

  it("refuses invalid sessions as Consul does", async () => {
    const cases: [unknown, string][] = [
      [{ TTL: "50ms" }, "Invalid Session TTL '50000000', must be between [100ms=24h0m0s]"],
      [{ TTL: "fast" }, `Session TTL 'fast' invalid: time: invalid duration "fast"`],
      [{ Behavior: "keep" }, "Invalid Behavior setting 'keep'"],
      [{ Node: "ghost" }, "Missing node registration"],
      [{ Checks: ["nope"] }, "Missing check 'nope' registration"],
    ];
    for (const [body, message] of cases) {
      const answer = await consul.put("/v1/session/create", body);
      expect([answer.status, answer.text]).toEqual([500, message]);
    }
    expect((await consul.put("/v1/session/create", { LockDelay: "soon" })).status).toBe(400);
  });

  it("acquires a key as a lock, refuses a second holder, and releases it", async () => {
    const first = await create();
    const second = await create();
    expect((await consul.put(`/v1/kv/locks/a?acquire=${first}`, "me")).json()).toBe(true);
    expect((await consul.put(`/v1/kv/locks/a?acquire=${second}`, "you")).json()).toBe(false);
    const held = (await consul.get("/v1/kv/locks/a")).json<{ LockIndex: number; Session: string }[]>()[0];
    expect(held).toMatchObject({ LockIndex: 1, Session: first });
    expect((await consul.put(`/v1/kv/locks/a?release=${second}`)).json()).toBe(false);
    expect((await consul.put(`/v1/kv/locks/a?release=${first}`)).json()).toBe(true);
    expect(await lockHolder("locks/a")).toBeUndefined();
    const invalid = await consul.put("/v1/kv/locks/a?acquire=not-a-session");
    expect([invalid.status, invalid.text]).toEqual([500, 'invalid session "not-a-session"']);
  });

  it("expires a TTL session after twice its TTL, releasing its lock, and enforces the lock delay", async () => {
    const createdAt = Date.now();
    const holder = await create({ TTL: "200ms", LockDelay: "1s" });
    const next = await create();
    expect((await consul.put(`/v1/kv/locks/leader?acquire=${holder}`, "holder")).json()).toBe(true);

    await vi.waitFor(async () => expect(await info(holder)).toEqual([]), { timeout: 3_000, interval: 50 });
    expect(Date.now() - createdAt).toBeGreaterThanOrEqual(390);
    expect(await lockHolder("locks/leader")).toBeUndefined();

    // Within the lock delay the key cannot be acquired, by any session.
    expect((await consul.put(`/v1/kv/locks/leader?acquire=${next}`, "next")).json()).toBe(false);
    const txn = await consul.put("/v1/txn", [{ KV: { Verb: "lock", Key: "locks/leader", Session: next } }]);
    expect(txn.json<{ Errors: { What: string }[] }>().Errors[0]?.What).toBe(
      'failed to lock key "locks/leader" due to lock delay',
    );
    await vi.waitFor(
      async () => expect((await consul.put(`/v1/kv/locks/leader?acquire=${next}`, "next")).json()).toBe(true),
      { timeout: 3_000, interval: 100 },
    );
    expect(await lockHolder("locks/leader")).toBe(next);
  });

  it("keeps a renewed session alive past its TTL", async () => {
    const id = await create({ TTL: "400ms" });
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await consul.put(`/v1/session/renew/${id}`);
    }
    expect(await info(id)).toHaveLength(1);
  });

  it("deletes the keys of a destroyed session with the delete behavior", async () => {
    const id = await create({ Behavior: "delete", LockDelay: "0s" });
    await consul.put(`/v1/kv/ephemeral/me?acquire=${id}`, "here");
    expect((await consul.put(`/v1/session/destroy/${id}`)).json()).toBe(true);
    expect((await consul.get("/v1/kv/ephemeral/me")).status).toBe(404);
    // Destroying again is still true.
    expect((await consul.put(`/v1/session/destroy/${id}`)).json()).toBe(true);
  });

  it("invalidates the sessions of a node that is deregistered or whose check turns critical", async () => {
    await consul.put("/v1/catalog/register", {
      ...registration("worker", "job"),
      Checks: [{ CheckID: "alive", Name: "alive", Status: "passing" }],
    });
    const onCheck = await create({ Node: "worker", Checks: ["alive"], LockDelay: "0s" });
    const onNode = await create({ Node: "worker", Checks: [], LockDelay: "0s" });
    await consul.put(`/v1/kv/jobs/1?acquire=${onCheck}`, "work");

    await consul.put("/v1/catalog/register", {
      Node: "worker",
      SkipNodeUpdate: true,
      Check: { CheckID: "alive", Status: "critical" },
    });
    expect(await info(onCheck)).toEqual([]);
    expect(await lockHolder("jobs/1")).toBeUndefined();
    expect(await info(onNode)).toHaveLength(1);
    const critical = await consul.put("/v1/session/create", { Node: "worker", Checks: ["alive"] });
    expect(critical.text).toBe("Check 'alive' is in critical state");

    await consul.put("/v1/catalog/deregister", { Node: "worker" });
    expect(await info(onNode)).toEqual([]);
  });
});
