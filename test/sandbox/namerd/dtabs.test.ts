import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type NamerdServer, startNamerdServer } from "../../../src/sandbox/namerd/server.js";

const BASE = "/svc => /#/io.l5d.consul/dc1;";
const CANARY = "/svc/world => 90 * /#/io.l5d.consul/dc1/world & 10 * /#/io.l5d.consul/dc1/world-v2";

let server: NamerdServer;
beforeEach(async () => {
  server = await startNamerdServer({ namespaces: { default: BASE, internal: "/host => /$/inet" } });
});
afterEach(async () => {
  await server.close();
});

const call = (path: string, init: RequestInit = {}) => fetch(`${server.url}/api/1${path}`, init);

const write = (
  method: "POST" | "PUT",
  namespace: string,
  body: string,
  headers: Record<string, string> = {},
) =>
  call(`/dtabs/${namespace}`, { method, body, headers: { "Content-Type": "application/dtab", ...headers } });

/** The dtab's text and ETag as a client reads them. */
async function read(namespace: string): Promise<{ text: string; etag: string | null }> {
  const response = await call(`/dtabs/${namespace}`, { headers: { Accept: "application/dtab" } });
  expect(response.status).toBe(200);
  return { text: await response.text(), etag: response.headers.get("etag") };
}

describe("namespaces", () => {
  it("lists namespace names sorted, with or without the trailing slash", async () => {
    for (const path of ["/dtabs", "/dtabs/"]) {
      const response = await call(path);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(await response.text()).toBe('["default","internal"]\n');
    }
  });

  it("deletes a namespace once: 204, then 404", async () => {
    expect((await call("/dtabs/internal", { method: "DELETE" })).status).toBe(204);
    expect((await call("/dtabs/internal", { method: "DELETE" })).status).toBe(404);
    expect((await call("/dtabs/internal")).status).toBe(404);
    expect(await (await call("/dtabs")).json()).toEqual(["default"]);
  });

  it("reads percent-encoded namespace names", async () => {
    expect((await write("POST", encodeURIComponent("team a"), BASE)).status).toBe(204);
    expect(await (await call("/dtabs")).json()).toEqual(["default", "internal", "team a"]);
    expect((await call("/dtabs/team%20a")).status).toBe(200);
  });

  it("answers 404 outside the API and for methods it does not serve", async () => {
    expect((await call("/dtabsexpialidocious")).status).toBe(404);
    expect((await call("/dtabs/%E0%A4%A")).status).toBe(404);
    expect((await fetch(`${server.url}/api/2/dtabs`)).status).toBe(404);
    expect((await call("/dtabs/default", { method: "PATCH", body: BASE })).status).toBe(404);
  });

  it("refuses a starting dtab that does not parse", async () => {
    await expect(startNamerdServer({ namespaces: { broken: "/svc => " } })).rejects.toThrow(
      /namespace broken, 1:9/,
    );
  });
});

describe("reading a dtab", () => {
  it("answers JSON with an ETag by default", async () => {
    const response = await call("/dtabs/default");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("etag")).toMatch(/^[A-Za-z0-9+/]{11}=$/);
    expect(await response.text()).toBe('[{"prefix":"/svc","dst":"/#/io.l5d.consul/dc1"}]\n');
  });

  it("answers dtab text for the first known type in Accept, parameters ignored", async () => {
    for (const [accept, type] of [
      ["application/dtab", "application/dtab"],
      ["application/dtab;q=0.9, application/json", "application/dtab"],
      ["image/png, text/plain;q=0.5", "text/plain"],
      ["image/png", "application/json"],
    ]) {
      const response = await call("/dtabs/default", { headers: { Accept: accept ?? "" } });
      expect(response.headers.get("content-type")).toBe(type);
      expect(await response.text()).toBe(
        type === "application/json"
          ? '[{"prefix":"/svc","dst":"/#/io.l5d.consul/dc1"}]\n'
          : "/svc => /#/io.l5d.consul/dc1\n",
      );
    }
  });

  it("answers HEAD with the ETag only, and 404 for a namespace that does not exist", async () => {
    const head = await call("/dtabs/default", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe((await read("default")).etag);
    expect(await head.text()).toBe("");
    expect((await call("/dtabs/nowhere")).status).toBe(404);
    expect((await call("/dtabs/nowhere", { method: "HEAD" })).status).toBe(404);
  });
});

