import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FileWriterLock } from "../../src/inventory/file-lock.js";
import { emptyInventory, type Inventory, withService } from "../../src/inventory/inventory.js";
import { InventoryJournal } from "../../src/inventory/journal.js";
import { FileInventoryStore, type InventoryStore } from "../../src/inventory/store.js";

/** A file store that counts its saves and can be made slow, to see saves coalesce. */
function countingStore(file: string, delayMs: number): InventoryStore & { saves: number } {
  const inner = new FileInventoryStore(file);
  const store = {
    saves: 0,
    location: inner.location,
    load: (owner: string, cluster: string) => inner.load(owner, cluster),
    save: async (inventory: Inventory) => {
      store.saves += 1;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await inner.save(inventory);
    },
  };
  return store;
}

const entry = (i: number) => ({ arn: `arn:svc/${i}`, family: `f${i}`, revisions: [] });

describe("the inventory journal", () => {
  it("makes each change durable before its promise resolves, coalescing changes made meanwhile", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "ecsmesh-journal-")), "inventory.json");
    const store = countingStore(file, 20);
    const journal = new InventoryJournal(store, emptyInventory("o", "c"));
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await journal.record((inventory) => withService(inventory, `s${i}`, entry(i)));
        // Durable now: whatever else is still in flight, this one is on disk.
        const saved = JSON.parse(await readFile(file, "utf8")) as { services: object };
        expect(saved.services).toHaveProperty(`s${i}`);
      }),
    );
    expect(store.saves).toBeLessThanOrEqual(3);
    expect(Object.keys((await store.load("o", "c")).services)).toHaveLength(50);
    await journal.flush();
    expect(store.saves).toBeLessThanOrEqual(3);
  });

  it("writes nothing when nothing changed", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "ecsmesh-journal-")), "inventory.json");
    const store = countingStore(file, 0);
    await new InventoryJournal(store, emptyInventory("o", "c")).flush();
    expect(store.saves).toBe(0);
  });
});

describe("the lock file beside a file inventory", () => {
  async function lockFile(): Promise<string> {
    return path.join(await mkdtemp(path.join(tmpdir(), "ecsmesh-lock-")), "inventory.json.lock");
  }

  it("admits one writer, names it to the next, and frees on release", async () => {
    const file = await lockFile();
    const first = new FileWriterLock(file, "first");
    const second = new FileWriterLock(file, "second");
    await first.tick();
    await second.tick();
    expect([first.isLeader(), second.isLeader()]).toEqual([true, false]);
    expect(second.state).toMatchObject({ reason: "LockHeldBy", holder: "first" });
    expect(second.state.message).toMatch(new RegExp(`^held by first \\(pid ${process.pid} on `));
    await first.stop();
    await second.tick();
    expect(second.isLeader()).toBe(true);
  });

  it("takes over a lock whose holder died on this host (kill -9), never one held on another host", async () => {
    const file = await lockFile();
    const since = new Date().toISOString();
    const dead = { identity: "killed apply", host: hostname(), pid: 2 ** 22 + 7, since };
    await writeFile(file, JSON.stringify(dead));
    const lock = new FileWriterLock(file, "next apply");
    await lock.tick();
    expect(lock.isLeader()).toBe(true);
    await lock.stop();

    await writeFile(file, JSON.stringify({ ...dead, host: "another-host" }));
    await lock.tick();
    expect(lock.isLeader()).toBe(false);
    expect(lock.state.message).toContain("on another-host");
  });
});
