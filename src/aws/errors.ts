/** Why an outbound call failed, which decides whether it is retried and how status reports it. */
export type FailureClass = "throttled" | "server" | "network" | "client";

interface AwsLikeError {
  name?: string;
  code?: string;
  $fault?: "client" | "server";
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

const THROTTLING_CODES = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ProvisionedThroughputExceededException",
]);
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
]);

export function classifyFailure(error: unknown): FailureClass {
  const e = (error ?? {}) as AwsLikeError;
  if (THROTTLING_CODES.has(e.name ?? "") || e.$retryable?.throttling) return "throttled";
  const status = e.$metadata?.httpStatusCode;
  if (status === 429) return "throttled";
  if (e.$fault === "server" || (status !== undefined && status >= 500)) return "server";
  if (NETWORK_CODES.has(e.code ?? "") || e.name === "TimeoutError" || e.name === "AbortError")
    return "network";
  if (status === undefined && e.$fault === undefined) return "network";
  return "client";
}

/** The error code AWS gave (e.g. ServiceNotFoundException), or the Node error code. */
export function errorCode(error: unknown): string {
  const e = (error ?? {}) as AwsLikeError;
  return e.name && e.name !== "Error" ? e.name : (e.code ?? "Error");
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
