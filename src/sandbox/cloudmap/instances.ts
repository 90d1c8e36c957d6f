import type { AwsJsonHandler } from "../aws-json-server.js";
import { canonicalJson } from "../json.js";
import { initialHealth, instanceAttributes } from "./attributes.js";
import { duplicateRequest, instanceNotFound, resourceLimitExceeded } from "./errors.js";
import { optionalString, requiredString } from "./members.js";
import type { OperationRunner } from "./operation-runner.js";
import { paginate } from "./pagination.js";
import { QUOTAS } from "./quotas.js";
import { resolveService } from "./resolve.js";
import type { CloudMapState, InstanceRecord } from "./state.js";

const INSTANCE_ID = /^[0-9a-zA-Z_/:.@-]{1,64}$/;

export function instanceOperations(
  state: CloudMapState,
  runner: OperationRunner,
): Record<string, AwsJsonHandler> {
  return {
    /**
     * RegisterInstance: creates or replaces the instance at SUCCESS. One operation at a time per
     * instance: while one is in flight the same request retried (same CreatorRequestId, same input)
     * gets its OperationId, anything else DuplicateRequest.
     */
    RegisterInstance: (input) => {
      const service = resolveService(state, input, "ServiceId");
      const id = requiredString(input, "InstanceId", { pattern: INSTANCE_ID });
      const creatorRequestId = optionalString(input, "CreatorRequestId", { max: 64 });
      const attributes = instanceAttributes(input, service);
      const digest = canonicalJson(input.value);
      const inFlight = service.pending.get(id);
      if (inFlight !== undefined) {
        const { creation } = inFlight;
        if (
          creatorRequestId !== undefined &&
          creation?.creatorRequestId === creatorRequestId &&
          creation.digest === digest
        ) {
          return { OperationId: inFlight.operation.id };
        }
        throw duplicateRequest(inFlight.operation);
      }
      if (!service.instances.has(id) && service.instances.size >= QUOTAS.instancesPerService) {
        throw resourceLimitExceeded(`A service can have at most ${QUOTAS.instancesPerService} instances.`);
      }
      const operation = runner.open("REGISTER_INSTANCE", { SERVICE: service.id, INSTANCE: id });
      service.pending.set(id, { operation, creation: { creatorRequestId, digest } });
      runner.run(operation, {
        apply: () => {
          service.instances.set(id, {
            id,
            creatorRequestId,
            attributes,
            health: initialHealth(service, attributes),
          });
          service.revision += 1;
        },
        settle: () => service.pending.delete(id),
      });
      return { OperationId: operation.id };
    },

    /** DeregisterInstance: the instance goes at SUCCESS. */
    DeregisterInstance: (input) => {
      const service = resolveService(state, input, "ServiceId");
      const id = requiredString(input, "InstanceId", { max: 64 });
      const inFlight = service.pending.get(id);
      if (inFlight !== undefined) throw duplicateRequest(inFlight.operation);
      if (!service.instances.has(id)) throw instanceNotFound(id);
      const operation = runner.open("DEREGISTER_INSTANCE", { SERVICE: service.id, INSTANCE: id });
      service.pending.set(id, { operation, creation: undefined });
      runner.run(operation, {
        apply: () => {
          service.instances.delete(id);
          service.revision += 1;
        },
        settle: () => service.pending.delete(id),
      });
      return { OperationId: operation.id };
    },

    GetInstance: (input) => {
      const service = resolveService(state, input, "ServiceId");
      const id = requiredString(input, "InstanceId", { max: 64 });
      const instance = service.instances.get(id);
      if (instance === undefined) throw instanceNotFound(id);
      return {
        ResourceOwner: state.accountId,
        Instance: {
          Id: instance.id,
          ...(instance.creatorRequestId === undefined ? {} : { CreatorRequestId: instance.creatorRequestId }),
          Attributes: instance.attributes,
          CreatedByAccount: state.accountId,
        },
      };
    },

    ListInstances: (input) => {
      const service = resolveService(state, input, "ServiceId");
      const page = paginate([...service.instances.values()], input);
      return {
        ResourceOwner: state.accountId,
        Instances: page.items.map((instance: InstanceRecord) => ({
          Id: instance.id,
          Attributes: instance.attributes,
          CreatedByAccount: state.accountId,
        })),
        ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
      };
    },
  };
}
