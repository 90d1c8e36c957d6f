import type { BucketLimit } from "./token-bucket.js";

/** ECS's documented per-account, per-Region API buckets (see design.md), by category. */
export const ECS_BUCKETS: Readonly<Record<string, BucketLimit>> = {
  serviceRead: { burst: 100, refillPerSecond: 20 },
  serviceModify: { burst: 50, refillPerSecond: 5 },
  taskDefinitionRead: { burst: 50, refillPerSecond: 20 },
  taskDefinitionModify: { burst: 20, refillPerSecond: 1 },
  clusterResourceRead: { burst: 100, refillPerSecond: 20 },
  tagModify: { burst: 20, refillPerSecond: 10 },
  tagRead: { burst: 50, refillPerSecond: 20 },
  clusterRead: { burst: 50, refillPerSecond: 20 },
  clusterModify: { burst: 20, refillPerSecond: 1 },
};

const CATEGORY_OF: Readonly<Record<string, string>> = {
  DescribeServices: "serviceRead",
  ListServices: "serviceRead",
  CreateService: "serviceModify",
  UpdateService: "serviceModify",
  DeleteService: "serviceModify",
  DescribeTaskDefinition: "taskDefinitionRead",
  ListTaskDefinitions: "taskDefinitionRead",
  ListTaskDefinitionFamilies: "taskDefinitionRead",
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
  ListClusters: "clusterRead",
  CreateCluster: "clusterModify",
};

export function ecsCategory(operation: string): string | undefined {
  return CATEGORY_OF[operation];
}
