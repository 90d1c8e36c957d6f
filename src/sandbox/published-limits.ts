/**
 * AWS's published request throttling, as the sandbox reads it. The product keeps its own copy to
 * pace itself (src/aws); this one is the fakes' second reading, so the two can be checked against
 * each other instead of one trusting the other.
 */

/** A token bucket: `burst` calls at once, then `refillPerSecond` more each second. */
export interface BucketLimit {
  readonly burst: number;
  readonly refillPerSecond: number;
}

/** A service's throttling: its buckets, and which bucket each operation draws from. */
export interface RateLimits {
  readonly buckets: Readonly<Record<string, BucketLimit>>;
  /** Operation -> bucket; operations not listed are not limited. */
  readonly operations: Readonly<Record<string, string>>;
}

/** For servers that never throttle (namerd, Grafana). */
export const NO_RATE_LIMITS: RateLimits = { buckets: {}, operations: {} };

/**
 * Amazon ECS API Reference, "Request throttling for the Amazon ECS API": per account and Region,
 * bucket maximum capacity (burst) and refill rate per action category, for the actions the
 * sandbox serves.
 */
export const ECS_PUBLISHED_LIMITS: RateLimits = {
  buckets: {
    clusterRead: { burst: 50, refillPerSecond: 20 },
    clusterModify: { burst: 20, refillPerSecond: 1 },
    clusterResourceRead: { burst: 100, refillPerSecond: 20 },
    serviceRead: { burst: 100, refillPerSecond: 20 },
    serviceModify: { burst: 50, refillPerSecond: 5 },
    taskDefinitionRead: { burst: 50, refillPerSecond: 20 },
    taskDefinitionModify: { burst: 20, refillPerSecond: 1 },
    tagRead: { burst: 50, refillPerSecond: 20 },
    tagModify: { burst: 20, refillPerSecond: 10 },
  },
  operations: {
    DescribeClusters: "clusterRead",
    CreateCluster: "clusterModify",
    DescribeContainerInstances: "clusterResourceRead",
    ListContainerInstances: "clusterResourceRead",
    DescribeTasks: "clusterResourceRead",
    ListTasks: "clusterResourceRead",
    DescribeServices: "serviceRead",
    ListServices: "serviceRead",
    CreateService: "serviceModify",
    UpdateService: "serviceModify",
    DeleteService: "serviceModify",
    DescribeTaskDefinition: "taskDefinitionRead",
    ListTaskDefinitions: "taskDefinitionRead",
    RegisterTaskDefinition: "taskDefinitionModify",
    DeregisterTaskDefinition: "taskDefinitionModify",
    ListTagsForResource: "tagRead",
    TagResource: "tagModify",
    UntagResource: "tagModify",
  },
};

/**
 * Amazon EC2 Developer Guide, "EC2 API request throttling" (request rate limiting): every action
 * has its own bucket, and non-mutating actions such as DescribeInstances hold 100 tokens and
 * refill 20 a second.
 */
export const EC2_PUBLISHED_LIMITS: RateLimits = {
  buckets: { DescribeInstances: { burst: 100, refillPerSecond: 20 } },
  operations: { DescribeInstances: "DescribeInstances" },
};
