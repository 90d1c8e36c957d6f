import type { SchedulerContext } from "./scheduler.js";
import { schedule } from "./scheduler.js";
import type { SimulationTiming } from "./simulation-timing.js";
import type { EcsState, ServiceRecord, TaskRecord } from "./state.js";

/**
 * Runs the scheduler on one timer: each tick passes over the services with work in flight only, so
 * that thousands of steady services cost nothing, then forgets long-stopped tasks and long-INACTIVE
 * services.
 */
export class Simulation implements SchedulerContext {
  readonly #active = new Set<ServiceRecord>();
  /** STOPPED tasks in the order they stopped; `#retiredHead` is the oldest not yet forgotten. */
  readonly #retired: TaskRecord[] = [];
  #retiredHead = 0;
  #deactivated: ServiceRecord[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly state: EcsState,
    readonly timing: SimulationTiming,
  ) {
    this.#timer = setInterval(() => this.tick(), timing.tickMs);
    this.#timer.unref();
  }

  /** The service changed: the scheduler looks at it from the next tick until it settles. */
  wake(service: ServiceRecord): void {
    this.#active.add(service);
  }

  /** One pass; runs on the timer, and tests may call it to step at will. */
  tick(now = Date.now()): void {
    for (const service of this.#active) {
      if (!schedule(this, service, now)) this.#active.delete(service);
    }
    this.#forget(now);
  }

  retired(task: TaskRecord): void {
    this.#retired.push(task);
  }

  deactivated(service: ServiceRecord): void {
    this.#deactivated.push(service);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #forget(now: number): void {
    const taskHorizon = now - this.timing.stoppedTaskRetentionMs;
    for (; this.#retiredHead < this.#retired.length; this.#retiredHead += 1) {
      const task = this.#retired[this.#retiredHead] as TaskRecord;
      if ((task.stoppedAt?.getTime() ?? now) > taskHorizon) break;
      task.cluster.tasks.delete(task.id);
    }
    if (this.#retiredHead > 1024 && this.#retiredHead * 2 > this.#retired.length) {
      this.#retired.splice(0, this.#retiredHead);
      this.#retiredHead = 0;
    }
    const serviceHorizon = now - this.timing.inactiveServiceRetentionMs;
    this.#deactivated = this.#deactivated.filter((service) => {
      const expired = (service.inactiveAt ?? now) <= serviceHorizon;
      // A service created since under the same name is not the one to forget.
      if (expired && service.cluster.services.get(service.name) === service)
        service.cluster.services.delete(service.name);
      return !expired;
    });
  }
}
