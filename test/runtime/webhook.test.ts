import { createHmac } from "node:crypto";
import { request } from "node:http";
import { describe, expect, it, vi } from "vitest";
import { MAX_WEBHOOK_BODY_BYTES } from "../../src/runtime/http-server.js";
import { RecentDeliveries, verifySignature } from "../../src/runtime/webhook.js";
import { startTestServer } from "./status-server-fixture.js";

const SECRET = "It's a Secret to Everybody";
const BODY = Buffer.from("Hello, World!");
// GitHub's documented example: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
const GITHUB_EXAMPLE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

const sign = (body: Buffer | string, secret = SECRET) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

describe("verifySignature", () => {
  it("accepts GitHub's documented example", () => {
    expect(verifySignature(SECRET, BODY, GITHUB_EXAMPLE)).toBe(true);
    expect(verifySignature(SECRET, BODY, GITHUB_EXAMPLE.toUpperCase().replace("SHA256=", "sha256="))).toBe(
      true,
    );
  });

  it.each([
    ["a missing header", undefined],
    ["an empty header", ""],
    ["no sha256= prefix", GITHUB_EXAMPLE.slice("sha256=".length)],
    ["the sha1 scheme", "sha1=757107ea0eb2509fc211221cce984b8a37570b6d"],
    ["a truncated digest", GITHUB_EXAMPLE.slice(0, -2)],
    ["trailing garbage", `${GITHUB_EXAMPLE}zz`],
    ["non-hex characters", `sha256=${"g".repeat(64)}`],
    ["another body's signature", sign("Hello, World?")],
    ["another secret's signature", sign(BODY, "guess")],
  ])("refuses %s", (_, header) => {
    expect(verifySignature(SECRET, BODY, header)).toBe(false);
  });

  it("never verifies with an empty secret", () => {
    expect(verifySignature("", BODY, sign(BODY, ""))).toBe(false);
  });
});

