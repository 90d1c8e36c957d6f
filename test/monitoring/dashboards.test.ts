import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { type Dashboard, isQueryPanel, type QueryPanel } from "../../src/monitoring/dashboards/model.js";
import { dashboardQueries } from "../../src/monitoring/dashboards/queries.js";
import { renderDashboards } from "../../src/monitoring/dashboards/render.js";
import { createMetrics } from "../../src/runtime/metrics.js";
import { loadSet, serviceYaml } from "../controllers/ecs/support.js";
import { demoSet, PROMTOOL } from "./support.js";
import { tempDir } from "./temp-dir.js";

const monitoring = (grafana: string) =>
  `apiVersion: ecsmesh.io/v1alpha1\nkind: Monitoring\nmetadata: {name: monitoring}\nspec:\n  grafana: ${grafana}\n`;

const MESH_DC2 = `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: {name: demo}
spec:
  ecs: {cluster: demo, region: us-east-1}
  consul: {datacenter: dc2}
`;

const PORT = "image: w\nmemory: 64\nports: [{containerPort: 8080}]";

function dashboard(dashboards: readonly Dashboard[], uid: string): Dashboard {
  const found = dashboards.find((d) => d.uid === uid);
  if (!found) throw new Error(`no dashboard ${uid} among ${dashboards.map((d) => d.uid).join(", ")}`);
  return found;
}

function panel(board: Dashboard, title: string): QueryPanel {
  const found = board.panels.filter(isQueryPanel).find((p) => p.title === title);
  if (!found) throw new Error(`no panel "${title}" in ${board.uid}`);
  return found;
}

const exprs = (board: Dashboard, title: string) => panel(board, title).targets.map((t) => t.expr);

/** Titles of the query panels, in order. */
const titles = (board: Dashboard) => board.panels.filter(isQueryPanel).map((p) => p.title);

const rendered = renderDashboards(demoSet());

describe("renderDashboards", () => {
  it("renders what the manifest lists, with stable uids, the same every time", () => {
    expect(rendered.map((d) => d.uid)).toEqual([
      "linkerd-viz",
      "linkerd-health",
      "ecsmesh-service-hello",
      "ecsmesh-service-world",
      "ecsmesh-controller",
    ]);
    expect(renderDashboards(demoSet())).toEqual(rendered);
    for (const board of rendered) {
      expect(board.schemaVersion).toBe(39);
      expect(board.tags).toContain("ecsmesh");
      expect(board).not.toHaveProperty("id");
      expect(board).not.toHaveProperty("version");
    }
  });

  it("numbers panels uniquely, lays them on the grid, and gives every panel a query on the datasource variable", () => {
    for (const board of rendered) {
      const ids = board.panels.map((p) => p.id);
      expect(new Set(ids).size, board.uid).toBe(ids.length);
      expect(board.templating.list[0]).toMatchObject({
        type: "datasource",
        name: "DS_PROMETHEUS",
        query: "prometheus",
      });
      for (const p of board.panels) {
        expect(p.gridPos.x + p.gridPos.w, `${board.uid} ${p.title}`).toBeLessThanOrEqual(24);
        if (!isQueryPanel(p)) continue;
        expect(["timeseries", "stat"]).toContain(p.type);
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax.
        expect(p.datasource).toEqual({ type: "prometheus", uid: "${DS_PROMETHEUS}" });
        expect(p.targets.length, `${board.uid} ${p.title}`).toBeGreaterThan(0);
        for (const target of p.targets) {
          expect(target.expr).not.toBe("");
          expect(target.datasource).toEqual(p.datasource);
        }
        expect(new Set(p.targets.map((t) => t.refId)).size).toBe(p.targets.length);
      }
    }
  });

  it("lists each dashboard once even when a kind is listed twice, and none without a Monitoring manifest", () => {
    const set = demoSet(monitoring("{dashboards: [controller, services, controller]}"));
    expect(renderDashboards(set).map((d) => d.uid)).toEqual([
      "ecsmesh-controller",
      "ecsmesh-service-hello",
      "ecsmesh-service-world",
    ]);
    expect(renderDashboards(demoSet(monitoring("{dashboards: [linkerd-health]}"))).map((d) => d.uid)).toEqual(
      ["linkerd-health"],
    );
    const withoutMonitoring = loadSet(MESH_DC2, serviceYaml("world", "image: w\nmemory: 64"));
    expect(renderDashboards(withoutMonitoring)).toEqual([]);
  });
});

