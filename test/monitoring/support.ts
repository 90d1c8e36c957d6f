import type { RunningTask } from "../../src/controllers/ecs/tasks.js";
import type { ManifestSet } from "../../src/specs/manifest-set.js";
import type { Monitoring } from "../../src/specs/monitoring.js";
import { loadSet, serviceYaml } from "../controllers/ecs/support.js";

/** The workshop's mesh: linkerd as a DAEMON (admin port 9990), world scraped, hello not. */
const MESH = `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata:
  name: l5d-demo
spec:
  ecs: { cluster: demo-cluster, region: us-east-1 }
`;

const WORLD = serviceYaml(
  "world",
  `image: world:1
memory: 64
ports: [{containerPort: 8080, name: http}]
metrics: {port: http, path: /prom}`,
);

const HELLO = serviceYaml("hello", "image: hello:1\nmemory: 64\nports: [{containerPort: 7777}]");

export const WORLD_CLIENT = "/#/io.l5d.consul/dc1/world";

export const MONITORING = `apiVersion: ecsmesh.io/v1alpha1
kind: Monitoring
metadata:
  name: monitoring
spec:
  prometheus:
    scrapeInterval: 1m
    evaluationInterval: 90s
    extraJobs:
      - { name: node, targets: ["10.0.0.5:9100", "10.0.0.6:9100"] }
      - { name: secure, targets: ["vault.internal:8200"], scheme: https, metricsPath: /v1/sys/metrics, scrapeInterval: 30s }
    alerts:
      - name: WorldSuccessRateLow
        expr: >-
          sum(rate(rt:client:success{client="${WORLD_CLIENT}"}[5m]))
          / sum(rate(rt:client:requests{client="${WORLD_CLIENT}"}[5m])) < 0.95
        for: 5m
        severity: critical
        summary: world's success rate through linkerd is under 95%
        description: "{{ $value | humanizePercentage }} of requests to world succeed"
        labels: { team: platform }
      - name: LinkerdDown
        expr: up{job="linkerd"} == 0
        summary: a linkerd is not answering its admin port
`;

export function demoSet(monitoring = MONITORING): ManifestSet {
  return loadSet(MESH, WORLD, HELLO, monitoring);
}

export function monitoringOf(set: ManifestSet): Monitoring {
  const monitoring = set.monitoring?.manifest;
  if (!monitoring) throw new Error("the set has no Monitoring manifest");
  return monitoring;
}

/** A RUNNING bridge task on 10.0.0.5 in us-east-1a; `extra` overrides any field. */
export function runningTask(service: string, id: string, extra: Partial<RunningTask> = {}): RunningTask {
  return {
    service,
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/demo-cluster/${id}`,
    taskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/l5d-demo-${service}:3`,
    address: "10.0.0.5",
    ports: new Map(),
    awsvpc: false,
    health: "HEALTHY",
    availabilityZone: "us-east-1a",
    containerInstanceArn: "arn:aws:ecs:us-east-1:123456789012:container-instance/demo-cluster/ci-1",
    ...extra,
  };
}

/** Debian's prometheus package; .ci/run installs it. */
export const PROMETHEUS = "/usr/bin/prometheus";
export const PROMTOOL = "/usr/bin/promtool";
