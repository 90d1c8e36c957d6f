import { type AwsJsonServiceOptions, startAwsJsonService } from "../aws-json-server.js";
import type { GatedServer } from "../call-gate.js";
import { ECS_PUBLISHED_LIMITS } from "../published-limits.js";
import { addCluster, clusterOperations } from "./clusters.js";
import { containerInstanceOperations } from "./container-instances.js";
import { serviceOperations } from "./services.js";
import { Simulation } from "./simulation.js";
import { DEFAULT_TIMING, type SimulationTiming } from "./simulation-timing.js";
import { type EcsState, newEcsState } from "./state.js";
import { tagOperations } from "./tags.js";
import { taskDefinitionOperations } from "./task-definitions.js";
import { requestStop } from "./task-lifecycle.js";
import { taskOperations } from "./tasks.js";

export const ECS_TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113";

export interface EcsServerOptions extends AwsJsonServiceOptions {
  /** Default us-east-1. */
  readonly region?: string;
  /** Default 123456789012. */
  readonly accountId?: string;
  /** Clusters that exist from the start; default ["default"], the one ECS uses when a request names none. */
  readonly clusters?: readonly string[];
  /** EC2 container instances each cluster gets; default 3. */
  readonly containerInstances?: number;
  readonly timing?: Partial<SimulationTiming>;
}

/** Test controls and read access to the simulated account. */
export interface EcsControl {
  readonly state: EcsState;
  /** Tasks launched from now on whose essential containers use this image fail to start. */
  markImageUnhealthy(image: string): void;
  markImageHealthy(image: string): void;
  /** Runs one scheduler pass now instead of waiting for the timer. */
  tick(): void;
  /** Stops a task as if it had exited; its service's scheduler starts a replacement. */
  stopTask(taskArn: string): void;
}

export interface EcsServer extends GatedServer {
  readonly ecs: EcsControl;
}

/** Starts a local Amazon ECS: the API over AWS JSON 1.1 and a scheduler that really runs tasks. */
export async function startEcsServer(options: EcsServerOptions = {}): Promise<EcsServer> {
  const state = newEcsState(
    options.region ?? "us-east-1",
    options.accountId ?? "123456789012",
    options.containerInstances ?? 3,
  );
  for (const name of options.clusters ?? ["default"]) addCluster(state, name);
  const simulation = new Simulation(state, { ...DEFAULT_TIMING, ...options.timing });
  const wake = simulation.wake.bind(simulation);
  const service = await startAwsJsonService(
    {
      targetPrefix: ECS_TARGET_PREFIX,
      rateLimits: ECS_PUBLISHED_LIMITS,
      serverErrorCode: "ServerException",
      handlers: {
        ...clusterOperations(state),
        ...containerInstanceOperations(state),
        ...taskDefinitionOperations(state),
        ...serviceOperations(state, wake),
        ...taskOperations(state),
        ...tagOperations(state),
      },
    },
    options,
  );
  return {
    ...service,
    ecs: {
      state,
      markImageUnhealthy: (image) => state.unhealthyImages.add(image),
      markImageHealthy: (image) => state.unhealthyImages.delete(image),
      tick: () => simulation.tick(),
      stopTask: (taskArn) => {
        const task = [...state.clusters.values()]
          .flatMap((cluster) => [...cluster.tasks.values()])
          .find((candidate) => candidate.arn === taskArn);
        if (task === undefined) throw new Error(`no task ${taskArn}`);
        requestStop(task, Date.now(), simulation.timing.taskStopMs);
        wake(task.service);
      },
    },
    close: async () => {
      simulation.close();
      await service.close();
    },
  };
}
