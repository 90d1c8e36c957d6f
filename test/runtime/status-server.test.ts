import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/runtime/metrics.js";
import { HOSTILE_NAME, REVISION, sampleStatus } from "./status-fixture.js";
import { startTestServer } from "./status-server-fixture.js";

describe("the status server", () => {
  it("answers /healthz and /readyz with 200 ok when alive and ready", async () => {
    const { server } = await startTestServer();
    for (const path of ["/healthz", "/readyz"]) {
      const response = await fetch(server.url + path);
      expect([path, response.status, await response.text()]).toEqual([path, 200, "ok\n"]);
      expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    }
  });

  it("answers 503 with the reason when not alive or not ready", async () => {
    const { server } = await startTestServer({
      health: () => ({ alive: false, ready: false, reason: "reconcile loop stuck for 10m" }),
    });
    for (const path of ["/healthz", "/readyz"]) {
      const response = await fetch(server.url + path);
      expect([response.status, await response.text()]).toEqual([503, "reconcile loop stuck for 10m\n"]);
    }
  });

  it("is live but not ready before the first fetch", async () => {
    const { server } = await startTestServer({
      health: () => ({ alive: true, ready: false, reason: "waiting for the first fetch" }),
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([503, "waiting for the first fetch\n"]);
  });

  it("serves the current status as JSON, never cached", async () => {
    let status = sampleStatus();
    const { server } = await startTestServer({ status: () => status });
    const first = await fetch(`${server.url}/status`);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(await first.json()).toEqual(sampleStatus());

    status = { ...status, lastAppliedRevision: "main@sha1:next" };
    const second = await fetch(`${server.url}/status?pretty=1`);
    expect(((await second.json()) as { lastAppliedRevision: string }).lastAppliedRevision).toBe(
      "main@sha1:next",
    );
  });

  it("serves Prometheus text exposition from the controller's registry", async () => {
    const metrics = createMetrics();
    metrics.setResources(sampleStatus().resources);
    const { server } = await startTestServer({ metrics });
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    expect(text).toContain('ecsmesh_resource_info{kind="Route",name="world-canary",target="namerd"');
    expect(text).toContain("# HELP ecsmesh_api_requests_total");
  });

  it("serves the page with its security headers", async () => {
    const { server } = await startTestServer();
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const page = await response.text();
    expect(page).toContain(REVISION);
    expect(page).not.toContain(HOSTILE_NAME);
  });

  it("answers HEAD like GET, without a body", async () => {
    const { server } = await startTestServer();
    const response = await fetch(`${server.url}/status`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get("content-length"))).toBeGreaterThan(0);
    expect(await response.text()).toBe("");
  });

  it("answers 404 for anything else", async () => {
    const { server } = await startTestServer();
    for (const path of ["/nope", "/status/", "/index.html", "/hooks/git", "//status"]) {
      expect([path, (await fetch(server.url + path)).status]).toEqual([path, 404]);
    }
  });

  it("answers 405 with Allow to writes on read-only routes", async () => {
    const { server } = await startTestServer();
    for (const path of ["/", "/healthz", "/readyz", "/status", "/metrics"]) {
      for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
        const response = await fetch(server.url + path, { method });
        expect([path, method, response.status, response.headers.get("allow")]).toEqual([
          path,
          method,
          405,
          "GET, HEAD",
        ]);
      }
    }
  });

  it("serves extra GET routes and refuses to shadow its own", async () => {
    const { server } = await startTestServer({
      extraRoutes: {
        "/sd/targets": (_, response) => {
          response.writeHead(200, { "Content-Type": "application/json" });
          response.end("[]");
        },
      },
    });
    const response = await fetch(`${server.url}/sd/targets`);
    expect([response.status, await response.text()]).toEqual([200, "[]"]);
    expect((await fetch(`${server.url}/sd/targets`, { method: "POST" })).status).toBe(405);
    await expect(startTestServer({ extraRoutes: { "/status": () => {} } })).rejects.toThrow(/\/status/);
  });

  it("answers 500 without details when producing the status fails", async () => {
    const { server } = await startTestServer({
      status: () => {
        throw new Error("secret detail");
      },
    });
    for (const path of ["/", "/status"]) {
      const response = await fetch(server.url + path);
      expect([response.status, await response.text()]).toEqual([500, "internal error\n"]);
    }
  });

  it("sets the security headers on every answer, routes of others included", async () => {
    const { server } = await startTestServer({
      extraRoutes: { "/sd/targets": (_, response) => void response.end("[]") },
    });
    for (const path of ["/", "/status", "/healthz", "/metrics", "/sd/targets", "/nope"]) {
      const response = await fetch(server.url + path);
      expect([path, response.headers.get("x-content-type-options")]).toEqual([path, "nosniff"]);
      expect([path, response.headers.get("x-frame-options")]).toEqual([path, "DENY"]);
      expect([path, response.headers.get("referrer-policy")]).toEqual([path, "no-referrer"]);
      expect(response.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
    }
  });

  it("listens on all interfaces by default and reports a reachable URL", async () => {
    const { server } = await startTestServer({ host: undefined });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("the status server with ECSMESH_STATUS_TOKEN", () => {
  const TOKEN = "read-only-token-for-the-page";

  it("answers / and /status only to a bearer of the token", async () => {
    const { server } = await startTestServer({ statusToken: TOKEN });
    for (const path of ["/", "/status"]) {
      for (const authorization of [undefined, "Bearer wrong", `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
        const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
        const response = await fetch(server.url + path, { headers });
        expect([path, authorization, response.status]).toEqual([path, authorization, 401]);
        expect(response.headers.get("www-authenticate")).toBe('Bearer realm="ecsmesh"');
        expect(await response.text()).not.toContain(REVISION);
      }
      const response = await fetch(server.url + path, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect([path, response.status]).toEqual([path, 200]);
      expect(await response.text()).toContain(REVISION);
    }
  });

  it("keeps the health checks, metrics and discovery open, for ECS and Prometheus", async () => {
    const { server } = await startTestServer({
      statusToken: TOKEN,
      extraRoutes: { "/sd/targets": (_, response) => void response.end("[]") },
    });
    for (const path of ["/healthz", "/readyz", "/metrics", "/sd/targets"]) {
      expect([path, (await fetch(server.url + path)).status]).toEqual([path, 200]);
    }
  });

  it("refuses to start with an empty token", async () => {
    await expect(startTestServer({ statusToken: "" })).rejects.toThrow(/empty/);
  });
});
