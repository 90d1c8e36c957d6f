import { ECS_RATE_LIMITS } from "../../aws/ecs-limits.js";
import { type AwsJsonExchange, startAwsJsonServer } from "../aws-json-server.js";
import { CallCounter } from "../call-counter.js";
import { type FaultSettings, Faults } from "../faults.js";
import { addCluster, clusterOperations } from "./clusters.js";
import { containerInstanceOperations } from "./container-instances.js";
import { serviceOperations } from "./services.js";
import { Simulation } from "./simulation.js";
import { DEFAULT_TIMING, type SimulationTiming } from "./simulation-timing.js";
import { type EcsState, newEcsState } from "./state.js";
import { tagOperations } from "./tags.js";
import { taskDefinitionOperations } from "./task-definitions.js";
import { taskOperations } from "./tasks.js";

export const ECS_TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113";

export interface EcsServerOptions {
  /** Default us-east-1. */
  readonly region?: string;
  /** Default 123456789012. */
  readonly accountId?: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Clusters that exist from the start; default ["default"], the one ECS uses when a request names none. */
  readonly clusters?: readonly string[];
  /** EC2 container instances each cluster gets; default 3. */
  readonly containerInstances?: number;
  readonly timing?: Partial<SimulationTiming>;
  /** Default: ECS's documented throttling, no latency, no errors, no resets. */
  readonly faults?: Partial<FaultSettings>;
  /** Sees every answered request (for checking responses against the service model, or logging). */
  readonly onExchange?: (exchange: AwsJsonExchange) => void;
}

/** Test controls and read access to the simulated account. */
export interface EcsControl {
  readonly state: EcsState;
  /** Tasks launched from now on whose essential containers use this image fail to start. */
  markImageUnhealthy(image: string): void;
  markImageHealthy(image: string): void;
  /** Runs one scheduler pass now instead of waiting for the timer. */
  tick(): void;
}

export interface EcsServer {
  readonly url: string;
  readonly calls: CallCounter;
  readonly faults: Faults;
  readonly ecs: EcsControl;
  close(): Promise<void>;
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
  const calls = new CallCounter();
  const faults = new Faults(ECS_RATE_LIMITS, options.faults);
  const wake = simulation.wake.bind(simulation);
  const http = await startAwsJsonServer({
    targetPrefix: ECS_TARGET_PREFIX,
    handlers: {
      ...clusterOperations(state),
      ...containerInstanceOperations(state),
      ...taskDefinitionOperations(state),
      ...serviceOperations(state, wake),
      ...taskOperations(state),
      ...tagOperations(state),
    },
    faults,
    calls,
    serverErrorCode: "ServerException",
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.onExchange === undefined ? {} : { onExchange: options.onExchange }),
  });
  return {
    url: http.url,
    calls,
    faults,
    ecs: {
      state,
      markImageUnhealthy: (image) => state.unhealthyImages.add(image),
      markImageHealthy: (image) => state.unhealthyImages.delete(image),
      tick: () => simulation.tick(),
    },
    close: async () => {
      simulation.close();
      await http.close();
    },
  };
}
