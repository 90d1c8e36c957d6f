/** A token bucket: `burst` calls at once, then `refillPerSecond` more each second. */
export interface BucketLimit {
  readonly burst: number;
  readonly refillPerSecond: number;
}

/** A service's documented request throttling: its buckets, and which bucket each operation draws from. */
export interface RateLimits {
  readonly buckets: Readonly<Record<string, BucketLimit>>;
  /** Operation -> bucket; operations not listed are not limited. */
  readonly operations: Readonly<Record<string, string>>;
}
