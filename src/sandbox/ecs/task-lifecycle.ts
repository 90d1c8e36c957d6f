import { ecsArn } from "./arns.js";
import { newResourceId } from "./ids.js";
import { place, releasePlacement } from "./placement.js";
import type { DeploymentRecord, EcsState, ServiceRecord, Tag, TaskRecord } from "./state.js";

/** Task state changes: launch (PENDING), start (RUNNING) or fail to start, stop request, STOPPED. */

/** Launches a PENDING task of the deployment, due to start after `startMs`; a reason when it cannot be placed. */
export function launchTask(
  state: EcsState,
  service: ServiceRecord,
  deployment: DeploymentRecord,
  now: number,
  startMs: number,
): TaskRecord | string {
  const placement = place(state, service, deployment);
  if (typeof placement === "string") return placement;
  const id = newResourceId();
  const { cluster } = service;
  const task: TaskRecord = {
    ...placement,
    arn: ecsArn(state, "task", `${cluster.name}/${id}`),
    id,
    cluster,
    service,
    deployment,
    taskDefinition: deployment.taskDefinition,
    launchType: service.launchType,
    containerArns: deployment.taskDefinition.containers.map(() =>
      ecsArn(state, "container", `${cluster.name}/${id}/${newResourceId()}`),
    ),
    lastStatus: "PENDING",
    desiredStatus: "RUNNING",
    createdAt: new Date(now),
    dueAt: now + startMs,
    version: 1,
    tags: propagatedTags(service, deployment),
  };
  service.tasks.add(task);
  cluster.tasks.set(id, task);
  placement.instance?.tasks.add(task);
  return task;
}

/** A due PENDING task starts, or stops at once when an essential container's image is marked unhealthy. */
export function startTask(state: EcsState, task: TaskRecord, now: number): "started" | "failed" {
  const failing = task.taskDefinition.containers.find(
    (container) => container.essential && state.unhealthyImages.has(container.image),
  );
  task.version += 1;
  if (failing === undefined) {
    task.lastStatus = "RUNNING";
    task.startedAt = new Date(now);
    return "started";
  }
  task.desiredStatus = "STOPPED";
  task.failedContainer = failing.name;
  task.stoppedReason = "Essential container in task exited";
  task.stopCode = "EssentialContainerExited";
  finishStop(state, task, now);
  return "failed";
}

/** The scheduler asks a task to stop; it reaches STOPPED after `stopMs`. */
export function requestStop(task: TaskRecord, now: number, stopMs: number): void {
  task.desiredStatus = "STOPPED";
  task.stoppingAt = new Date(now);
  task.stoppedReason = `Scaling activity initiated by (deployment ${task.deployment.id})`;
  task.stopCode = "ServiceSchedulerInitiated";
  task.dueAt = now + stopMs;
  task.version += 1;
}

/** The task is STOPPED: its ports and address are free again and it leaves its service and instance. */
export function finishStop(state: EcsState, task: TaskRecord, now: number): void {
  task.lastStatus = "STOPPED";
  task.stoppedAt = new Date(now);
  task.version += 1;
  releasePlacement(state, task);
  task.service.tasks.delete(task);
  task.instance?.tasks.delete(task);
}

/** Tags a new task gets: the service's or task definition's (propagateTags) and ECS managed tags. */
function propagatedTags(service: ServiceRecord, deployment: DeploymentRecord): Tag[] {
  const { propagateTags, enableECSManagedTags } = service.settings;
  const tags =
    propagateTags === "SERVICE"
      ? [...service.tags]
      : propagateTags === "TASK_DEFINITION"
        ? [...deployment.taskDefinition.tags]
        : [];
  if (enableECSManagedTags) {
    tags.push(
      { key: "aws:ecs:clusterName", value: service.cluster.name },
      { key: "aws:ecs:serviceName", value: service.name },
    );
  }
  return tags;
}
