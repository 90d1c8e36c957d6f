import type { JsonObject } from "../json.js";
import { newDeploymentId } from "./ids.js";
import type { CircuitBreaker, DeploymentRecord, ServiceRecord, TaskDefinitionRecord } from "./state.js";

/**
 * Makes a new PRIMARY deployment of the service; earlier ones become ACTIVE and keep their tasks
 * until the scheduler has replaced them.
 */
export function startDeployment(
  service: ServiceRecord,
  taskDefinition: TaskDefinitionRecord,
  networkConfiguration: JsonObject | undefined,
  rolloutStateReason?: string,
): DeploymentRecord {
  const id = newDeploymentId();
  const now = new Date();
  const deployment: DeploymentRecord = {
    id,
    status: "PRIMARY",
    taskDefinition,
    networkConfiguration,
    createdAt: now,
    updatedAt: now,
    failedTasks: 0,
    rolloutState: "IN_PROGRESS",
    rolloutStateReason: rolloutStateReason ?? `ECS deployment ${id} in progress.`,
  };
  for (const earlier of service.deployments) earlier.status = "ACTIVE";
  service.deployments.unshift(deployment);
  service.taskDefinition = taskDefinition;
  service.settings.networkConfiguration = networkConfiguration;
  service.steady = false;
  return deployment;
}

/**
 * How many failed tasks trip the circuit breaker: by default half the desired count, at least 3 and
 * at most 200 (BOUNDED_PERCENT 50), as ECS documents; COUNT and UNBOUNDED_PERCENT as configured.
 */
export function failureThreshold(breaker: CircuitBreaker, desiredCount: number): number {
  const { type, value } = breaker.threshold ?? { type: "BOUNDED_PERCENT", value: 50 };
  if (type === "COUNT") return Math.max(1, value);
  const share = Math.ceil((value * desiredCount) / 100);
  return type === "UNBOUNDED_PERCENT" ? Math.max(1, share) : Math.min(200, Math.max(3, share));
}
