/** An error an AWS JSON service reports to its caller: the code becomes `__type` and `x-amzn-ErrorType`. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** 400 for the caller's mistakes, 500 for the service's own faults. */
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = code;
  }
}
