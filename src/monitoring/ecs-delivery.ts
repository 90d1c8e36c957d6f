import path from "node:path";
import type { z } from "zod";
import { API_VERSION } from "../specs/common.js";
import type { ManifestSet } from "../specs/manifest-set.js";
import { Service, type ServiceSpec } from "../specs/service.js";
import { generatedYaml } from "./generated-yaml.js";
import { GRAFANA_DASHBOARDS_DIR, grafanaProvisioningFiles } from "./grafana-provisioning.js";
import { prometheusFiles } from "./prometheus-config.js";

/** The names `delivery.ecs` takes for its services (and their Consul registration); a Service manifest may not. */
export const PROMETHEUS_SERVICE = "ecsmesh-prometheus";
export const GRAFANA_SERVICE = "ecsmesh-grafana";
export const MONITORING_SERVICES: readonly string[] = [PROMETHEUS_SERVICE, GRAFANA_SERVICE];

/**
 * Where Prometheus reaches the controller when the caller does not say: the controller's ECS
 * service name, which resolves only where the cluster's DNS (Consul DNS or a Cloud Map namespace
 * searched by the nodes) knows it. Callers that know the real URL pass it.
 */
export const DEFAULT_CONTROLLER_URL = "http://ecsmesh-controller:8080";

const PROMETHEUS_DIR = "/etc/prometheus";
const PROMETHEUS_PORT = 9090;
const GRAFANA_PORT = 3000;
const GRAFANA_PROVISIONING_DIR = "/etc/grafana/provisioning";
const GRAFANA_DASHBOARDS_PATH = "/var/lib/grafana/dashboards/ecsmesh";
const MEMORY = 512;

/**
 * Grafana reaches Prometheus by name through the node-local linkerd (`mesh.outbound` sets its
 * http_proxy, which Go's HTTP client honours), as every meshed Service does: linkerd resolves
 * `ecsmesh-prometheus` in Consul, where Prometheus is registered. No address is baked in.
 */
const DATASOURCE_FILE = "datasources/ecsmesh.yaml";
const DATASOURCE = generatedYaml({
  apiVersion: 1,
  datasources: [
    {
      name: "Prometheus",
      type: "prometheus",
      access: "proxy",
      url: `http://${PROMETHEUS_SERVICE}`,
      isDefault: true,
      editable: false,
    },
  ],
});

/**
 * Prometheus and Grafana as Service manifests when the Monitoring manifest sets `delivery.ecs`,
 * so the ECS controller renders, compares and rolls them like any other: the files travel in
 * the task definition, so a changed rule or dashboard is a new revision and a rolling update.
 */
export function monitoringServices(set: ManifestSet, controllerUrl: string): Service[] {
  const monitoring = set.monitoring?.manifest;
  const ecs = monitoring?.spec.delivery.ecs;
  if (!monitoring || !ecs) return [];
  const prometheus = filesInEnv(
    [...prometheusFiles(monitoring, controllerUrl)].map(([file, text]) => [
      path.posix.join(PROMETHEUS_DIR, file),
      text,
    ]),
  );
  const grafana = filesInEnv([
    [path.posix.join(GRAFANA_PROVISIONING_DIR, DATASOURCE_FILE), DATASOURCE],
    ...[...grafanaProvisioningFiles(set, { dashboardsPath: GRAFANA_DASHBOARDS_PATH })].map(([file, text]) =>
      grafanaFile(file, text),
    ),
  ]);
  return [
    monitoringService(PROMETHEUS_SERVICE, {
      image: ecs.prometheusImage,
      command: [
        script(
          prometheus.lines,
          `exec /bin/prometheus --config.file=${PROMETHEUS_DIR}/prometheus.yml --storage.tsdb.path=/prometheus --web.enable-lifecycle`,
        ),
      ],
      ports: [{ containerPort: PROMETHEUS_PORT, name: "http" }],
      env: prometheus.env,
      discovery: { consul: { name: PROMETHEUS_SERVICE, port: "http" } },
      metrics: { port: "http", path: "/metrics" },
    }),
    monitoringService(GRAFANA_SERVICE, {
      image: ecs.grafanaImage,
      // The official image's ENTRYPOINT, which starts grafana-server with the image's paths.
      command: [script(grafana.lines, "exec /run.sh")],
      ports: [{ containerPort: GRAFANA_PORT, name: "http" }],
      env: grafana.env,
      mesh: { outbound: true },
    }),
  ];
}

/** What differs between the two; the rest is common to both. */
type MonitoringSpec = Pick<
  z.input<typeof ServiceSpec>,
  "image" | "command" | "ports" | "env" | "discovery" | "metrics" | "mesh"
>;

function monitoringService(name: string, spec: MonitoringSpec): Service {
  return Service.parse({
    apiVersion: API_VERSION,
    kind: "Service",
    metadata: { name, labels: { "ecsmesh.io/component": "monitoring" } },
    spec: { ...spec, entryPoint: ["/bin/sh", "-c"], memory: MEMORY, desiredCount: 1, scheduling: "REPLICA" },
  });
}

/**
 * Maps a provisioning file (relative to the delivery directory) to where the Grafana image reads
 * it. Dashboards are written compact: indentation is nearly half their size, and the whole task
 * definition must stay under ECS's 64 KiB.
 */
function grafanaFile(file: string, text: string): [string, string] {
  const dashboards = `${GRAFANA_DASHBOARDS_DIR}/`;
  if (file.startsWith(dashboards)) {
    return [
      path.posix.join(GRAFANA_DASHBOARDS_PATH, file.slice(dashboards.length)),
      JSON.stringify(JSON.parse(text)),
    ];
  }
  return [path.posix.join(GRAFANA_PROVISIONING_DIR, path.posix.relative("grafana/provisioning", file)), text];
}

/**
 * One env var per file, `ECSMESH_FILE_<n>`, holding the file's exact text; the paths are in the
 * script itself. `printf '%s'` writes the value byte for byte (no added newline, no escapes).
 */
function filesInEnv(files: readonly (readonly [string, string])[]): {
  env: Record<string, string>;
  lines: string[];
} {
  const directories = [...new Set(files.map(([file]) => path.posix.dirname(file)))];
  return {
    env: Object.fromEntries(files.map(([, text], i) => [`ECSMESH_FILE_${i}`, text])),
    lines: [
      `mkdir -p ${directories.map(shellQuote).join(" ")}`,
      ...files.map(([file], i) => `printf '%s' "$ECSMESH_FILE_${i}" > ${shellQuote(file)}`),
    ],
  };
}

function script(lines: readonly string[], exec: string): string {
  return ["set -eu", ...lines, exec].join("\n");
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
