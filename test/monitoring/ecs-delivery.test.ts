import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderService } from "../../src/compile/ecs/render.js";
import { loadManifests } from "../../src/compile/load.js";
import { compileMesh } from "../../src/compile/mesh.js";
import { SdkEcsApi } from "../../src/controllers/ecs/ecs-client.js";
import { planEcsForMesh } from "../../src/controllers/ecs/reconcile.js";
import { FileInventoryStore } from "../../src/inventory/store.js";
import {
  GRAFANA_SERVICE,
  monitoringServices,
  PROMETHEUS_SERVICE,
} from "../../src/monitoring/ecs-delivery.js";
import { prometheusFiles } from "../../src/monitoring/prometheus-config.js";
import { type EcsServer, startEcsServer } from "../../src/sandbox/ecs/server.js";
import type { ManifestSet } from "../../src/specs/manifest-set.js";
import type { Service } from "../../src/specs/service.js";
import { serviceYaml } from "../controllers/ecs/support.js";
import { demoSet, MONITORING, monitoringOf, PROMTOOL } from "./support.js";
import { tempDir } from "./temp-dir.js";

const run = promisify(execFile);
const CONTROLLER = "http://ecsmesh.internal:8080";
const ECS_MONITORING = `${MONITORING}  delivery: {ecs: {}}\n`;

function services(set = demoSet(ECS_MONITORING)): Service[] {
  return monitoringServices(set, CONTROLLER);
}

function named(name: string, set?: ManifestSet): Service {
  const service = services(set).find((s) => s.metadata.name === name);
  if (!service) throw new Error(`no ${name}`);
  return service;
}

/** Runs a service's entry script up to its exec, with every (quoted, absolute) path under a temp dir. */
async function writeOut(service: Service): Promise<string> {
  const dir = await tempDir();
  const script = (service.spec.command?.[0] ?? "").split("\n").slice(0, -1).join("\n");
  await run("/bin/sh", ["-c", script.replaceAll(" '/", ` '${dir}/`)], { env: service.spec.env });
  return dir;
}

function fingerprint(name: string, set: ManifestSet): string {
  return renderService(set.mesh.manifest, named(name, set)).fingerprint;
}

