import type { ManifestSet } from "../../specs/manifest-set.js";
import { findPort } from "../../specs/resolve.js";
import type { Service } from "../../specs/service.js";
import { arnResource, type RunningTask, reachablePort } from "../ecs/tasks.js";

/** One entry of Prometheus' http_sd_configs response. */
export interface Target {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** What the controller serves at /sd/linkerd and /sd/services. */
export interface ScrapeTargets {
  readonly linkerd: readonly Target[];
  readonly services: readonly Target[];
}

/**
 * Every linkerd DAEMON task's admin port, where its io.l5d.prometheus telemeter answers. No
 * `service` label here: linkerd labels its own `rt:service:*` series `service` (the logical name,
 * e.g. /svc/world), and a target label of the same name would push that one aside to `exported_service`.
 */
export function linkerdTargets(
  set: ManifestSet,
  daemon: Service | undefined,
  tasks: readonly RunningTask[],
): Target[] {
  if (daemon === undefined) return [];
  return targetsOf(set, [daemon], tasks).map(({ targets, labels: { service: _, ...labels } }) => ({
    targets,
    labels,
  }));
}

/** Each running task of every Service with `spec.metrics`, at the port its metrics are reachable on. */
export function serviceTargets(
  set: ManifestSet,
  services: readonly Service[],
  tasks: readonly RunningTask[],
): Target[] {
  return targetsOf(set, services, tasks);
}

function targetsOf(set: ManifestSet, services: readonly Service[], tasks: readonly RunningTask[]): Target[] {
  const mesh = set.mesh.manifest;
  const byName = new Map(services.map((s) => [s.metadata.name, s]));
  const found: Target[] = [];
  for (const task of tasks) {
    const service = byName.get(task.service);
    const metrics = service?.spec.metrics;
    const mapping = service && metrics && findPort(service, metrics.port);
    const port = mapping && reachablePort(task, mapping.containerPort);
    if (!metrics || port === undefined || task.address === undefined) continue;
    found.push({
      targets: [`${task.address}:${port}`],
      labels: {
        __metrics_path__: metrics.path,
        mesh: mesh.metadata.name,
        cluster: mesh.spec.ecs.cluster,
        service: task.service,
        task: arnResource(task.taskArn),
        // family:revision, the last segment of the task-definition ARN.
        task_definition: arnResource(task.taskDefinitionArn),
        // An empty label value is no label in Prometheus; leave it out rather than send "".
        ...(task.availabilityZone ? { availability_zone: task.availabilityZone } : {}),
      },
    });
  }
  return found.sort(
    (a, b) =>
      compare(a.labels.service, b.labels.service) ||
      compare(a.labels.task, b.labels.task) ||
      compare(a.targets[0], b.targets[0]),
  );
}

/** By code point, so the order does not depend on the machine's locale. */
function compare(a = "", b = ""): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
