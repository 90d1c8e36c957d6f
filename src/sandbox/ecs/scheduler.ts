import { failureThreshold, startDeployment } from "./deployments.js";
import { addEvent, eventMessages } from "./events.js";
import type { SimulationTiming } from "./simulation-timing.js";
import type { EcsState, ServiceRecord, TaskRecord } from "./state.js";
import { finishStop, launchTask, requestStop, startTask } from "./task-lifecycle.js";

/** What the scheduler needs from the simulation around it. */
export interface SchedulerContext {
  readonly state: EcsState;
  readonly timing: SimulationTiming;
  /** A task reached STOPPED: it stays describable for a while. */
  retired(task: TaskRecord): void;
  /** A deleted service has no tasks left and is INACTIVE: it stays describable for a while. */
  deactivated(service: ServiceRecord): void;
}

/**
 * One scheduler pass over a service, as ECS's rolling update does it: due task transitions, the
 * circuit breaker, starting and stopping tasks within minimumHealthyPercent / maximumPercent, dropping
 * drained deployments, then COMPLETED and steady-state events. Returns whether the service still has
 * work in flight (and so needs further passes).
 */
export function schedule(context: SchedulerContext, service: ServiceRecord, now: number): boolean {
  advanceTasks(context, service, now);
  if (service.status !== "ACTIVE") return drain(context, service, now);
  tripCircuitBreaker(service);
  const placed = replaceTasks(context, service, now);
  const live = new Set([...service.tasks].map((task) => task.deployment));
  service.deployments = service.deployments.filter(
    (deployment, index) => index === 0 || live.has(deployment),
  );
  return settle(service, placed);
}

function advanceTasks(context: SchedulerContext, service: ServiceRecord, now: number): void {
  for (const task of service.tasks) {
    if (now < task.dueAt) continue;
    if (task.desiredStatus === "STOPPED") {
      finishStop(context.state, task, now);
      context.retired(task);
    } else if (task.lastStatus === "PENDING" && startTask(context.state, task, now) === "failed") {
      task.deployment.failedTasks += 1;
      task.deployment.updatedAt = new Date(now);
      service.steady = false;
      context.retired(task);
    }
  }
}

/** A deleted service stops all its tasks and turns INACTIVE once they have stopped. */
function drain(context: SchedulerContext, service: ServiceRecord, now: number): boolean {
  const stopping = [...service.tasks].filter((task) => task.desiredStatus === "RUNNING");
  for (const task of stopping) requestStop(task, now, context.timing.taskStopMs);
  if (stopping.length > 0) addEvent(service, eventMessages.stopped(service, stopping));
  if (service.tasks.size > 0) return true;
  service.status = "INACTIVE";
  service.inactiveAt = now;
  context.deactivated(service);
  return false;
}

/** Fails the primary deployment once enough tasks failed to start, and rolls back when asked to. */
function tripCircuitBreaker(service: ServiceRecord): void {
  const primary = service.deployments[0];
  const breaker = service.settings.deployment.circuitBreaker;
  if (primary === undefined || !breaker.enable || primary.rolloutState !== "IN_PROGRESS") return;
  if (primary.failedTasks < failureThreshold(breaker, service.desiredCount)) return;
  primary.rolloutState = "FAILED";
  primary.rolloutStateReason = "ECS deployment circuit breaker: tasks failed to start.";
  primary.updatedAt = new Date();
  addEvent(service, eventMessages.deploymentFailed(service, primary));
  const target = service.lastCompleted;
  // Rolling back to the failed definition itself (a failed rollback) would loop forever.
  if (breaker.rollback && target !== undefined && target.taskDefinition !== primary.taskDefinition) {
    startDeployment(
      service,
      target.taskDefinition,
      target.networkConfiguration,
      `ECS deployment circuit breaker: rolling back to deploymentId ${target.id}.`,
    );
    addEvent(service, eventMessages.rollingBack(service, target));
  }
}

