import { type AwsJsonServiceOptions, startAwsJsonService } from "../aws-json-server.js";
import type { GatedServer } from "../call-gate.js";
import { discoveryOperations } from "./discovery.js";
import { instanceOperations } from "./instances.js";
import { namespaceOperations } from "./namespaces.js";
import { DEFAULT_TIMING, OperationRunner, type OperationTiming } from "./operation-runner.js";
import { operationOperations } from "./operations.js";
import { CLOUD_MAP_RATE_LIMITS } from "./quotas.js";
import { serviceOperations } from "./services.js";
import {
  type CloudMapState,
  type HealthStatus,
  isHealthChecked,
  newCloudMapState,
  type OperationFailure,
  type OperationType,
} from "./state.js";
import { tagOperations } from "./tags.js";

export const CLOUD_MAP_TARGET_PREFIX = "Route53AutoNaming_v20170314";

export interface CloudMapServerOptions extends AwsJsonServiceOptions {
  /** Default us-east-1. */
  readonly region?: string;
  /** Default 123456789012. */
  readonly accountId?: string;
  /** How long asynchronous operations take; default 50 ms SUBMITTED, then 100 ms PENDING. */
  readonly timing?: Partial<OperationTiming>;
}

/** Test controls and read access to the simulated account. */
export interface CloudMapControl {
  readonly state: CloudMapState;
  /** Operations of this type submitted from now on end in FAIL with this error (default: one Cloud Map reports for the type). */
  failOperations(type: OperationType, failure?: OperationFailure): void;
  /** Operations of this type submitted from now on succeed again. */
  passOperations(type: OperationType): void;
  /** Sets a health-checked instance's status, as a custom health check or Route 53 would. */
  setInstanceHealth(serviceId: string, instanceId: string, health: HealthStatus): void;
}

export interface CloudMapServer extends GatedServer {
  readonly cloudMap: CloudMapControl;
}

const DEFAULT_FAILURES: Readonly<Record<OperationType, OperationFailure>> = {
  CREATE_NAMESPACE: {
    code: "CANNOT_CREATE_HOSTED_ZONE",
    message: "The hosted zone could not be created (injected).",
  },
  DELETE_NAMESPACE: { code: "INTERNAL_FAILURE", message: "The namespace could not be deleted (injected)." },
  UPDATE_SERVICE: { code: "INTERNAL_FAILURE", message: "The service could not be updated (injected)." },
  REGISTER_INSTANCE: {
    code: "INTERNAL_FAILURE",
    message: "The instance could not be registered (injected).",
  },
  DEREGISTER_INSTANCE: {
    code: "INTERNAL_FAILURE",
    message: "The instance could not be deregistered (injected).",
  },
};

/**
 * Starts a local AWS Cloud Map (servicediscovery 2017-03-14) over AWS JSON 1.1. Namespace creation
 * and deletion, service updates and instance (de)registration are asynchronous operations whose
 * effect shows at SUCCESS. SDK clients need `disableHostPrefix: true`, or DiscoverInstances goes to
 * `data-<host>`.
 */
export async function startCloudMapServer(options: CloudMapServerOptions = {}): Promise<CloudMapServer> {
  const state = newCloudMapState(options.region ?? "us-east-1", options.accountId ?? "123456789012");
  const runner = new OperationRunner(state, { ...DEFAULT_TIMING, ...options.timing });
  const service = await startAwsJsonService(
    {
      targetPrefix: CLOUD_MAP_TARGET_PREFIX,
      rateLimits: CLOUD_MAP_RATE_LIMITS,
      // Cloud Map's error shapes spell the message member so, and model their own throttling error.
      messageMember: "Message",
      throttleCode: "RequestLimitExceeded",
      handlers: {
        ...namespaceOperations(state, runner),
        ...serviceOperations(state, runner),
        ...instanceOperations(state, runner),
        ...discoveryOperations(state),
        ...operationOperations(state),
        ...tagOperations(state),
      },
    },
    options,
  );
  return {
    ...service,
    cloudMap: {
      state,
      failOperations: (type, failure = DEFAULT_FAILURES[type]) => state.failures.set(type, failure),
      passOperations: (type) => state.failures.delete(type),
      setInstanceHealth: (serviceId, instanceId, health) => {
        const service = state.services.get(serviceId);
        const instance = service?.instances.get(instanceId);
        if (service === undefined || instance === undefined || !isHealthChecked(service)) {
          throw new Error(`no health-checked instance ${instanceId} in service ${serviceId}`);
        }
        instance.health = health;
        service.revision += 1;
      },
    },
    close: async () => {
      runner.close();
      await service.close();
    },
  };
}