describe("linkerd-viz", () => {
  const viz = dashboard(rendered, "linkerd-viz");

  it("has linkerd-viz 0.2.0's variables: router, service (= client) and instance", () => {
    expect(viz.templating.list.map((v) => v.name)).toEqual([
      "DS_PROMETHEUS",
      "router",
      "service",
      "instance",
    ]);
    expect(viz.templating.list.slice(1)).toMatchObject([
      { query: "label_values(rt:client:requests, rt)", multi: false, includeAll: false },
      { query: 'label_values(rt:client:requests{rt=~"$router"}, client)', multi: true, allValue: ".*" },
      { query: "label_values(jvm:uptime, instance)", multi: true, allValue: ".*" },
    ]);
  });

  it("has the top row: services, instances, global success rate and volume, 4XX and 5XX", () => {
    const top = {
      "Services Monitored": 'count(count by (client) (rt:client:requests{rt=~"$router"}))',
      "linkerd Instances": "count(count by (instance) (jvm:uptime))",
      "Global Success Rate":
        'sum(irate(rt:client:success{rt=~"$router"}[1m])) / sum(irate(rt:client:requests{rt=~"$router"}[1m]))',
      "Global Request Volume": 'sum(irate(rt:client:requests{rt=~"$router"}[1m]))',
      "4XX Errors": 'sum(irate(rt:client:status:4XX{rt=~"$router"}[1m]))',
      "5XX Errors": 'sum(irate(rt:client:status:5XX{rt=~"$router"}[1m]))',
    };
    for (const [title, expr] of Object.entries(top)) {
      expect(panel(viz, title).type).toBe("stat");
      expect(exprs(viz, title)).toEqual([expr]);
    }
    expect(panel(viz, "Global Success Rate").fieldConfig.defaults.unit).toBe("percentunit");
  });

  it("shows success rate, volume and p95/p99 latency per client, and per instance", () => {
    const clients = 'rt=~"$router",client=~"$service",instance=~"$instance"';
    expect(exprs(viz, "Success Rates")).toEqual([
      `sum by (client) (irate(rt:client:success{${clients}}[1m])) / sum by (client) (irate(rt:client:requests{${clients}}[1m]))`,
    ]);
    expect(exprs(viz, "Request Volumes")).toEqual([
      `sum by (client) (irate(rt:client:requests{${clients}}[1m]))`,
    ]);
    expect(exprs(viz, "Latency")).toEqual([
      `max by (client) (rt:client:request_latency_ms{${clients},quantile="0.95"})`,
      `max by (client) (rt:client:request_latency_ms{${clients},quantile="0.99"})`,
    ]);
    expect(panel(viz, "Latency").targets.map((t) => t.legendFormat)).toEqual([
      "p95 {{client}}",
      "p99 {{client}}",
    ]);

    // One row per client, as linkerd-viz repeated it.
    const repeated = viz.panels.find((p) => p.type === "row" && p.repeat === "service");
    expect(repeated?.title).toBe("$service");
    expect(exprs(viz, "$service Success Rate")).toEqual([
      `sum by (instance) (irate(rt:client:success{${clients}}[1m])) / sum by (instance) (irate(rt:client:requests{${clients}}[1m]))`,
    ]);
    expect(exprs(viz, "$service Latency")).toEqual([
      `max(rt:client:request_latency_ms{${clients},quantile="0.95"})`,
      `max(rt:client:request_latency_ms{${clients},quantile="0.99"})`,
    ]);

    const servers = 'rt=~"$router",instance=~"$instance"';
    expect(exprs(viz, "Success Rate by Instance")).toEqual([
      `sum by (instance) (irate(rt:server:success{${servers}}[1m])) / sum by (instance) (irate(rt:server:requests{${servers}}[1m]))`,
    ]);
    expect(exprs(viz, "Request Volume by Instance")).toEqual([
      `sum by (instance) (irate(rt:server:requests{${servers}}[1m]))`,
    ]);
    expect(exprs(viz, "Latency by Instance")).toEqual([
      `max by (instance) (rt:server:request_latency_ms{${servers},quantile="0.95"})`,
      `max by (instance) (rt:server:request_latency_ms{${servers},quantile="0.99"})`,
    ]);
  });
});

