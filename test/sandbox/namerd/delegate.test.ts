import { afterEach, describe, expect, it } from "vitest";
import { type NamerdServer, startNamerdServer } from "../../../src/sandbox/namerd/server.js";

let server: NamerdServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** GET /api/1/delegate/<namespace> with the given query; the status and the parsed body. */
async function delegation(dtabs: Record<string, string>, namespace: string, query: Record<string, string>) {
  server = await startNamerdServer({ namespaces: dtabs });
  const response = await fetch(`${server.url}/api/1/delegate/${namespace}?${new URLSearchParams(query)}`);
  const body = await response.text();
  return { status: response.status, body: response.status === 200 ? (JSON.parse(body) as unknown) : body };
}

const WORKSHOP = { default: "/svc => /#/io.l5d.consul/dc1;" };
const SVC = { prefix: "/svc", dst: "/#/io.l5d.consul/dc1" };
const bound = (id: string) => ({ addr: { type: "pending" }, id, path: "/" });

describe("delegation", () => {
  it("resolves the workshop's /svc/world through the Consul namer", async () => {
    expect(await delegation(WORKSHOP, "default", { path: "/svc/world" })).toEqual({
      status: 200,
      body: {
        type: "delegate",
        path: "/svc/world",
        delegate: {
          type: "leaf",
          path: "/#/io.l5d.consul/dc1/world",
          dentry: SVC,
          bound: bound("/#/io.l5d.consul/dc1/world"),
        },
      },
    });
  });

  it("appends the dtab= override, which wins over the namespace's dentries", async () => {
    const { body } = await delegation(WORKSHOP, "default", {
      path: "/svc/world",
      dtab: "/svc/world => /svc/world-v2",
    });
    const override = { prefix: "/svc/world", dst: "/svc/world-v2" };
    expect(body).toEqual({
      type: "alt",
      path: "/svc/world",
      alt: [
        {
          type: "delegate",
          path: "/svc/world-v2",
          dentry: override,
          delegate: {
            type: "leaf",
            path: "/#/io.l5d.consul/dc1/world-v2",
            dentry: SVC,
            bound: bound("/#/io.l5d.consul/dc1/world-v2"),
          },
        },
        {
          type: "leaf",
          path: "/#/io.l5d.consul/dc1/world",
          dentry: SVC,
          bound: bound("/#/io.l5d.consul/dc1/world"),
        },
      ],
    });
  });

  it("answers exactly as namerd's own test expects for an unbound path", async () => {
    server = await startNamerdServer({ namespaces: { yeezus: "/yeezy => /yeezus" } });
    const response = await fetch(`${server.url}/api/1/delegate/yeezus?path=/yeezy`);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe(
      '{"type":"delegate","path":"/yeezy","delegate":{"type":"neg","path":"/yeezus","dentry":{"prefix":"/yeezy","dst":"/yeezus"}}}',
    );
  });

  it("splits a weighted canary into a union and folds alternations like namerd", async () => {
    const canary = "/svc/world => 9 * /#/io.l5d.consul/dc1/world & 1 * /#/io.l5d.consul/dc1/world-v2";
    const { body } = await delegation({ default: canary }, "default", { path: "/svc/world" });
    const dentry = {
      prefix: "/svc/world",
      dst: "9 * /#/io.l5d.consul/dc1/world & 1 * /#/io.l5d.consul/dc1/world-v2",
    };
    // namerd folds Delegate(/svc/world, Union(/svc/world, ...)) into the union, which takes the parent's (empty) dentry.
    expect(body).toEqual({
      type: "union",
      path: "/svc/world",
      union: [
        {
          weight: 9,
          tree: {
            type: "leaf",
            path: "/#/io.l5d.consul/dc1/world",
            dentry,
            bound: bound("/#/io.l5d.consul/dc1/world"),
          },
        },
        {
          weight: 1,
          tree: {
            type: "leaf",
            path: "/#/io.l5d.consul/dc1/world-v2",
            dentry,
            bound: bound("/#/io.l5d.consul/dc1/world-v2"),
          },
        },
      ],
    });
  });

  it("shows ~ and ! the way namerd does, and /$/ names as bound", async () => {
    const dtab = "/a => ~ | /$/inet/127.0.0.1/8080; /b => !; /c => /$/fail";
    const nodes = async (path: string) => (await delegation({ n: dtab }, "n", { path })).body;
    expect(await nodes("/a")).toMatchObject({
      type: "alt",
      path: "/a",
      alt: [
        { type: "neg", path: "~" },
        { type: "leaf", path: "/$/inet/127.0.0.1/8080", bound: bound("/$/inet/127.0.0.1/8080") },
      ],
    });
    await server?.close();
    expect(await nodes("/b")).toMatchObject({
      type: "delegate",
      path: "/b",
      delegate: { type: "fail", path: "!" },
    });
    await server?.close();
    expect(await nodes("/c")).toMatchObject({
      type: "delegate",
      delegate: { type: "fail", path: "/$/fail" },
    });
  });

  it("reports a loop as an exception node", async () => {
    const { body } = await delegation({ loop: "/a => /b; /b => /a" }, "loop", { path: "/a" });
    expect(JSON.stringify(body)).toContain('"type":"exception"');
    expect(JSON.stringify(body)).toContain("delegation loops: /a -> /b -> /a");
  });

  it("delegates with an empty dtab in a namespace that has none", async () => {
    expect(await delegation({}, "ghost", { path: "/svc/world" })).toEqual({
      status: 200,
      body: { type: "neg", path: "/svc/world" },
    });
  });

  it("answers 400 for a missing or invalid path and an invalid dtab override", async () => {
    expect((await delegation(WORKSHOP, "default", {})).status).toBe(400);
    await server?.close();
    expect(await delegation(WORKSHOP, "default", { path: "svc/world" })).toMatchObject({
      status: 400,
      body: expect.stringMatching(/^Invalid path: svc\/world/),
    });
    await server?.close();
    expect(await delegation(WORKSHOP, "default", { path: "/svc/world", dtab: "/a =>" })).toMatchObject({
      status: 400,
      body: expect.stringMatching(/^Invalid dtab: /),
    });
  });
});
