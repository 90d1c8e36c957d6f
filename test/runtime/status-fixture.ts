import { type ControllerStatus, initialStatus, setCondition, withPass } from "../../src/runtime/status.js";

export const NOW = new Date("2025-06-02T12:00:00.000Z");
export const REVISION = "main@sha1:4f2c9a1e0b7d3c5a8e6f1b2d4c6a8e0f2b4d6c8a";
export const HOSTILE_NAME = "<script>alert(1)</script>";

const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

/** A mid-rollout status touching every part of the model, including one hostile resource name. */
export function sampleStatus(): ControllerStatus {
  let status = initialStatus(
    { url: "https://github.com/acme/mesh-config.git", ref: "main", path: "clusters/l5d-demo" },
    "ecsmesh-7d9f-abc12",
  );
  status = withPass(status, {
    revision: "main@sha1:0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
    startedAt: minutesAgo(12),
    durationMs: 412,
    outcome: "unchanged",
    summary: "4 resources unchanged",
  });
  status = withPass(status, {
    revision: REVISION,
    startedAt: minutesAgo(1),
    durationMs: 8_250,
    outcome: "applied",
    summary: "1 updated, 1 created, 3 unchanged",
  });
  let conditions = setCondition(
    [],
    { type: "Ready", status: "True", reason: "Succeeded", message: `Applied revision ${REVISION}` },
    NOW,
  );
  conditions = setCondition(
    conditions,
    { type: "Reconciling", status: "True", reason: "Progressing", message: "hello is rolling out" },
    NOW,
  );
  conditions = setCondition(
    conditions,
    { type: "Stalled", status: "False", reason: "Succeeded", message: "" },
    NOW,
  );
  return {
    ...status,
    source: { ...status.source, revision: REVISION, fetchedAt: minutesAgo(1) },
    observedGeneration: "sha256:9e1c0d5f2a7b",
    conditions,
    resources: [
      {
        kind: "Service",
        name: "hello",
        target: "ecs",
        ready: "Unknown",
        reason: "Progressing",
        message: "deployment IN_PROGRESS: 1 of 2 tasks running",
        lastTransitionTime: minutesAgo(1),
        revision: "l5d-demo-hello:7",
      },
      {
        kind: "Service",
        name: "world",
        target: "ecs",
        ready: "True",
        reason: "Succeeded",
        message: "steady state",
        lastTransitionTime: minutesAgo(90),
        revision: "l5d-demo-world:3",
      },
      {
        kind: "Service",
        name: "world-v2",
        target: "consul",
        ready: "False",
        reason: "ConsulUnreachable",
        message: "connect ECONNREFUSED 10.0.0.4:8500",
        lastTransitionTime: minutesAgo(5),
      },
      {
        kind: "Route",
        name: "world-canary",
        target: "namerd",
        ready: "True",
        reason: "Succeeded",
        message: "dtab default in sync",
        lastTransitionTime: minutesAgo(30),
      },
      {
        kind: "Service",
        name: HOSTILE_NAME,
        target: "cloudmap",
        ready: "True",
        reason: "Succeeded",
        message: "registered",
        lastTransitionTime: minutesAgo(60),
      },
    ],
    recentActions: [
      {
        at: minutesAgo(1),
        target: "ecs",
        resource: "Service/hello",
        action: "update",
        reason: "image changed",
      },
      {
        at: minutesAgo(1),
        target: "namerd",
        resource: "Route/world-canary",
        action: "write dtab",
        reason: "weights changed",
      },
    ],
    recentErrors: [{ at: minutesAgo(5), target: "consul", message: "connect ECONNREFUSED 10.0.0.4:8500" }],
    leader: { isLeader: true, identity: "ecsmesh-7d9f-abc12", since: minutesAgo(240) },
    monitoring: {
      prometheus: { configFile: "monitoring-out/prometheus.yml", jobs: ["linkerd", "node"] },
      grafana: { dashboards: ["linkerd-viz", "linkerd-health"], folder: "l5d-demo" },
    },
  };
}
