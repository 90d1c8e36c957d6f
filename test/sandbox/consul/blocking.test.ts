import { beforeAll, describe, expect, it } from "vitest";
import { startConsulServer } from "../../../src/sandbox/consul/server.js";
import { consulClient, consulForFile, registration } from "./support.js";

const consul = consulForFile();
beforeAll(async () => {
  await consul.put("/v1/catalog/register", registration("node-1", "world"));
});

const later = (ms: number, action: () => Promise<unknown>) =>
  new Promise<void>((resolve, reject) => setTimeout(() => action().then(() => resolve(), reject), ms));

describe("blocking queries", () => {
  it("returns as soon as the watched index moves past ?index, with the new X-Consul-Index", async () => {
    const first = await consul.get("/v1/health/service/world");
    const started = Date.now();
    const [blocked] = await Promise.all([
      consul.get(`/v1/health/service/world?index=${first.index}&wait=5s`),
      later(100, () => consul.put("/v1/catalog/register", registration("node-22", "world"))),
    ]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(blocked.index).toBeGreaterThan(first.index);
    expect(blocked.json<unknown[]>()).toHaveLength(2);
  });

  it("returns after ?wait with the same index when nothing relevant changed", async () => {
    const first = await consul.get("/v1/catalog/service/world");
    const started = Date.now();
    const [blocked] = await Promise.all([
      consul.get(`/v1/catalog/service/world?index=${first.index}&wait=300ms`),
      // A write elsewhere moves the raft index, not this service's.
      later(50, () => consul.put("/v1/kv/unrelated", "x")),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect([blocked.status, blocked.index]).toEqual([200, first.index]);
  });

  it("answers at once when ?index is already behind, and never with index 0", async () => {
    const started = Date.now();
    const answer = await consul.get("/v1/kv/missing?index=1&wait=5s");
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(answer.status).toBe(404);
    expect(answer.index).toBeGreaterThan(1);
  });

  it("wakes a KV watch on a change under the prefix, deletions included", async () => {
    await consul.put("/v1/kv/watched/a", "1");
    const first = await consul.get("/v1/kv/watched/?recurse");
    const [blocked] = await Promise.all([
      consul.get(`/v1/kv/watched/?recurse&index=${first.index}&wait=5s`),
      later(50, () => consul.delete("/v1/kv/watched/a")),
    ]);
    expect(blocked.status).toBe(404);
    expect(blocked.index).toBeGreaterThan(first.index);
  });

  it("refuses a malformed ?wait or ?index, and conflicting consistency modes", async () => {
    expect((await consul.get("/v1/catalog/nodes?wait=soon")).text).toBe("Invalid wait time");
    expect((await consul.get("/v1/catalog/nodes?index=-1")).text).toBe("Invalid index");
    expect((await consul.get("/v1/catalog/nodes?stale&consistent")).status).toBe(400);
  });

  it("releases blocked queries when the server closes", async () => {
    const local = await startConsulServer();
    const index = (await consulClient(local.url).get("/v1/catalog/nodes")).index;
    const blocked = consulClient(local.url)
      .get(`/v1/catalog/nodes?index=${index}&wait=10m`)
      .catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await local.close();
    await blocked;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
