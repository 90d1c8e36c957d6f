import type { BucketLimit } from "./rate-limits.js";

/**
 * Client-side pacing that mirrors the server's token bucket, so a large apply runs at the
 * bucket's rate instead of being throttled and backing off. Callers reserve a token and sleep
 * until it exists; reservations queue in order.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly limit: BucketLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit.burst;
    this.updatedAt = now();
  }

  /** Milliseconds the caller must wait before using the token it has just reserved. */
  reserve(): number {
    const now = this.now();
    this.tokens = Math.min(
      this.limit.burst,
      this.tokens + ((now - this.updatedAt) / 1000) * this.limit.refillPerSecond,
    );
    this.updatedAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.limit.refillPerSecond) * 1000;
  }

  async take(): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
