/** An HTTP error from a non-AWS API, shaped so the shared call policy classifies it (5xx retried, 4xx not). */
export class HttpStatusError extends Error {
  override readonly name = "HttpStatusError";
  readonly $metadata: { httpStatusCode: number };
  readonly $fault: "client" | "server";

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.$metadata = { httpStatusCode: status };
    this.$fault = status >= 500 ? "server" : "client";
  }
}