describe("creating a dtab", () => {
  it("takes dtab text or JSON, and answers 204", async () => {
    expect((await write("POST", "canary", CANARY)).status).toBe(204);
    const json = JSON.stringify([{ prefix: "/svc", dst: "/#/io.l5d.consul/dc2" }]);
    const created = await write("POST", "dc2", json, { "Content-Type": "application/json;charset=UTF-8" });
    expect(created.status).toBe(204);
    expect((await read("canary")).text).toBe(`${CANARY}\n`);
    expect((await read("dc2")).text).toBe("/svc => /#/io.l5d.consul/dc2\n");
    expect(await (await call("/dtabs")).json()).toEqual(["canary", "dc2", "default", "internal"]);
  });

  it("answers 409 when the namespace exists, leaving it unchanged", async () => {
    const before = await read("default");
    expect((await write("POST", "default", CANARY)).status).toBe(409);
    expect(await read("default")).toEqual(before);
  });

  it("answers 400 for a dtab that does not parse, an unknown body type, or a malformed JSON dtab", async () => {
    const bad = await write("POST", "bad", "/svc => /a &");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/^1:13: /);
    expect((await write("POST", "bad", BASE, { "Content-Type": "application/yaml" })).status).toBe(400);
    for (const json of ["{}", '[{"prefix":"/svc"}]', '[{"prefix":"svc","dst":"/a"}]', "[{"]) {
      expect((await write("POST", "bad", json, { "Content-Type": "application/json" })).status).toBe(400);
    }
    expect((await call("/dtabs/bad")).status).toBe(404);
  });
});

describe("updating a dtab", () => {
  it("compare-and-sets with If-Match: 204 on the current ETag, then a new ETag", async () => {
    const { etag } = await read("default");
    expect((await write("PUT", "default", CANARY, { "If-Match": etag ?? "" })).status).toBe(204);
    const after = await read("default");
    expect(after.text).toBe(`${CANARY}\n`);
    expect(after.etag).not.toBe(etag);
  });

  it("answers 412 on a stale ETag, e.g. after a hand edit, and keeps the edit", async () => {
    const { etag } = await read("default");
    server.dtabs.put("default", "/svc => /#/io.l5d.consul/dc9;");
    expect((await write("PUT", "default", CANARY, { "If-Match": etag ?? "" })).status).toBe(412);
    expect((await read("default")).text).toBe("/svc => /#/io.l5d.consul/dc9\n");
    expect((await write("PUT", "default", CANARY, { "If-Match": "AAAAAAAAAAE=" })).status).toBe(412);
  });

  it("answers 404 for If-Match on a missing namespace, and upserts without If-Match", async () => {
    expect((await write("PUT", "fresh", BASE, { "If-Match": "AAAAAAAAAAE=" })).status).toBe(404);
    expect((await write("PUT", "fresh", BASE)).status).toBe(204);
    const first = await read("fresh");
    expect((await write("PUT", "fresh", CANARY)).status).toBe(204);
    expect((await read("fresh")).etag).not.toBe(first.etag);
  });

  it("never hands out an ETag twice, even to a namespace deleted and created again", async () => {
    const seen = new Set<string | null>([(await read("default")).etag]);
    await call("/dtabs/default", { method: "DELETE" });
    await write("POST", "default", BASE);
    const recreated = (await read("default")).etag;
    expect(seen.has(recreated)).toBe(false);
    seen.add(recreated);
    expect(seen.has(server.dtabs.put("default", BASE).version)).toBe(false);
  });

  it("answers 400 for a bad dtab whatever If-Match says", async () => {
    const { etag } = await read("default");
    expect((await write("PUT", "default", "/svc =>", { "If-Match": etag ?? "" })).status).toBe(400);
    expect((await read("default")).etag).toBe(etag);
  });
});
