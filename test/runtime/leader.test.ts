import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpConsulApi } from "../../src/controllers/consul/consul-client.js";
import { LeaderElection } from "../../src/runtime/leader.js";
import { type ConsulServer, startConsulServer } from "../../src/sandbox/consul/server.js";
import { silentLogger } from "../../src/util/logger.js";

const POLICY = { retries: 1, minBackoffMs: 10, maxBackoffMs: 50, timeoutMs: 2_000 };
let consul: ConsulServer;

beforeEach(async () => {
  // Consul refuses TTLs under session_ttl_min (10s by default); the test lowers it to watch expiry.
  consul = await startConsulServer({ sessionTtlMin: "1s" });
});
afterEach(async () => {
  await consul.close();
});

function elector(identity: string, url = consul.url): LeaderElection {
  return new LeaderElection(
    new HttpConsulApi({ address: url, token: undefined, policy: POLICY }),
    { key: "ecsmesh/leader/test", identity, ttlSeconds: 1, lockDelaySeconds: 1 },
    silentLogger,
  );
}

describe("leader election through a Consul session lock", () => {
  it("makes exactly one of two controllers the leader", async () => {
    const a = elector("a");
    const b = elector("b");
    await a.tick();
    await b.tick();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(await b.currentLeader()).toBe("a");
    await a.tick();
    await b.tick();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
  });

  it("hands over at once when the leader stops (SIGTERM releases the lock)", async () => {
    const a = elector("a");
    const b = elector("b");
    await a.tick();
    await a.stop();
    expect(a.isLeader()).toBe(false);
    await b.tick();
    expect(b.isLeader()).toBe(true);
  });

  it("fails over when the leader dies without releasing, after its session expires and the lock delay", async () => {
    const a = elector("a");
    const b = elector("b");
    await a.tick(); // a is leader and then dies: it never renews again
    await b.tick();
    expect(b.isLeader()).toBe(false);
    const started = Date.now();
    while (!b.isLeader()) {
      if (Date.now() - started > 8_000) throw new Error("no failover");
      await new Promise((resolve) => setTimeout(resolve, 200));
      await b.tick();
    }
    // Consul expires a session at twice its TTL; then the lock delay (1 s) holds the lock.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
  });

  it("steps down when Consul is unreachable rather than risk two writers", async () => {
    const a = elector("a");
    await a.tick();
    expect(a.isLeader()).toBe(true);
    await consul.close();
    await a.tick();
    expect(a.isLeader()).toBe(false);
    consul = await startConsulServer({ sessionTtlMin: "1s" });
  });

  it("says why it does not lead: the holder's identity, or Consul's error", async () => {
    const a = elector("a");
    const b = elector("b");
    expect(b.state).toMatchObject({ held: false, reason: "NotAttempted" });
    await a.tick();
    await b.tick();
    expect(a.state).toMatchObject({ held: true, reason: "LockAcquired" });
    expect(b.state).toEqual({ held: false, reason: "LockHeldBy", message: "held by a", holder: "a" });
    await consul.close();
    await b.tick();
    expect(b.state).toMatchObject({ held: false, reason: "ConsulUnreachable" });
    expect(b.state.message).toMatch(/^Consul unreachable: /);
    consul = await startConsulServer({ sessionTtlMin: "1s" });
  });
});
