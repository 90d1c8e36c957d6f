import { AwsError } from "../aws-error.js";

/** The ECS error shapes the sandbox raises, with the messages ECS uses. */

export const invalidParameter = (message: string): AwsError =>
  new AwsError("InvalidParameterException", message);

export const clientError = (message: string): AwsError => new AwsError("ClientException", message);

export const clusterNotFound = (): AwsError => new AwsError("ClusterNotFoundException", "Cluster not found.");

export const serviceNotFound = (): AwsError => new AwsError("ServiceNotFoundException", "Service not found.");

export const serviceNotActive = (): AwsError =>
  new AwsError("ServiceNotActiveException", "Service was not ACTIVE.");

export const resourceNotFound = (): AwsError =>
  new AwsError("ResourceNotFoundException", "The specified resource could not be found.");

/** Checks a string member against its enum in the model. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], member: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidParameter(`${member} must be one of ${allowed.join(", ")}; got "${value}".`);
  }
  return value as T;
}
