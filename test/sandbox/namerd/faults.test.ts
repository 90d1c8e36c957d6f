import { afterEach, describe, expect, it } from "vitest";
import { type NamerdServer, startNamerdServer } from "../../../src/sandbox/namerd/server.js";

let server: NamerdServer;
afterEach(async () => {
  await server.close();
});

const BASE = "/svc => /#/io.l5d.consul/dc1;";

describe("call counts", () => {
  it("counts each operation and its outcome, and only dtab changes as writes", async () => {
    server = await startNamerdServer({ namespaces: { default: BASE } });
    const api = `${server.url}/api/1`;
    const text = { "Content-Type": "application/dtab" };
    await fetch(`${api}/dtabs`);
    await fetch(`${api}/dtabs/default`);
    await fetch(`${api}/dtabs/default`, { method: "HEAD" });
    await fetch(`${api}/dtabs/default`, { method: "POST", body: BASE, headers: text });
    await fetch(`${api}/dtabs/other`, { method: "POST", body: BASE, headers: text });
    await fetch(`${api}/dtabs/other`, { method: "PUT", body: BASE, headers: { ...text, "If-Match": "x" } });
    await fetch(`${api}/dtabs/other`, { method: "DELETE" });
    await fetch(`${api}/delegate/default?path=/svc/world`);
    await fetch(`${server.url}/elsewhere`);
    expect(server.calls.snapshot()).toEqual({
      "(unrouted)": { total: 1, ok: 0, throttled: 0, connectionResets: 0, errors: { "404": 1 } },
      CreateDtab: { total: 2, ok: 1, throttled: 0, connectionResets: 0, errors: { "409": 1 } },
      Delegate: { total: 1, ok: 1, throttled: 0, connectionResets: 0, errors: {} },
      DeleteDtab: { total: 1, ok: 1, throttled: 0, connectionResets: 0, errors: {} },
      GetDtab: { total: 2, ok: 2, throttled: 0, connectionResets: 0, errors: {} },
      ListDtabs: { total: 1, ok: 1, throttled: 0, connectionResets: 0, errors: {} },
      UpdateDtab: { total: 1, ok: 0, throttled: 0, connectionResets: 0, errors: { "412": 1 } },
    });
    expect(server.calls.writes()).toBe(4);
    expect(server.calls.total()).toBe(9);
  });
});

describe("faults", () => {
  it("answers 500 at the server error rate, without touching the dtabs", async () => {
    server = await startNamerdServer({ namespaces: { default: BASE }, faults: { serverErrorRate: 1 } });
    const response = await fetch(`${server.url}/api/1/dtabs/default`, { method: "DELETE" });
    expect(response.status).toBe(500);
    expect(server.dtabs.list()).toEqual(["default"]);
    expect(server.calls.get("DeleteDtab").errors).toEqual({ "500": 1 });
  });

  it("throttles with 429 at the throttle rate, counted as throttled", async () => {
    server = await startNamerdServer({ namespaces: { default: BASE }, faults: { throttleRate: 1 } });
    const response = await fetch(`${server.url}/api/1/dtabs/default`, { method: "DELETE" });
    expect(response.status).toBe(429);
    expect(server.dtabs.list()).toEqual(["default"]);
    expect(server.calls.get("DeleteDtab")).toMatchObject({ total: 1, throttled: 1, errors: {} });
  });

  it("resets connections at the reset rate", async () => {
    server = await startNamerdServer({ faults: { connectionResetRate: 1 } });
    await expect(fetch(`${server.url}/api/1/dtabs`)).rejects.toThrow();
    expect(server.calls.get("ListDtabs").connectionResets).toBe(1);
  });

  it("adds latency, and takes new settings at runtime", async () => {
    server = await startNamerdServer({ faults: { latencyMs: 60 } });
    const started = performance.now();
    expect((await fetch(`${server.url}/api/1/dtabs`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    server.faults.configure({ latencyMs: 0, serverErrorRate: 1 });
    expect((await fetch(`${server.url}/api/1/dtabs`)).status).toBe(500);
  });

  it("listens on the port it is given", async () => {
    const probe = await startNamerdServer();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    server = await startNamerdServer({ port });
    expect(server.url).toBe(`http://127.0.0.1:${port}`);
  });
});
