import type { RateLimits } from "./rate-limits.js";

/**
 * ECS API throttling per account and Region (token buckets), as documented by AWS (see design.md).
 * The client paces itself with it and the local ECS server throttles with it.
 */
export const ECS_RATE_LIMITS: RateLimits = {
  buckets: {
    serviceRead: { burst: 100, refillPerSecond: 20 },
    serviceModify: { burst: 50, refillPerSecond: 5 },
    taskDefinitionRead: { burst: 50, refillPerSecond: 20 },
    taskDefinitionModify: { burst: 20, refillPerSecond: 1 },
    clusterResourceRead: { burst: 100, refillPerSecond: 20 },
    tagModify: { burst: 20, refillPerSecond: 10 },
    tagRead: { burst: 50, refillPerSecond: 20 },
    clusterRead: { burst: 50, refillPerSecond: 20 },
    clusterModify: { burst: 20, refillPerSecond: 1 },
  },
  operations: {
    DescribeServices: "serviceRead",
    ListServices: "serviceRead",
    CreateService: "serviceModify",
    UpdateService: "serviceModify",
    DeleteService: "serviceModify",
    DescribeTaskDefinition: "taskDefinitionRead",
    ListTaskDefinitions: "taskDefinitionRead",
    RegisterTaskDefinition: "taskDefinitionModify",
    DeregisterTaskDefinition: "taskDefinitionModify",
    DescribeTasks: "clusterResourceRead",
    ListTasks: "clusterResourceRead",
    DescribeContainerInstances: "clusterResourceRead",
    ListContainerInstances: "clusterResourceRead",
    TagResource: "tagModify",
    UntagResource: "tagModify",
    ListTagsForResource: "tagRead",
    DescribeClusters: "clusterRead",
    CreateCluster: "clusterModify",
  },
};
