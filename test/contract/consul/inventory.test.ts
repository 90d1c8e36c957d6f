import { describe, expect, it } from "vitest";
import { ConsulInventoryStore } from "../../../src/inventory/consul-store.js";
import {
  emptyInventory,
  type Inventory,
  withoutService,
  withRevision,
} from "../../../src/inventory/inventory.js";
import { clientOf, consulBinary, consulHttp, useConsulAgent } from "./consul-agent.js";

const ROOT = "ecsmesh/inventory";

/** An inventory of `count` services, each with one registered revision. */
function inventoryOf(cluster: string, count: number): Inventory {
  let inventory = emptyInventory("demo", cluster);
  for (let i = 0; i < count; i++) {
    inventory = withRevision(inventory, `svc-${i}`, `demo-svc-${i}`, {
      arn: `arn:aws:ecs:us-east-1:123456789012:task-definition/demo-svc-${i}:1`,
      fingerprint: `f${i}`,
    });
  }
  return inventory;
}

describe.runIf(consulBinary)("the inventory in a real Consul agent's KV", () => {
  const agent = useConsulAgent();
  const store = () => new ConsulInventoryStore(clientOf(agent()));

  /** Key (below the cluster's prefix) -> ModifyIndex: which keys a save wrote, and in how many transactions. */
  async function modifyIndexes(cluster: string): Promise<Map<string, number>> {
    const prefix = `${ROOT}/${cluster}/demo/`;
    const answer = await consulHttp(agent(), "GET", `/v1/kv/${prefix}?recurse=true`);
    if (answer.status === 404) return new Map();
    const entries = answer.json() as { Key: string; ModifyIndex: number }[];
    return new Map(entries.map((e) => [e.Key.slice(prefix.length), e.ModifyIndex]));
  }

  it("loads an empty inventory where nothing was saved", async () => {
    expect(await store().load("demo", "nothing")).toEqual(emptyInventory("demo", "nothing"));
  });

  it("loads what it saved, services and dtab fingerprints, in a fresh store", async () => {
    const saved: Inventory = {
      ...inventoryOf("roundtrip", 3),
      dtabs: { default: "abc123", "edge ns": "ff" },
    };
    await store().save(saved);
    expect(await store().load("demo", "roundtrip")).toEqual(saved);
  });

  it("writes only the keys that changed, and deletes the keys of removed services", async () => {
    const writer = store();
    await writer.load("demo", "changes");
    const first = inventoryOf("changes", 3);
    await writer.save(first);
    const before = await modifyIndexes("changes");

    const second = withoutService(
      withRevision(first, "svc-1", "demo-svc-1", { arn: "arn:new", fingerprint: "f1b" }),
      "svc-2",
    );
    await writer.save(second);
    const after = await modifyIndexes("changes");
    expect([...after.keys()]).toEqual(["services/svc-0", "services/svc-1"]);
    expect(after.get("services/svc-0")).toBe(before.get("services/svc-0"));
    expect(after.get("services/svc-1")).toBeGreaterThan(before.get("services/svc-1") ?? 0);
    expect(await store().load("demo", "changes")).toEqual(second);

    await writer.save(second);
    expect(await modifyIndexes("changes")).toEqual(after);
  });

  it("saves and deletes more than 64 keys in transactions the agent accepts", async () => {
    const writer = store();
    await writer.load("demo", "large");
    const large = inventoryOf("large", 100);
    await writer.save(large);
    const written = await modifyIndexes("large");
    expect(written.size).toBe(100);
    // Each transaction is one raft index: 100 keys in 2 of them.
    expect(new Set(written.values()).size).toBe(2);
    expect(await store().load("demo", "large")).toEqual(large);

    await writer.save(emptyInventory("demo", "large"));
    expect(await modifyIndexes("large")).toEqual(new Map());
  });
});
