import { describe, expect, it } from "vitest";
import { linkerdDaemon } from "../../src/compile/linkerd/daemon.js";
import { linkerdTargets, serviceTargets } from "../../src/controllers/monitoring/discovery.js";
import type { ManifestSet } from "../../src/specs/manifest-set.js";
import { demoSet, runningTask } from "./support.js";

const userServices = (set: ManifestSet) => set.services.map((s) => s.manifest);

const set = demoSet();
const daemon = linkerdDaemon(set);
const ADMIN = new Map([
  [4140, 4140],
  [4141, 4141],
  [9990, 9990],
]);

const tasks = [
  runningTask("linkerd", "l5d-b", { address: "10.0.0.6", ports: ADMIN, availabilityZone: "us-east-1b" }),
  runningTask("linkerd", "l5d-a", { ports: ADMIN }),
  runningTask("world", "w-bridge", { ports: new Map([[8080, 32768]]) }),
  runningTask("world", "w-vpc", { address: "10.0.9.9", awsvpc: true, availabilityZone: undefined }),
  runningTask("hello", "h-1", { ports: new Map([[7777, 32769]]) }),
];

describe("linkerd http_sd targets", () => {
  it("lists every linkerd DAEMON task's admin host port with its metrics path, sorted by task", () => {
    expect(linkerdTargets(set, daemon, tasks)).toEqual([
      {
        targets: ["10.0.0.5:9990"],
        labels: {
          __metrics_path__: "/admin/metrics/prometheus",
          mesh: "l5d-demo",
          cluster: "demo-cluster",
          task: "l5d-a",
          task_definition: "l5d-demo-linkerd:3",
          availability_zone: "us-east-1a",
        },
      },
      {
        targets: ["10.0.0.6:9990"],
        labels: expect.objectContaining({ task: "l5d-b", availability_zone: "us-east-1b" }),
      },
    ]);
  });

  it("leaves out the service label, which linkerd's own rt:service:* series carry", () => {
    for (const target of linkerdTargets(set, daemon, tasks))
      expect(target.labels).not.toHaveProperty("service");
  });

  it("is empty without the daemon", () => {
    expect(linkerdTargets(set, undefined, tasks)).toEqual([]);
  });
});

describe("service http_sd targets", () => {
  it("lists each running task of a Service with metrics at its reachable port (host port, or itself under awsvpc)", () => {
    expect(serviceTargets(set, userServices(set), tasks)).toEqual([
      {
        targets: ["10.0.0.5:32768"],
        labels: {
          __metrics_path__: "/prom",
          mesh: "l5d-demo",
          cluster: "demo-cluster",
          service: "world",
          task: "w-bridge",
          task_definition: "l5d-demo-world:3",
          availability_zone: "us-east-1a",
        },
      },
      {
        targets: ["10.0.9.9:8080"],
        labels: {
          __metrics_path__: "/prom",
          mesh: "l5d-demo",
          cluster: "demo-cluster",
          service: "world",
          task: "w-vpc",
          task_definition: "l5d-demo-world:3",
        },
      },
    ]);
  });

  it("skips tasks without an address or without a binding for the metrics port", () => {
    expect(
      serviceTargets(set, userServices(set), [
        runningTask("world", "no-address", { address: undefined, ports: new Map([[8080, 32768]]) }),
        runningTask("world", "unbound", { ports: new Map([[9999, 32770]]) }),
      ]),
    ).toEqual([]);
  });

  it("gives the same answer whatever order ECS listed the tasks in", () => {
    expect(serviceTargets(set, userServices(set), [...tasks].reverse())).toEqual(
      serviceTargets(set, userServices(set), tasks),
    );
    expect(linkerdTargets(set, daemon, [...tasks].reverse())).toEqual(linkerdTargets(set, daemon, tasks));
  });
});
