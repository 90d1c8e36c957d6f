import { describe, expect, it } from "vitest";
import { LeaderElection } from "../../../src/runtime/leader.js";
import { silentLogger } from "../../../src/util/logger.js";
import { clientOf, consulBinary, useConsulAgent } from "./consul-agent.js";

const TTL_SECONDS = 1;
const LOCK_DELAY_SECONDS = 1;

describe.runIf(consulBinary)("leader election against a real Consul agent", () => {
  // Consul refuses session TTLs under session_ttl_min (10s by default); lowered to watch expiry.
  const agent = useConsulAgent({ sessionTtlMin: `${TTL_SECONDS}s` });

  /** Each test holds its own key, so lock delays left by one test never reach the next. */
  const contenders = (key: string) =>
    ["a", "b"].map(
      (identity) =>
        new LeaderElection(
          clientOf(agent()),
          {
            key: `ecsmesh/leader/${key}`,
            identity,
            ttlSeconds: TTL_SECONDS,
            lockDelaySeconds: LOCK_DELAY_SECONDS,
          },
          silentLogger,
        ),
    ) as [LeaderElection, LeaderElection];

  /** Ticks `election` until it leads; the time that took. */
  async function ticksUntilLeader(election: LeaderElection, timeoutMs: number): Promise<number> {
    const started = Date.now();
    for (await election.tick(); !election.isLeader(); await election.tick()) {
      if (Date.now() - started > timeoutMs) throw new Error(`not leader within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return Date.now() - started;
  }

  it("makes the first contender leader and keeps the second a follower that names it", async () => {
    const [a, b] = contenders("one");
    await a.tick();
    await b.tick();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(await b.currentLeader()).toBe("a");
    await a.tick();
    await b.tick();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    await Promise.all([a.stop(), b.stop()]);
  });

  it("hands over at once when the leader stops: a released lock has no lock delay", async () => {
    const [a, b] = contenders("handover");
    await a.tick();
    await a.stop();
    expect(await b.currentLeader()).toBeUndefined();
    await b.tick();
    expect(b.isLeader()).toBe(true);
    await b.stop();
  });

  it("fails over after a dead leader's session expires (twice its TTL) and the lock delay", async () => {
    const [a, b] = contenders("failover");
    await a.tick(); // a leads, then dies: it never renews again
    const waited = await ticksUntilLeader(b, 8_000);
    expect(waited).toBeGreaterThanOrEqual((2 * TTL_SECONDS + LOCK_DELAY_SECONDS) * 1000 - 500);
    expect(await b.currentLeader()).toBe("b");
    await b.stop();
  });

  it("makes a leader whose session was destroyed step down, and nobody leads within the lock delay", async () => {
    const [a, b] = contenders("destroyed");
    const consul = clientOf(agent());
    await a.tick();
    const holder = await consul.kvGet("ecsmesh/leader/destroyed");
    if (!holder?.session) throw new Error("a holds no lock");
    await consul.sessionDestroy(holder.session); // an operator breaks the lock
    await a.tick();
    await b.tick();
    expect([a.isLeader(), b.isLeader()]).toEqual([false, false]);
    const waited = await ticksUntilLeader(b, 4_000);
    expect(waited).toBeGreaterThanOrEqual(LOCK_DELAY_SECONDS * 1000 - 500);
    await a.tick();
    expect(a.isLeader()).toBe(false);
    await Promise.all([a.stop(), b.stop()]);
  });
});
