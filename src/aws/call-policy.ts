import pRetry from "p-retry";
import { classifyFailure, errorCode } from "./errors.js";
import type { RateLimits } from "./rate-limits.js";
import { TokenBucket } from "./token-bucket.js";

/** One outbound call's outcome, for metrics and logs. */
export interface CallRecord {
  readonly service: string;
  readonly operation: string;
  /** "ok", or the error code of the final failure. */
  readonly outcome: string;
  readonly attempts: number;
  readonly durationMs: number;
}

/** A failed attempt that is about to be retried, so that retries can be logged instead of silent. */
export interface RetryRecord {
  readonly service: string;
  readonly operation: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** Attempts allowed in all: the first plus `retries`. */
  readonly maxAttempts: number;
  readonly error: Error;
}

export interface CallPolicyOptions {
  /** Retries after the first attempt for throttling, 5xx and network failures; client errors never retry. */
  readonly retries: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Per-attempt timeout. */
  readonly timeoutMs: number;
  readonly onCall?: (record: CallRecord) => void;
  readonly onRetry?: (record: RetryRecord) => void;
}

export const DEFAULT_CALL_POLICY: CallPolicyOptions = {
  retries: 6,
  minBackoffMs: 100,
  maxBackoffMs: 10_000,
  timeoutMs: 15_000,
};

/**
 * The one place outbound calls are paced, timed out and retried. The SDK's own retries are
 * switched off (maxAttempts: 1) so the two layers never multiply into retry storms.
 */
export class CallPolicy {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly service: string,
    private readonly limits: RateLimits,
    private readonly options: CallPolicyOptions = DEFAULT_CALL_POLICY,
  ) {}

  async call<T>(operation: string, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const started = performance.now();
    let attempts = 0;
    const record = (outcome: string) =>
      this.options.onCall?.({
        service: this.service,
        operation,
        outcome,
        attempts,
        durationMs: performance.now() - started,
      });
    try {
      const result = await pRetry(
        async () => {
          attempts++;
          await this.bucketFor(operation)?.take();
          return await send(AbortSignal.timeout(this.options.timeoutMs));
        },
        {
          retries: this.options.retries,
          minTimeout: this.options.minBackoffMs,
          maxTimeout: this.options.maxBackoffMs,
          factor: 2,
          randomize: true,
          // p-retry asks only when retries are left, so a yes here is exactly a retry to report.
          shouldRetry: ({ error, attemptNumber }) => {
            const retry = classifyFailure(error) !== "client";
            if (retry) {
              this.options.onRetry?.({
                service: this.service,
                operation,
                attempt: attemptNumber,
                maxAttempts: this.options.retries + 1,
                error,
              });
            }
            return retry;
          },
        },
      );
      record("ok");
      return result;
    } catch (error) {
      record(errorCode(error));
      throw error;
    }
  }

  private bucketFor(operation: string): TokenBucket | undefined {
    const category = this.limits.operations[operation];
    const limit = category === undefined ? undefined : this.limits.buckets[category];
    if (category === undefined || !limit) return undefined;
    let bucket = this.buckets.get(category);
    if (!bucket) {
      bucket = new TokenBucket(limit);
      this.buckets.set(category, bucket);
    }
    return bucket;
  }
}
