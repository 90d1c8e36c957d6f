import type { RateLimits } from "../published-limits.js";

/** Cloud Map's documented per-account, per-Region quotas the sandbox enforces. */
export const QUOTAS = {
  namespaces: 50,
  instancesPerService: 1000,
  customAttributesPerInstance: 30,
  /** Sum of the lengths of all attribute keys and values of one instance. */
  attributeCharacters: 5000,
  tagsPerResource: 50,
} as const;

/** Cloud Map throttles DiscoverInstances only: a bucket of 2,000 refilled at 1,000 per second. */
export const CLOUD_MAP_RATE_LIMITS: RateLimits = {
  buckets: { discoverInstances: { burst: 2000, refillPerSecond: 1000 } },
  operations: { DiscoverInstances: "discoverInstances" },
};
