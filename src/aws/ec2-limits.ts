import type { RateLimits } from "./rate-limits.js";

/**
 * EC2 request-rate throttling per account and Region: every API has its own token bucket, and
 * non-mutating actions (Describe*) hold 100 tokens and refill 20 a second (EC2 developer guide,
 * "Request throttling for the Amazon EC2 API").
 */
export const EC2_RATE_LIMITS: RateLimits = {
  buckets: { DescribeInstances: { burst: 100, refillPerSecond: 20 } },
  operations: { DescribeInstances: "DescribeInstances" },
};
