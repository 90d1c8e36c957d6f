import type { Json } from "./json.js";

/**
 * An error a local AWS service reports to its caller; over JSON 1.1 the code becomes `__type` and
 * `x-amzn-ErrorType`, and the members join the message in the body.
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** 400 for the caller's mistakes, 500 for the service's own faults. */
    readonly statusCode = 400,
    /** Members the error shape defines beside the message, e.g. Cloud Map's NamespaceId. */
    readonly members: Readonly<Record<string, Json>> = {},
  ) {
    super(message);
    this.name = code;
  }
}
