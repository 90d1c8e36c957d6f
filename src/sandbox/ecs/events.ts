import { randomUUID } from "node:crypto";
import type { DeploymentRecord, ServiceRecord, TaskRecord } from "./state.js";

/** Service events, in ECS's wording; DescribeServices shows the newest 100, newest first. */

const KEPT_EVENTS = 100;

export function addEvent(service: ServiceRecord, message: string): void {
  service.events.unshift({ id: randomUUID(), createdAt: new Date(), message });
  if (service.events.length > KEPT_EVENTS) service.events.length = KEPT_EVENTS;
}

const taskList = (tasks: readonly TaskRecord[]) => tasks.map((task) => `(task ${task.id})`).join(" ");

export const eventMessages = {
  started: (service: ServiceRecord, tasks: readonly TaskRecord[]) =>
    `(service ${service.name}) has started ${tasks.length} tasks: ${taskList(tasks)}.`,
  stopped: (service: ServiceRecord, tasks: readonly TaskRecord[]) =>
    `(service ${service.name}) has stopped ${tasks.length} running tasks: ${taskList(tasks)}.`,
  steadyState: (service: ServiceRecord) => `(service ${service.name}) has reached a steady state.`,
  deploymentCompleted: (service: ServiceRecord, deployment: DeploymentRecord) =>
    `(service ${service.name}) (deployment ${deployment.id}) deployment completed.`,
  deploymentFailed: (service: ServiceRecord, deployment: DeploymentRecord) =>
    `(service ${service.name}) (deployment ${deployment.id}) deployment failed: tasks failed to start.`,
  rollingBack: (service: ServiceRecord, to: DeploymentRecord) =>
    `(service ${service.name}) rolling back to deployment ${to.id}.`,
  unableToPlace: (service: ServiceRecord, reason: string) =>
    `(service ${service.name}) was unable to place a task because no container instance met all of its requirements. ${reason}`,
};