describe("POST /hooks/git", () => {
  async function serverWithHook() {
    const onPush = vi.fn();
    const { server } = await startTestServer({ webhook: { secret: SECRET, onPush } });
    const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/hooks/git`, { method: "POST", body, headers });
    return { server, onPush, post };
  }

  it("accepts a signed delivery with 202 and asks for a fetch", async () => {
    const { onPush, post } = await serverWithHook();
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const response = await post(body, { "X-Hub-Signature-256": sign(body), "X-GitHub-Event": "push" });
    expect(response.status).toBe(202);
    expect(onPush).toHaveBeenCalledTimes(1);
  });

  it.each([
    ["missing", {}],
    ["wrong", { "X-Hub-Signature-256": sign("something else") }],
    ["malformed", { "X-Hub-Signature-256": "sha256=nothex" }],
  ])("refuses a %s signature with 401 and does nothing", async (_, headers: Record<string, string>) => {
    const { onPush, post } = await serverWithHook();
    const response = await post('{"ref":"refs/heads/main"}', headers);
    expect(response.status).toBe(401);
    expect(await response.text()).toContain("X-Hub-Signature-256");
    expect(onPush).not.toHaveBeenCalled();
  });

  it("refuses a body over 1 MiB with 413, even when signed", async () => {
    const { onPush, post } = await serverWithHook();
    const body = Buffer.alloc(MAX_WEBHOOK_BODY_BYTES + 1, "a");
    const response = await post(body, { "X-Hub-Signature-256": sign(body) });
    expect(response.status).toBe(413);
    expect(onPush).not.toHaveBeenCalled();
  });

  it("stops reading a chunked body without a length once it passes 1 MiB", async () => {
    const { server, onPush } = await serverWithHook();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const outgoing = request(`${server.url}/hooks/git`, {
        method: "POST",
        headers: { "X-Hub-Signature-256": sign("") },
      });
      outgoing.on("error", reject).on("response", (response) => {
        resolve(response.statusCode);
        outgoing.destroy();
      });
      const chunk = Buffer.alloc(64 * 1024, "a");
      // Twice the cap, written as the server reads; the answer must come before the body ends.
      let sent = 0;
      const pump = () => {
        while (sent < 2 * MAX_WEBHOOK_BODY_BYTES && outgoing.write(chunk)) sent += chunk.length;
        if (sent < 2 * MAX_WEBHOOK_BODY_BYTES) outgoing.once("drain", pump);
      };
      pump();
    });
    expect(status).toBe(413);
    expect(onPush).not.toHaveBeenCalled();
  });

  it("accepts exactly 1 MiB", async () => {
    const { onPush, post } = await serverWithHook();
    const body = Buffer.alloc(MAX_WEBHOOK_BODY_BYTES, "a");
    expect((await post(body, { "X-Hub-Signature-256": sign(body) })).status).toBe(202);
    expect(onPush).toHaveBeenCalledTimes(1);
  });

  it("takes a signed delivery once: a replay gets 409 and triggers nothing", async () => {
    const { onPush, post } = await serverWithHook();
    const body = JSON.stringify({ ref: "refs/heads/main", after: "1".repeat(40) });
    const headers = { "X-Hub-Signature-256": sign(body), "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab" };
    expect((await post(body, headers)).status).toBe(202);
    const replay = await post(body, headers);
    expect([replay.status, await replay.text()]).toEqual([409, "delivery already received\n"]);
    expect(onPush).toHaveBeenCalledTimes(1);
  });

  it("refuses a replayed body under a fresh delivery id, which the signature does not cover", async () => {
    const { onPush, post } = await serverWithHook();
    const body = JSON.stringify({ ref: "refs/heads/main", after: "2".repeat(40) });
    const delivery = (id: string) => ({ "X-Hub-Signature-256": sign(body), "X-GitHub-Delivery": id });
    expect((await post(body, delivery("first"))).status).toBe(202);
    expect((await post(body, delivery("second"))).status).toBe(409);
    expect((await post(body, { "X-Hub-Signature-256": sign(body) })).status).toBe(409);
    expect(onPush).toHaveBeenCalledTimes(1);
  });

  it("takes every distinct delivery", async () => {
    const { onPush, post } = await serverWithHook();
    for (const after of ["3", "4", "5"]) {
      const body = JSON.stringify({ ref: "refs/heads/main", after: after.repeat(40) });
      expect((await post(body, { "X-Hub-Signature-256": sign(body) })).status).toBe(202);
    }
    expect(onPush).toHaveBeenCalledTimes(3);
  });

  it("only takes POST", async () => {
    const { server } = await serverWithHook();
    const response = await fetch(`${server.url}/hooks/git`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });

  it("does not exist without a secret", async () => {
    const { server } = await startTestServer();
    const response = await fetch(`${server.url}/hooks/git`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
  });

  it("refuses to start with an empty secret", async () => {
    await expect(startTestServer({ webhook: { secret: "", onPush: () => {} } })).rejects.toThrow(/empty/);
  });
});

describe("RecentDeliveries", () => {
  it("remembers a delivery for its window, then forgets it", () => {
    let now = 0;
    const recent = new RecentDeliveries({ windowMs: 60_000, capacity: 10, now: () => now });
    expect(recent.firstTime(BODY)).toBe(true);
    expect(recent.firstTime(BODY)).toBe(false);
    now = 59_999;
    expect(recent.firstTime(BODY)).toBe(false);
    now = 60_000;
    expect(recent.firstTime(BODY)).toBe(true);
  });

  it("holds at most its capacity, forgetting the oldest first", () => {
    const recent = new RecentDeliveries({ windowMs: 60_000, capacity: 3, now: () => 0 });
    for (const body of ["a", "b", "c", "d"]) expect(recent.firstTime(Buffer.from(body))).toBe(true);
    expect(recent.size).toBe(3);
    expect(recent.firstTime(Buffer.from("d"))).toBe(false);
    expect(recent.firstTime(Buffer.from("a"))).toBe(true);
  });
});
