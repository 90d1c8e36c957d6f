/**
 * An answer other than success, as Consul's HTTP layer writes it: a status code and a plain-text body.
 * Errors from Consul's RPC layer and state store (validation included) reach clients as HTTP 500 with the
 * bare message, so that is the default; the HTTP layer's own checks use 400, 404, 405 and 413.
 */
export class ConsulError extends Error {
  constructor(
    message: string,
    readonly status = 500,
    /** Methods for the Allow header of a 405. */
    readonly allow: readonly string[] = [],
  ) {
    super(message);
    this.name = "ConsulError";
  }
}

export function badRequest(message: string): ConsulError {
  return new ConsulError(message, 400);
}
