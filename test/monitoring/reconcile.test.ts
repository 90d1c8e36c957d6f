import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileMesh } from "../../src/compile/mesh.js";
import { HttpGrafanaApi } from "../../src/controllers/monitoring/grafana-client.js";
import { reconcileMonitoring } from "../../src/controllers/monitoring/reconcile.js";
import { type GrafanaServer, startGrafanaServer } from "../../src/sandbox/grafana/server.js";
import { ScopedToken } from "../../src/util/endpoint-trust.js";
import { loadSet, serviceYaml } from "../controllers/ecs/support.js";

const MESH = `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: {name: demo}
spec:
  ecs: {cluster: demo, region: us-east-1}
  linkerd: {daemon: {enabled: false}}
`;
const monitoring = (url: string) => `apiVersion: ecsmesh.io/v1alpha1
kind: Monitoring
metadata: {name: monitoring}
spec:
  grafana: {folder: demo}
  delivery: {directory: out, grafanaUrl: "${url}"}
`;

let grafana: GrafanaServer;
beforeAll(async () => {
  grafana = await startGrafanaServer();
});
afterAll(async () => {
  await grafana.close();
});

describe("the monitoring target", () => {
  it("writes Prometheus and Grafana files and pushes dashboards, then changes nothing on the next pass", async () => {
    const set = loadSet(
      MESH,
      serviceYaml("api", "image: api:1\nmemory: 64\nports: [{containerPort: 8080}]"),
      monitoring(grafana.url),
    );
    const desired = compileMesh(set, { controllerUrl: "http://127.0.0.1:8080" });
    const base = await mkdtemp(path.join(tmpdir(), "ecsmesh-monitoring-"));
    const token = new ScopedToken("GRAFANA_TOKEN", grafana.token, {
      endpointVariable: "GRAFANA_URL",
      endpoint: grafana.url,
      allowList: [],
    });
    const api = new HttpGrafanaApi({ url: grafana.url, token });
    const first = await reconcileMonitoring(desired, [], base, api, "test");
    expect(first.directory).toBe(path.join(base, "out"));
    expect(first.filesWritten).toEqual(
      expect.arrayContaining([
        "prometheus.yml",
        "rules/linkerd.yml",
        "rules/alerts.yml",
        "grafana/provisioning/dashboards/ecsmesh.yaml",
      ]),
    );
    expect((await readdir(path.join(base, "out", "grafana", "dashboards"))).sort()).toEqual(
      [
        "ecsmesh-controller.json",
        "ecsmesh-service-api.json",
        "linkerd-health.json",
        "linkerd-viz.json",
      ].sort(),
    );
    expect(first.grafana?.pushed.length).toBe(4);

    grafana.calls.reset();
    const second = await reconcileMonitoring(desired, [], base, api, "test");
    expect(second.filesWritten).toEqual([]);
    expect(second.grafana).toMatchObject({ pushed: [], unchanged: expect.arrayContaining(["linkerd-viz"]) });
    expect(grafana.calls.writes()).toBe(0);
  });
});
