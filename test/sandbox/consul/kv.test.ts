import { describe, expect, it } from "vitest";
import { consulForFile } from "./support.js";

const consul = consulForFile();

interface Entry {
  Key: string;
  Value: string | null;
  Flags: number;
  LockIndex: number;
  CreateIndex: number;
  ModifyIndex: number;
  Session?: string;
}

const entry = async (key: string) => (await consul.get(`/v1/kv/${key}`)).json<Entry[]>()[0];

describe("the KV store", () => {
  it("puts a value and reads it back as base64 with its indexes, or raw", async () => {
    expect((await consul.put("/v1/kv/app/config?flags=42", "port=8080")).json()).toBe(true);
    const answer = await consul.get("/v1/kv/app/config");
    expect(answer.status).toBe(200);
    const [read] = answer.json<Entry[]>();
    expect(read).toEqual({
      LockIndex: 0,
      Key: "app/config",
      Flags: 42,
      Value: Buffer.from("port=8080").toString("base64"),
      CreateIndex: answer.index,
      ModifyIndex: answer.index,
    });
    const raw = await consul.get("/v1/kv/app/config?raw");
    expect([raw.text, raw.headers.get("content-type")]).toEqual(["port=8080", "text/plain"]);

    await consul.put("/v1/kv/app/empty", "");
    expect((await entry("app/empty"))?.Value).toBeNull();
  });

  it("answers 404 with an index for a missing key, and 400 without a key", async () => {
    const missing = await consul.get("/v1/kv/no/such/key");
    expect([missing.status, missing.text]).toEqual([404, ""]);
    expect(missing.index).toBeGreaterThan(0);
    expect((await consul.get("/v1/kv/")).text).toBe("Missing key name");
    expect((await consul.put("/v1/kv/", "x")).status).toBe(400);
  });

  it("lists a prefix with ?recurse and key names with ?keys and ?separator", async () => {
    await consul.put("/v1/kv/web/a", "1");
    await consul.put("/v1/kv/web/b", "2");
    await consul.put("/v1/kv/web/sub/c", "3");
    const recursed = (await consul.get("/v1/kv/web/?recurse")).json<Entry[]>();
    expect(recursed.map((e) => e.Key)).toEqual(["web/a", "web/b", "web/sub/c"]);
    expect((await consul.get("/v1/kv/web/?keys")).json()).toEqual(["web/a", "web/b", "web/sub/c"]);
    expect((await consul.get("/v1/kv/web/?keys&separator=/")).json()).toEqual(["web/a", "web/b", "web/sub/"]);
    expect((await consul.get("/v1/kv/nothing/?keys")).status).toBe(404);
    expect((await consul.get("/v1/kv/nothing/?recurse")).status).toBe(404);
  });

  it("checks and sets: index 0 only creates, any other index must match ModifyIndex", async () => {
    expect((await consul.put("/v1/kv/cas/key?cas=0", "first")).json()).toBe(true);
    expect((await consul.put("/v1/kv/cas/key?cas=0", "again")).json()).toBe(false);
    const current = await entry("cas/key");
    expect(
      (await consul.put(`/v1/kv/cas/key?cas=${(current?.ModifyIndex ?? 0) + 100}`, "stale")).json(),
    ).toBe(false);
    expect((await consul.put(`/v1/kv/cas/key?cas=${current?.ModifyIndex}`, "second")).json()).toBe(true);
    const updated = await entry("cas/key");
    expect(updated?.Value).toBe(Buffer.from("second").toString("base64"));
    expect(updated?.CreateIndex).toBe(current?.CreateIndex);
  });

  it("deletes one key, a key by check-and-set, and a whole prefix", async () => {
    expect((await consul.delete("/v1/kv/app/config")).json()).toBe(true);
    expect((await consul.get("/v1/kv/app/config")).status).toBe(404);
    const cas = await entry("cas/key");
    expect((await consul.delete("/v1/kv/cas/key?cas=1")).json()).toBe(false);
    expect((await consul.delete(`/v1/kv/cas/key?cas=${cas?.ModifyIndex}`)).json()).toBe(true);
    expect((await consul.delete("/v1/kv/web/?recurse")).json()).toBe(true);
    expect((await consul.get("/v1/kv/web/?recurse")).status).toBe(404);
  });

  it("refuses conflicting flags, malformed numbers and oversized values as Consul does", async () => {
    const conflict = await consul.put("/v1/kv/k?cas=1&acquire=abc", "x");
    expect([conflict.status, conflict.text]).toEqual([400, "Conflicting flags: acquire=abc&cas=1\n"]);
    expect((await consul.request("DELETE", "/v1/kv/k?recurse&cas=1")).status).toBe(400);
    const flags = await consul.put("/v1/kv/k?flags=x", "x");
    expect([flags.status, flags.text]).toEqual([500, 'strconv.ParseUint: parsing "x": invalid syntax']);
    const big = await consul.put("/v1/kv/big", Buffer.alloc(512 * 1024 + 1));
    expect(big.status).toBe(413);
    expect(big.text).toMatch(/^Request body\(524289 bytes\) too large, max size: 524288 bytes/);
    const patch = await consul.request("PATCH", "/v1/kv/k");
    expect([patch.status, patch.headers.get("allow")]).toEqual([405, "OPTIONS,GET,PUT,DELETE"]);
  });
});
