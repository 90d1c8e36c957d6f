import { describe, expect, it } from "vitest";
import { startNamerdServer } from "../../../src/sandbox/namerd/server.js";

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
}

/** GET /api/1/delegate/<namespace>?<query> from a namerd holding `dtabs`. */
async function delegation(
  dtabs: Record<string, string>,
  namespace: string,
  query: Record<string, string>,
): Promise<Answer> {
  const server = await startNamerdServer({ namespaces: dtabs });
  try {
    const response = await fetch(`${server.url}/api/1/delegate/${namespace}?${new URLSearchParams(query)}`);
    return {
      status: response.status,
      contentType: response.headers.get("content-type"),
      text: await response.text(),
    };
  } finally {
    await server.close();
  }
}

/** The delegation tree namerd answers with. */
async function tree(
  dtabs: Record<string, string>,
  namespace: string,
  query: Record<string, string>,
): Promise<unknown> {
  const answer = await delegation(dtabs, namespace, query);
  expect(answer).toMatchObject({ status: 200, contentType: "application/json" });
  return JSON.parse(answer.text);
}

const WORKSHOP = { default: "/svc => /#/io.l5d.consul/dc1;" };
const SVC = { prefix: "/svc", dst: "/#/io.l5d.consul/dc1" };
const bound = (id: string) => ({ addr: { type: "pending" }, id, path: "/" });

describe("delegation", () => {
  it("resolves the workshop's /svc/world through the Consul namer", async () => {
    expect(await tree(WORKSHOP, "default", { path: "/svc/world" })).toEqual({
      type: "delegate",
      path: "/svc/world",
      delegate: {
        type: "leaf",
        path: "/#/io.l5d.consul/dc1/world",
        dentry: SVC,
        bound: bound("/#/io.l5d.consul/dc1/world"),
      },
    });
  });

  it("appends the dtab= override, which wins over the namespace's dentries", async () => {
    const body = await tree(WORKSHOP, "default", { path: "/svc/world", dtab: "/svc/world => /svc/world-v2" });
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
    const { text } = await delegation({ yeezus: "/yeezy => /yeezus" }, "yeezus", { path: "/yeezy" });
    expect(text).toBe(
      '{"type":"delegate","path":"/yeezy","delegate":{"type":"neg","path":"/yeezus","dentry":{"prefix":"/yeezy","dst":"/yeezus"}}}',
    );
  });

  it("splits a weighted canary into a union and folds alternations like namerd", async () => {
    const canary = "/svc/world => 9 * /#/io.l5d.consul/dc1/world & 1 * /#/io.l5d.consul/dc1/world-v2";
    const body = await tree({ default: canary }, "default", { path: "/svc/world" });
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
    const nodes = (path: string) => tree({ n: dtab }, "n", { path });
    expect(await nodes("/a")).toMatchObject({
      type: "alt",
      path: "/a",
      alt: [
        { type: "neg", path: "~" },
        { type: "leaf", path: "/$/inet/127.0.0.1/8080", bound: bound("/$/inet/127.0.0.1/8080") },
      ],
    });
    expect(await nodes("/b")).toMatchObject({
      type: "delegate",
      path: "/b",
      delegate: { type: "fail", path: "!" },
    });
    expect(await nodes("/c")).toMatchObject({
      type: "delegate",
      delegate: { type: "fail", path: "/$/fail" },
    });
  });

  it("reports a loop as an exception node", async () => {
    const { text } = await delegation({ loop: "/a => /b; /b => /a" }, "loop", { path: "/a" });
    expect(text).toContain('"type":"exception"');
    expect(text).toContain("delegation loops: /a -> /b -> /a");
  });

  it("falls back to an earlier dentry, matches * against any label, and keeps $ and /$/nil empty", async () => {
    const dtab = "/svc => /#/io.l5d.consul/dc1; /svc/*/v2 => ~; /svc/empty => $ | /$/nil";
    const nodes = (path: string) => tree({ n: dtab }, "n", { path });
    expect(await nodes("/svc/world/v2")).toMatchObject({
      type: "alt",
      path: "/svc/world/v2",
      alt: [
        { type: "neg", path: "~", dentry: { prefix: "/svc/*/v2", dst: "~" } },
        { type: "leaf", path: "/#/io.l5d.consul/dc1/world/v2" },
      ],
    });
    // The destination's own alt folds into the alt of the two matching dentries: both stand for /svc/empty.
    expect(await nodes("/svc/empty")).toMatchObject({
      type: "alt",
      path: "/svc/empty",
      alt: [
        { type: "empty", path: "/svc/empty" },
        { type: "empty", path: "/$/nil" },
        { type: "leaf", path: "/#/io.l5d.consul/dc1/empty" },
      ],
    });
  });

  it("gives up after namerd's 100 rewrites along one chain", async () => {
    const chain = Array.from({ length: 120 }, (_, i) => `/p${i} => /p${i + 1}`).join(";");
    const { text } = await delegation({ long: chain }, "long", { path: "/p0" });
    expect(text).toContain('"type":"exception","path":"/p100"');
    expect(text).toContain('"message":"Max recursion level reached."');
  });

  it("delegates with an empty dtab in a namespace that has none", async () => {
    expect(await tree({}, "ghost", { path: "/svc/world" })).toEqual({ type: "neg", path: "/svc/world" });
  });

  it("answers 400 for a missing or invalid path and an invalid dtab override", async () => {
    expect((await delegation(WORKSHOP, "default", {})).status).toBe(400);
    expect(await delegation(WORKSHOP, "default", { path: "svc/world" })).toMatchObject({
      status: 400,
      text: expect.stringMatching(/^Invalid path: svc\/world/),
    });
    expect(await delegation(WORKSHOP, "default", { path: "/svc/world", dtab: "/a =>" })).toMatchObject({
      status: 400,
      text: expect.stringMatching(/^Invalid dtab: /),
    });
  });
});