describe("Monitoring's delivery.ecs", () => {
  it("runs nothing without it", () => {
    expect(services(demoSet())).toEqual([]);
  });

  it("runs Prometheus on its config, its rules and the controller's discovery", async () => {
    const prometheus = named(PROMETHEUS_SERVICE);
    expect(prometheus.spec).toMatchObject({
      image: "prom/prometheus:v3.5.0",
      entryPoint: ["/bin/sh", "-c"],
      desiredCount: 1,
      scheduling: "REPLICA",
      memory: 512,
      ports: [{ containerPort: 9090, name: "http" }],
      discovery: { consul: { name: PROMETHEUS_SERVICE, port: "http" } },
      metrics: { port: "http", path: "/metrics" },
    });
    expect(prometheus.spec.command?.[0]?.split("\n").at(-1)).toBe(
      "exec /bin/prometheus --config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/prometheus --web.enable-lifecycle",
    );

    const dir = path.join(await writeOut(prometheus), "etc/prometheus");
    const expected = prometheusFiles(monitoringOf(demoSet(ECS_MONITORING)), CONTROLLER);
    for (const [file, text] of expected) {
      expect(await readFile(path.join(dir, file), "utf8")).toBe(text);
    }
    const { stdout } = await run(PROMTOOL, ["check", "config", path.join(dir, "prometheus.yml")]);
    expect(stdout).toContain("2 rule files found");
    expect(stdout).toContain("is valid prometheus config file syntax");
  });

  it("runs Grafana with its dashboards and a datasource reached through linkerd", async () => {
    const grafana = named(GRAFANA_SERVICE);
    expect(grafana.spec).toMatchObject({
      image: "grafana/grafana:12.1.0",
      ports: [{ containerPort: 3000, name: "http" }],
      mesh: { outbound: true },
    });
    expect(grafana.spec.command?.[0]?.split("\n").at(-1)).toBe("exec /run.sh");

    const dir = await writeOut(grafana);
    const provider = await readFile(
      path.join(dir, "etc/grafana/provisioning/dashboards/ecsmesh.yaml"),
      "utf8",
    );
    expect(provider).toContain("path: /var/lib/grafana/dashboards/ecsmesh");
    const datasource = await readFile(
      path.join(dir, "etc/grafana/provisioning/datasources/ecsmesh.yaml"),
      "utf8",
    );
    expect(datasource).toContain(`url: http://${PROMETHEUS_SERVICE}`);
    const dashboard = JSON.parse(
      await readFile(path.join(dir, "var/lib/grafana/dashboards/ecsmesh/linkerd-viz.json"), "utf8"),
    );
    expect(dashboard.uid).toBe("linkerd-viz");
  });

  it("fits Grafana's files in ECS's 64 KiB task definition for the demo mesh", () => {
    const set = demoSet(ECS_MONITORING);
    const { taskDefinition } = renderService(set.mesh.manifest, named(GRAFANA_SERVICE, set));
    expect(JSON.stringify(taskDefinition).length).toBeLessThan(64 * 1024);
  });

  it("keeps the task definitions while nothing changes and rolls Prometheus when an alert does", () => {
    const before = demoSet(ECS_MONITORING);
    const changed = demoSet(ECS_MONITORING.replace("< 0.95", "< 0.9"));
    expect(fingerprint(PROMETHEUS_SERVICE, demoSet(ECS_MONITORING))).toBe(
      fingerprint(PROMETHEUS_SERVICE, before),
    );
    expect(fingerprint(GRAFANA_SERVICE, demoSet(ECS_MONITORING))).toBe(fingerprint(GRAFANA_SERVICE, before));
    expect(fingerprint(PROMETHEUS_SERVICE, changed)).not.toBe(fingerprint(PROMETHEUS_SERVICE, before));
    expect(fingerprint(GRAFANA_SERVICE, changed)).toBe(fingerprint(GRAFANA_SERVICE, before));
  });

  it("reserves the services' names while it is set", () => {
    const documents = (monitoring: string) =>
      [demoMesh(), serviceYaml(PROMETHEUS_SERVICE, "image: x:1\nmemory: 64"), monitoring].map((text, i) => ({
        file: `m${i}.yaml`,
        text,
      }));
    const result = loadManifests(documents(ECS_MONITORING));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.diagnostics.map((d) => d.message)).toEqual([
        `"${PROMETHEUS_SERVICE}" is the name of a service Monitoring's delivery.ecs runs; pick another or remove delivery.ecs`,
      ]);
    }
    expect(loadManifests(documents(MONITORING)).ok).toBe(true);
  });
});

function demoMesh(): string {
  return "apiVersion: ecsmesh.io/v1alpha1\nkind: Mesh\nmetadata: {name: demo}\nspec:\n  ecs: {cluster: demo, region: us-east-1}\n";
}

describe("planEcsForMesh with delivery.ecs", () => {
  let server: EcsServer;

  beforeEach(async () => {
    server = await startEcsServer({ clusters: ["demo-cluster"], faults: { throttling: false } });
  });

  afterEach(async () => {
    await server.close();
  });

  async function desiredNames(set: ManifestSet): Promise<string[]> {
    const api = new SdkEcsApi({
      region: "us-east-1",
      endpoint: server.url,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      policy: { retries: 2, minBackoffMs: 10, maxBackoffMs: 50, timeoutMs: 5_000 },
    });
    const store = new FileInventoryStore(path.join(await tempDir(), "inventory.json"));
    const planned = await planEcsForMesh(
      compileMesh(set, { controllerUrl: CONTROLLER }),
      { api, store, cache: new Map() },
      { allowMassPrune: false, adopt: false },
    );
    return planned.desired.map((d) => d.name);
  }

  it("adds Prometheus and Grafana next to the linkerd daemon, only when asked", async () => {
    expect(await desiredNames(demoSet(ECS_MONITORING))).toEqual([
      "world",
      "hello",
      "linkerd",
      PROMETHEUS_SERVICE,
      GRAFANA_SERVICE,
    ]);
    expect(await desiredNames(demoSet())).toEqual(["world", "hello", "linkerd"]);
  });
});
