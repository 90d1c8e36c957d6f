import { AwsError } from "../aws-error.js";
import type { NamespaceRecord, OperationRecord, ServiceRecord } from "./state.js";

/** The Cloud Map error shapes the sandbox raises, with the members beside Message the model gives them. */

export const invalidInput = (message: string): AwsError => new AwsError("InvalidInput", message);

export const namespaceNotFound = (id: string): AwsError =>
  new AwsError("NamespaceNotFound", `Namespace not found: ${id}.`);

export const serviceNotFound = (id: string): AwsError =>
  new AwsError("ServiceNotFound", `Service not found: ${id}.`);

export const instanceNotFound = (id: string): AwsError =>
  new AwsError("InstanceNotFound", `Instance not found: ${id}.`);

export const operationNotFound = (id: string): AwsError =>
  new AwsError("OperationNotFound", `Operation not found: ${id}.`);

export const namespaceAlreadyExists = (namespace: NamespaceRecord): AwsError =>
  new AwsError(
    "NamespaceAlreadyExists",
    `Namespace ${namespace.name} already exists with id ${namespace.id}.`,
    400,
    {
      NamespaceId: namespace.id,
      ...creatorRequestId(namespace.creation.creatorRequestId),
    },
  );

export const serviceAlreadyExists = (service: ServiceRecord): AwsError =>
  new AwsError("ServiceAlreadyExists", `Service ${service.name} already exists with id ${service.id}.`, 400, {
    ServiceId: service.id,
    ServiceArn: service.arn,
    ...creatorRequestId(service.creation.creatorRequestId),
  });

export const duplicateRequest = (operation: OperationRecord): AwsError =>
  new AwsError("DuplicateRequest", `Operation ${operation.id} is already in progress.`, 400, {
    DuplicateOperationId: operation.id,
  });

export const resourceInUse = (message: string): AwsError => new AwsError("ResourceInUse", message);

export const resourceLimitExceeded = (message: string): AwsError =>
  new AwsError("ResourceLimitExceeded", message);

export const resourceNotFound = (arn: string): AwsError =>
  new AwsError("ResourceNotFoundException", `Resource not found: ${arn}.`);

export const tooManyTags = (arn: string): AwsError =>
  new AwsError("TooManyTagsException", `Too many tags for ${arn}.`, 400, { ResourceName: arn });

/** Absent when the request that created the resource gave none. */
function creatorRequestId(id: string | undefined): { CreatorRequestId?: string } {
  return id === undefined ? {} : { CreatorRequestId: id };
}
