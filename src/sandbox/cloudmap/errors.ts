import { AwsError } from "../aws-error.js";
import type { NamespaceRecord, OperationRecord, ServiceRecord } from "./state.js";

/**
 * The Cloud Map error shapes the sandbox raises. Members beyond the message (NamespaceId,
 * CreatorRequestId, ServiceId, ServiceArn, DuplicateOperationId) are written into the message:
 * the shared JSON server sends `__type` and `message` only.
 */

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
    `Namespace ${namespace.name} already exists (NamespaceId ${namespace.id}, CreatorRequestId ${namespace.creation.creatorRequestId ?? "none"}).`,
  );

export const serviceAlreadyExists = (service: ServiceRecord): AwsError =>
  new AwsError(
    "ServiceAlreadyExists",
    `Service ${service.name} already exists (ServiceId ${service.id}, ServiceArn ${service.arn}, CreatorRequestId ${service.creation.creatorRequestId ?? "none"}).`,
  );

export const duplicateRequest = (operation: OperationRecord): AwsError =>
  new AwsError(
    "DuplicateRequest",
    `The operation is already in progress (DuplicateOperationId ${operation.id}).`,
  );

export const resourceInUse = (message: string): AwsError => new AwsError("ResourceInUse", message);

export const resourceLimitExceeded = (message: string): AwsError =>
  new AwsError("ResourceLimitExceeded", message);

export const resourceNotFound = (arn: string): AwsError =>
  new AwsError("ResourceNotFoundException", `Resource not found: ${arn}.`);

export const tooManyTags = (arn: string): AwsError =>
  new AwsError("TooManyTagsException", `Too many tags for ${arn}.`);
