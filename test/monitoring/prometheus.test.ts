import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdDaemon } from "../../src/compile/linkerd/daemon.js";
import type { RunningTask } from "../../src/controllers/ecs/tasks.js";
import { linkerdTargets, serviceTargets } from "../../src/controllers/monitoring/discovery.js";
import { writeChangedFiles } from "../../src/controllers/monitoring/files.js";
import { dashboardQueries } from "../../src/monitoring/dashboards/queries.js";
import { renderDashboards } from "../../src/monitoring/dashboards/render.js";
import { prometheusFiles } from "../../src/monitoring/prometheus-config.js";
import { alertingRules, shippedExpressions } from "../../src/monitoring/rules.js";
import { type StatusServer, startStatusServer } from "../../src/runtime/http-server.js";
import { createMetrics } from "../../src/runtime/metrics.js";
import { sdRoutes } from "../../src/runtime/sd-routes.js";
import type { ManifestSet } from "../../src/specs/manifest-set.js";
import { sampleStatus } from "../runtime/status-fixture.js";
import { type ExpositionServer, linkerdExposition, startExpositionServer } from "./exposition-server.js";
import { type RunningPrometheus, startPrometheus } from "./prometheus-process.js";
import { demoSet, monitoringOf, runningTask, WORLD_CLIENT } from "./support.js";
import { tempDir } from "./temp-dir.js";

const userServices = (set: ManifestSet) => set.services.map((s) => s.manifest);

interface QueryResult {
  status: string;
  error?: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

interface TargetsResult {
  data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
}

const JOBS = ["linkerd", "services", "ecsmesh", "standin"];

let linkerd: ExpositionServer;
let world: ExpositionServer;
let controller: StatusServer;
let prometheus: RunningPrometheus;
let alertExpressions: string[];
let dashboardSet: ManifestSet;

beforeAll(async () => {
  linkerd = await startExpositionServer("/admin/metrics/prometheus", (n) =>
    linkerdExposition(WORLD_CLIENT, n),
  );
  world = await startExpositionServer("/prom", (n) => `http_requests_total{code="200"} ${10 * n}\n`);
  // Every second, so a rate over 1m has its two samples within seconds; an extra static job too.
  const set = demoSet(`apiVersion: ecsmesh.io/v1alpha1
kind: Monitoring
metadata: {name: monitoring}
spec:
  prometheus:
    scrapeInterval: 1s
    evaluationInterval: 1s
    extraJobs: [{name: standin, targets: ["127.0.0.1:${world.port}"], metricsPath: /prom}]
    alerts:
      - name: WorldSuccessRateLow
        expr: sum(rate(rt:client:success[1m])) / sum(rate(rt:client:requests[1m])) < 0.95
        for: 1s
        summary: world's success rate through linkerd is under 95%
`);
  const monitoring = monitoringOf(set);
  alertExpressions = alertingRules(monitoring).map((rule) => rule.expr);
  dashboardSet = set;
  // As ECS would report them: linkerd's admin port 9990 and world's 8080 bound to the stand-ins' ports.
  const tasks: RunningTask[] = [
    runningTask("linkerd", "l5d-1", { address: "127.0.0.1", ports: new Map([[9990, linkerd.port]]) }),
    runningTask("world", "world-1", { address: "127.0.0.1", ports: new Map([[8080, world.port]]) }),
  ];
  const daemon = linkerdDaemon(set);
  controller = await startStatusServer({
    host: "127.0.0.1",
    port: 0,
    status: sampleStatus,
    health: () => ({ alive: true, ready: true, reason: "ok" }),
    metrics: createMetrics(),
    extraRoutes: sdRoutes(() => ({
      linkerd: linkerdTargets(set, daemon, tasks),
      services: serviceTargets(set, userServices(set), tasks),
    })),
  });
  const dir = await tempDir();
  await writeChangedFiles(dir, ".", prometheusFiles(monitoring, controller.url));
  prometheus = await startPrometheus(dir);
}, 30_000);

afterAll(async () => {
  await prometheus?.stop();
  await Promise.all([controller?.close(), linkerd?.close(), world?.close()]);
});

async function api<T>(path: string): Promise<T> {
  const response = await fetch(prometheus.url + path);
  return (await response.json()) as T;
}

const query = (expr: string) => api<QueryResult>(`/api/v1/query?query=${encodeURIComponent(expr)}`);

/** Polls `probe` until it returns a value, or fails with the last thing it saw. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms\n${prometheus.log()}`);
    await sleep(250);
  }
}

describe("the generated Prometheus setup, run by the real Prometheus", () => {
  it("finds linkerd and the services through the controller's http_sd and scrapes every job", async () => {
    const targets = await eventually("every target up", async () => {
      const { data } = await api<TargetsResult>("/api/v1/targets?state=active");
      const up = JOBS.every((job) =>
        data.activeTargets.some((t) => t.labels.job === job && t.health === "up"),
      );
      return up ? data.activeTargets : undefined;
    });
    expect(targets.find((t) => t.labels.job === "linkerd")?.labels).toMatchObject({
      instance: `127.0.0.1:${linkerd.port}`,
      mesh: "l5d-demo",
      task: "l5d-1",
      task_definition: "l5d-demo-linkerd:3",
      availability_zone: "us-east-1a",
    });
    expect(targets.find((t) => t.labels.job === "services")?.labels).toMatchObject({
      service: "world",
      task: "world-1",
    });
  });

  it("keeps linkerd's own service label on its rt:service series", async () => {
    const { data } = await query("rt:service:requests");
    expect(data.result.map((r) => [r.metric.service, r.metric.exported_service])).toEqual([
      ["/svc/world", undefined],
    ]);
  });

  it("evaluates every shipped expression and every alert without error", async () => {
    // Every expression we ship: recording rules, the manifest's alerts, and every dashboard panel.
    const expressions = [
      ...shippedExpressions(),
      ...alertExpressions,
      ...dashboardQueries(renderDashboards(dashboardSet)),
    ];
    const answers = await Promise.all(expressions.map(async (expr) => [expr, (await query(expr)).status]));
    expect(answers).toEqual(expressions.map((expr) => [expr, "success"]));
  });

  it("records the world client's success rate from linkerd's counters", async () => {
    const rate = await eventually("a recorded success rate", async () => {
      const { data } = await query(`rt_client:success_rate:rate1m{client="${WORLD_CLIENT}"}`);
      return data.result[0]?.value[1];
    });
    expect(Number(rate)).toBeCloseTo(0.97, 5);
    const latency = await query(`rt_client:request_latency_ms:max{client="${WORLD_CLIENT}"}`);
    expect(latency.data.result.map((r) => r.metric.quantile).sort()).toEqual(["0.95", "0.99"]);
  });
});
