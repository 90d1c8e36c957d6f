// Child process: every local server a mesh pass talks to (ECS, EC2, Cloud Map, Consul, namerd,
// Grafana), steered by its parent over IPC, so that the controller's memory is measured without
// the simulated account's, and the servers' bookkeeping (watching for writes, tasks, registrations)
// costs the measured process nothing and adds no calls to the counters.
import type { CallCounter } from "../src/sandbox/call-counter.js";
import type { FaultSettings } from "../src/sandbox/faults.js";
import { startCloudMapServer } from "../src/sandbox/cloudmap/server.js";
import { startConsulServer } from "../src/sandbox/consul/server.js";
import { instancesOf } from "../src/sandbox/ec2/ecs-instances.js";
import { startEc2Server } from "../src/sandbox/ec2/server.js";
import { startEcsServer } from "../src/sandbox/ecs/server.js";
import { startGrafanaServer } from "../src/sandbox/grafana/server.js";
import { startNamerdServer } from "../src/sandbox/namerd/server.js";

export type SandboxCommand =
  /** Applies to every server; Consul, namerd and Grafana have no throttling to model. */
  | { type: "faults"; settings: Partial<FaultSettings> }
  | { type: "calls" }
  | { type: "reset" }
  /** Answers once every service's tasks run on its newest task definition, and nothing else runs. */
  | { type: "settled"; cluster: string; tasks: number }
  /** Answers with the wall-clock time of the next ECS write (counters reset first). */
  | { type: "nextEcsWrite" }
  /** Stops one RUNNING task of the service; answers with its Consul service ID. */
  | { type: "stopTask"; cluster: string; service: string }
  /** Answers with the wall-clock time the Consul service ID is no longer registered. */
  | { type: "deregistered"; serviceId: string }
  | { type: "close" };

const POLL_MS = 2;
const ecs = await startEcsServer({
  clusters: ["bench"],
  faults: { throttling: false },
  // The bench measures the API, not rollouts: tasks start at once.
  timing: { taskStartMs: 0, tickMs: 100 },
});
const ec2 = await startEc2Server({ instances: instancesOf(ecs.ecs.state), faults: { throttling: false } });
const cloudMap = await startCloudMapServer({ faults: { throttling: false } });
const consul = await startConsulServer();
const namerd = await startNamerdServer();
const grafana = await startGrafanaServer();
const servers = { ecs, ec2, cloudMap, consul, namerd, grafana };

// When ECS last saw a write, to the few milliseconds: where a converge's ECS step ended.
let ecsWrites = 0;
let lastEcsWriteAt: number | undefined;
setInterval(() => {
  if (ecs.calls.writes() === ecsWrites) return;
  ecsWrites = ecs.calls.writes();
  lastEcsWriteAt = Date.now();
}, POLL_MS).unref();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until<T>(probe: () => T | undefined): Promise<T> {
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(POLL_MS);
  }
}

function settled(clusterName: string, expectedTasks: number): boolean {
  const cluster = ecs.ecs.state.clusters.get(clusterName);
  if (!cluster) return false;
  let running = 0;
  for (const service of cluster.services.values()) {
    for (const task of service.tasks) {
      if (task.desiredStatus !== "RUNNING") continue;
      if (task.lastStatus !== "RUNNING") return false;
      if (task.taskDefinition !== service.taskDefinition) return false;
      running += 1;
    }
  }
  return running === expectedTasks;
}

const callsOf = (counter: CallCounter) =>
  Object.fromEntries(Object.entries(counter.snapshot()).map(([op, c]) => [op, { total: c.total, throttled: c.throttled }]));

process.on("message", async (command: SandboxCommand) => {
  const reply = (message: Record<string, unknown> = {}) => process.send?.({ type: "ok", ...message });
  switch (command.type) {
    case "faults":
      for (const server of Object.values(servers)) server.faults.configure(command.settings);
      return reply();
    case "calls":
      return reply({
        calls: Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, callsOf(s.calls)])),
        writes: Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, s.calls.writes()])),
        lastEcsWriteAt,
      });
    case "reset":
      for (const server of Object.values(servers)) server.calls.reset();
      ecsWrites = 0;
      lastEcsWriteAt = undefined;
      return reply();
    case "settled":
      await until(() => settled(command.cluster, command.tasks) || undefined);
      return reply();
    case "nextEcsWrite": {
      ecs.calls.reset();
      reply();
      const at = await until(() => (ecs.calls.writes() > 0 ? Date.now() : undefined));
      return process.send?.({ type: "ecsWrite", at });
    }
    case "stopTask": {
      const service = ecs.ecs.state.clusters.get(command.cluster)?.services.get(command.service);
      const task = [...(service?.tasks ?? [])].find((t) => t.lastStatus === "RUNNING");
      if (!task) throw new Error(`no running task of ${command.service}`);
      ecs.ecs.stopTask(task.arn);
      return reply({ serviceId: `${command.service}-${task.id}`, at: Date.now() });
    }
    case "deregistered": {
      const registered = () => consul.catalog.services().some((s) => s.ServiceID === command.serviceId);
      const at = await until(() => (registered() ? undefined : Date.now()));
      return reply({ at });
    }
    case "close":
      await Promise.all(Object.values(servers).map((server) => server.close()));
      reply();
      process.exit(0);
  }
});
// The bench stopped, whatever the reason: so does this server.
process.once("disconnect", () => process.exit(0));
process.send?.({
  type: "ready",
  env: {
    AWS_ENDPOINT_URL_ECS: ecs.url,
    AWS_ENDPOINT_URL_EC2: ec2.url,
    AWS_ENDPOINT_URL_SERVICEDISCOVERY: cloudMap.url,
    CONSUL_HTTP_ADDR: consul.url,
    ECSMESH_NAMERD_URL: namerd.url,
    GRAFANA_URL: grafana.url,
    GRAFANA_TOKEN: grafana.token,
    ECSMESH_TRUSTED_ENDPOINTS: grafana.url,
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_REGION: "us-east-1",
  },
});
