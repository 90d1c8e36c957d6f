import { formatDuration } from "../../specs/duration.js";
import { consulName, findPort } from "../../specs/resolve.js";
import type { Service } from "../../specs/service.js";
import { arnResource, type RunningTask, reachablePort } from "../ecs/tasks.js";
import { OWNER_META, type Registration } from "./model.js";

export interface RegistrationContext {
  readonly owner: string;
  readonly mesh: string;
  readonly cluster: string;
}

/**
 * What registrator did, done from the ECS API: every RUNNING task of a Service with Consul
 * discovery, at its ENI address and container port (awsvpc) or its instance's address and host
 * port (bridge, host), with our Meta so that only our registrations are ever changed.
 */
export function desiredRegistrations(
  services: readonly Service[],
  tasks: readonly RunningTask[],
  context: RegistrationContext,
): Registration[] {
  const byName = new Map(services.map((s) => [s.metadata.name, s]));
  const registrations: Registration[] = [];
  for (const task of tasks) {
    const service = byName.get(task.service);
    const consul = service?.spec.discovery.consul;
    const name = service && consulName(service);
    if (!service || !consul || !name || !task.address) continue;
    const mapping = consul.port === undefined ? service.spec.ports[0] : findPort(service, consul.port);
    const port = mapping && reachablePort(task, mapping.containerPort);
    if (port === undefined) continue;
    const id = `${task.service}-${arnResource(task.taskArn)}`;
    const check = consul.healthCheck;
    registrations.push({
      id,
      service: name,
      tags: [...consul.tags].sort(),
      address: task.address,
      port,
      meta: {
        [OWNER_META]: context.owner,
        ecsmesh_mesh: context.mesh,
        ecs_cluster: context.cluster,
        ecs_service: task.service,
        ecs_task_arn: task.taskArn,
        ecs_task_definition: arnResource(task.taskDefinitionArn),
      },
      check: check && {
        checkId: `service:${id}`,
        name: `${name} HTTP ${check.http}`,
        status: task.health === "UNHEALTHY" ? "critical" : "passing",
        definition: {
          HTTP: `http://${task.address}:${port}${check.http}`,
          Interval: formatDuration(check.interval),
          Timeout: formatDuration(check.timeout),
          DeregisterCriticalServiceAfter: formatDuration(check.deregisterCriticalServiceAfter),
        },
      },
    });
  }
  return registrations.sort((a, b) => a.id.localeCompare(b.id));
}