describe("linkerd-health", () => {
  const health = dashboard(rendered, "linkerd-health");

  it("has the instance variable and the JVM panels", () => {
    expect(health.templating.list.map((v) => v.name)).toEqual(["DS_PROMETHEUS", "instance"]);
    expect(titles(health)).toEqual([
      "linkerd Instances",
      "Average Uptime",
      "Global CPUs Available",
      "Global Memory Usage",
      "GC Cycles",
      "GC Time Spent",
      "Heap Bytes Used",
      "Heap % Used",
      "Threads",
      "File Descriptors",
      "Uptime",
    ]);
    const instance = 'instance=~"$instance"';
    expect(exprs(health, "Global Memory Usage")).toEqual([
      `sum(jvm:heap:used{${instance}}) / sum(jvm:heap:max{${instance}})`,
    ]);
    expect(exprs(health, "GC Cycles")).toEqual([`irate(jvm:gc:cycles{${instance}}[1m])`]);
    expect(exprs(health, "GC Time Spent")).toEqual([`irate(jvm:gc:msec{${instance}}[1m])`]);
    expect(exprs(health, "Heap % Used")).toEqual([`jvm:heap:used{${instance}} / jvm:heap:max{${instance}}`]);
    expect(exprs(health, "Threads")).toEqual([`jvm:thread:count{${instance}}`]);
    expect(exprs(health, "File Descriptors")).toEqual([`jvm:fd_count{${instance}}`]);
    expect(exprs(health, "Global CPUs Available")).toEqual([`sum(jvm:num_cpus{${instance}})`]);
  });
});

describe("service dashboards", () => {
  it("follow each Service: its linkerd client, and its scrape targets when it has metrics", () => {
    const world = dashboard(rendered, "ecsmesh-service-world");
    expect(world.title).toBe("Service world");
    const client = 'client=~".*#/io.l5d.consul/dc1/world"';
    expect(exprs(world, "Success Rate")).toEqual([
      `sum(irate(rt:client:success{${client}}[1m])) / sum(irate(rt:client:requests{${client}}[1m]))`,
    ]);
    expect(exprs(world, "Request Volume by Router")).toEqual([
      `sum by (rt) (irate(rt:client:requests{${client}}[1m]))`,
    ]);
    expect(exprs(world, "Latency by Router")).toEqual([
      `max by (rt) (rt:client:request_latency_ms{${client},quantile="0.95"})`,
      `max by (rt) (rt:client:request_latency_ms{${client},quantile="0.99"})`,
    ]);
    expect(exprs(world, "Target Up")).toEqual(['up{job="services",service="world"}']);
    expect(exprs(world, "Targets Up")).toEqual(['sum(up{job="services",service="world"})']);

    // hello serves no metrics: linkerd's view only.
    const hello = dashboard(rendered, "ecsmesh-service-hello");
    expect(titles(hello)).toEqual([
      "Success Rate",
      "Request Volume",
      "Success Rate by Router",
      "Request Volume by Router",
      "Latency by Router",
    ]);
    expect(dashboardQueries([hello]).join("\n")).not.toContain("up{");
  });

  it("match the Consul name in the Mesh's datacenter, anchored so world-v2 stays apart", () => {
    const set = loadSet(
      MESH_DC2,
      serviceYaml("world", `${PORT}\ndiscovery: {consul: {name: world-svc}}`),
      serviceYaml("world-v2", `${PORT}\ndiscovery: {consul: {}}`),
      monitoring("{dashboards: [services]}"),
    );
    const [world, canary] = renderDashboards(set);
    expect(exprs(world as Dashboard, "Request Volume")).toEqual([
      'sum(irate(rt:client:requests{client=~".*#/io.l5d.consul/dc2/world-svc"}[1m]))',
    ]);
    expect(exprs(canary as Dashboard, "Request Volume")).toEqual([
      'sum(irate(rt:client:requests{client=~".*#/io.l5d.consul/dc2/world-v2"}[1m]))',
    ]);
  });

  it("keep uids within Grafana's 40 characters, distinct for long names alike at the start", () => {
    const long = (suffix: string) => `a-service-with-a-long-name-${"x".repeat(30)}-${suffix}`;
    const set = loadSet(
      MESH_DC2,
      serviceYaml(long("one"), "image: w\nmemory: 64"),
      serviceYaml(long("two"), "image: w\nmemory: 64"),
      monitoring("{dashboards: [services]}"),
    );
    const uids = renderDashboards(set).map((d) => d.uid);
    expect(new Set(uids).size).toBe(2);
    for (const uid of uids) {
      expect(uid.length).toBeLessThanOrEqual(40);
      expect(uid).toMatch(/^ecsmesh-service-a-service-with-[0-9a-f]{8}$/);
    }
    expect(renderDashboards(set).map((d) => d.uid)).toEqual(uids);
  });
});