/** Stop order: tasks that are not running yet first, then the newest. */
const stopOrder = (a: TaskRecord, b: TaskRecord) =>
  Number(a.lastStatus === "RUNNING") - Number(b.lastStatus === "RUNNING") ||
  b.createdAt.getTime() - a.createdAt.getTime();

/** Starts primary tasks and stops surplus or outdated ones; false when a needed task could not be placed. */
function replaceTasks(context: SchedulerContext, service: ServiceRecord, now: number): boolean {
  const { timing, state } = context;
  const primary = service.deployments[0];
  if (primary === undefined) return true;
  const desired = service.desiredCount;
  const { maximumPercent, minimumHealthyPercent } = service.settings.deployment;
  const wanted = [...service.tasks].filter((task) => task.desiredStatus === "RUNNING");
  const current = wanted.filter((task) => task.deployment === primary);
  const outdated = wanted.filter((task) => task.deployment !== primary).sort(stopOrder);
  const stopped: TaskRecord[] = [];
  const stop = (task: TaskRecord) => {
    requestStop(task, now, timing.taskStopMs);
    stopped.push(task);
  };

  const surplus = current.sort(stopOrder).slice(0, Math.max(0, current.length - desired));
  for (const task of surplus) stop(task);

  const started: TaskRecord[] = [];
  let unplaced: string | undefined;
  if (primary.rolloutState !== "FAILED") {
    let room = Math.min(
      desired - (current.length - surplus.length),
      Math.floor((desired * maximumPercent) / 100) - (wanted.length - surplus.length),
    );
    for (; room > 0; room -= 1) {
      const task = launchTask(state, service, primary, now, timing.taskStartMs);
      if (typeof task === "string") {
        unplaced = task;
        break;
      }
      started.push(task);
      service.placementFailure = undefined;
    }
    // Outdated tasks go once enough healthy ones stay up; a failed deployment replaces nothing.
    const minHealthy = Math.ceil((desired * minimumHealthyPercent) / 100);
    let healthy = wanted.filter(
      (task) => task.lastStatus === "RUNNING" && task.desiredStatus === "RUNNING",
    ).length;
    for (const task of outdated) {
      if (task.lastStatus === "RUNNING") {
        if (healthy - 1 < minHealthy) continue;
        healthy -= 1;
      }
      stop(task);
    }
  }
  if (started.length > 0) addEvent(service, eventMessages.started(service, started));
  if (stopped.length > 0) addEvent(service, eventMessages.stopped(service, stopped));
  if (unplaced !== undefined) reportPlacementFailure(service, unplaced);
  return unplaced === undefined;
}

/** Reports a placement failure once, and only when no stopping task of the service is about to free room. */
function reportPlacementFailure(service: ServiceRecord, reason: string): void {
  const freeing = [...service.tasks].some((task) => task.desiredStatus === "STOPPED");
  if (freeing || service.placementFailure === reason) return;
  service.placementFailure = reason;
  addEvent(service, eventMessages.unableToPlace(service, reason));
}

/** Marks COMPLETED and steady states; returns whether anything is still in flight. */
function settle(service: ServiceRecord, placed: boolean): boolean {
  const primary = service.deployments[0];
  let inFlight = !placed;
  let running = 0;
  for (const task of service.tasks) {
    if (task.lastStatus === "PENDING" || task.desiredStatus === "STOPPED") inFlight = true;
    else running += 1;
  }
  if (primary === undefined || primary.rolloutState === "FAILED") return inFlight;
  const steady = !inFlight && service.deployments.length === 1 && running === service.desiredCount;
  if (!steady) {
    service.steady = false;
    return true;
  }
  if (primary.rolloutState === "IN_PROGRESS") {
    primary.rolloutState = "COMPLETED";
    primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
    primary.updatedAt = new Date();
    service.lastCompleted = primary;
    addEvent(service, eventMessages.deploymentCompleted(service, primary));
  }
  if (!service.steady) {
    service.steady = true;
    addEvent(service, eventMessages.steadyState(service));
  }
  return false;
}
