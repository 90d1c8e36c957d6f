/** How fast simulated ECS moves, in real milliseconds: far faster than ECS, so that tests stay quick. */
export interface SimulationTiming {
  /** How often the scheduler passes over the services that have work in flight. */
  readonly tickMs: number;
  /** From launch (PENDING) to RUNNING, or to STOPPED when the image is marked unhealthy. */
  readonly taskStartMs: number;
  /** From the scheduler's stop request to STOPPED. */
  readonly taskStopMs: number;
  /** How long STOPPED tasks stay visible to ListTasks / DescribeTasks (ECS: at least an hour). */
  readonly stoppedTaskRetentionMs: number;
  /** How long deleted (INACTIVE) services stay visible to DescribeServices. */
  readonly inactiveServiceRetentionMs: number;
}

export const DEFAULT_TIMING: SimulationTiming = {
  tickMs: 20,
  taskStartMs: 100,
  taskStopMs: 50,
  stoppedTaskRetentionMs: 10 * 60_000,
  inactiveServiceRetentionMs: 10 * 60_000,
};