describe("controller dashboard", () => {
  const controller = dashboard(rendered, "ecsmesh-controller");

  it("covers passes, readiness, API calls, staleness and leadership", () => {
    expect(titles(controller)).toEqual([
      "Last Successful Pass",
      "Leaders",
      "Resources Not Ready",
      "Failed Passes (1h)",
      "Pass Duration",
      "Passes by Outcome (5m)",
      "Resource Readiness",
      "API Request Rate",
      "API Errors and Throttling",
      "API Latency p95",
      "Leader by Replica",
    ]);
    expect(exprs(controller, "Pass Duration")).toEqual([
      'histogram_quantile(0.5, sum by (le, kind) (rate(ecsmesh_reconcile_duration_seconds_bucket{job="ecsmesh"}[5m])))',
      'histogram_quantile(0.95, sum by (le, kind) (rate(ecsmesh_reconcile_duration_seconds_bucket{job="ecsmesh"}[5m])))',
    ]);
    expect(exprs(controller, "API Errors and Throttling")).toEqual([
      'sum by (service, operation, outcome) (rate(ecsmesh_api_requests_total{job="ecsmesh",outcome!="ok"}[5m]))',
    ]);
    expect(exprs(controller, "Last Successful Pass")).toEqual([
      'time() - max(ecsmesh_last_successful_pass_timestamp_seconds{job="ecsmesh"})',
    ]);
  });

  it("reads only series the controller exports", async () => {
    const exported = new Set((await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
    const used = dashboardQueries([controller])
      .flatMap((expr) => expr.match(/ecsmesh_\w+/g) ?? [])
      .map((name) => name.replace(/_bucket$/, ""));
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(exported, name).toContain(name);
  });
});

describe("dashboardQueries", () => {
  const queries = dashboardQueries(rendered);

  it("gives every panel query once, with each template variable standing for any value", () => {
    const all = rendered.flatMap((d) =>
      d.panels.filter(isQueryPanel).flatMap((p) => p.targets.map((t) => t.expr)),
    );
    expect(queries.length).toBe(new Set(all).size);
    expect(queries.filter((q) => q.includes("$"))).toEqual([]);
    expect(queries).toContain(
      'sum(irate(rt:client:success{rt=~".*"}[1m])) / sum(irate(rt:client:requests{rt=~".*"}[1m]))',
    );
    expect(queries).toContain(
      'max(rt:client:request_latency_ms{rt=~".*",client=~".*",instance=~".*",quantile="0.95"})',
    );
  });

  it("refuses a query that uses a variable its dashboard does not define", () => {
    const viz = dashboard(rendered, "linkerd-viz");
    const broken = { ...viz, templating: { list: viz.templating.list.filter((v) => v.name !== "instance") } };
    expect(() => dashboardQueries([broken])).toThrow(/linkerd-viz.*unknown variable \$instance/);
  });

  it("are PromQL that promtool parses", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "dashboards.yml");
    const rules = queries.map(
      (expr, i) => `      - record: dashboard:query${i}\n        expr: ${JSON.stringify(expr)}`,
    );
    await writeFile(file, `groups:\n  - name: dashboards\n    rules:\n${rules.join("\n")}\n`);
    const { stdout } = await promisify(execFile)(PROMTOOL, ["check", "rules", file]);
    expect(stdout).toContain(`SUCCESS: ${queries.length} rules found`);
  });
});
