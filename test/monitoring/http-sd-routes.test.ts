import { describe, expect, it } from "vitest";
import type { ScrapeTargets } from "../../src/controllers/monitoring/discovery.js";
import { sdRoutes } from "../../src/runtime/sd-routes.js";
import { startTestServer } from "../runtime/status-server-fixture.js";

const LINKERD = { targets: ["10.0.0.5:9990"], labels: { __metrics_path__: "/admin/metrics/prometheus" } };
const WORLD = { targets: ["10.0.0.5:32768"], labels: { service: "world" } };

describe("the http_sd routes", () => {
  it("serve the linkerd and service targets as JSON with the media type Prometheus requires", async () => {
    const { server } = await startTestServer({
      extraRoutes: sdRoutes(() => ({ linkerd: [LINKERD], services: [WORLD] })),
    });
    for (const [path, expected] of [
      ["/sd/linkerd", [LINKERD]],
      ["/sd/services", [WORLD]],
    ] as const) {
      const response = await fetch(server.url + path);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(await response.json()).toEqual(expected);
    }
  });

  it("ask for the targets on every request, so each refresh sees the latest tasks", async () => {
    let targets: ScrapeTargets = { linkerd: [], services: [] };
    const { server } = await startTestServer({ extraRoutes: sdRoutes(() => targets) });
    expect(await (await fetch(`${server.url}/sd/services`)).json()).toEqual([]);
    targets = { linkerd: [], services: [WORLD] };
    expect(await (await fetch(`${server.url}/sd/services`)).json()).toEqual([WORLD]);
  });
});
