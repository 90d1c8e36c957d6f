import type { AwsJsonHandler } from "../aws-json-server.js";
import type { JsonObject } from "../json.js";
import { ecsArn, shortName } from "./arns.js";
import { addContainerInstances } from "./container-instances.js";
import { invalidParameter, oneOf } from "./errors.js";
import type { ClusterRecord, EcsState, Tag } from "./state.js";
import { parseTags } from "./tags.js";

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const CLUSTER_FIELDS = ["ATTACHMENTS", "CONFIGURATIONS", "SETTINGS", "STATISTICS", "TAGS"] as const;

/** Creates a cluster with the configured number of container instances. */
export function addCluster(
  state: EcsState,
  name: string,
  extras: { tags?: Tag[]; settings?: JsonObject[]; configuration?: JsonObject } = {},
): ClusterRecord {
  const cluster: ClusterRecord = {
    arn: ecsArn(state, "cluster", name),
    name,
    tags: extras.tags ?? [],
    settings: extras.settings ?? [],
    configuration: extras.configuration,
    services: new Map(),
    tasks: new Map(),
    instances: [],
  };
  state.clusters.set(name, cluster);
  addContainerInstances(state, cluster, state.containerInstancesPerCluster);
  return cluster;
}

function clusterView(cluster: ClusterRecord, include: readonly string[]): Record<string, unknown> {
  let running = 0;
  let pending = 0;
  for (const task of cluster.tasks.values()) {
    if (task.lastStatus === "RUNNING") running += 1;
    else if (task.lastStatus === "PENDING") pending += 1;
  }
  let activeServices = 0;
  for (const service of cluster.services.values()) if (service.status === "ACTIVE") activeServices += 1;
  return {
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    status: "ACTIVE",
    registeredContainerInstancesCount: cluster.instances.length,
    runningTasksCount: running,
    pendingTasksCount: pending,
    activeServicesCount: activeServices,
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
    ...(include.includes("TAGS") ? { tags: cluster.tags } : {}),
    ...(include.includes("SETTINGS") ? { settings: cluster.settings } : {}),
    ...(include.includes("CONFIGURATIONS") && cluster.configuration
      ? { configuration: cluster.configuration }
      : {}),
  };
}

export function clusterOperations(state: EcsState): Record<string, AwsJsonHandler> {
  return {
    /** CreateCluster: `default` when unnamed; naming an existing cluster returns it unchanged. */
    CreateCluster: (input) => {
      const name = input.string("clusterName") ?? "default";
      if (!CLUSTER_NAME.test(name)) {
        throw invalidParameter(
          "Cluster names can have up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.",
        );
      }
      if (input.has("capacityProviders") || input.has("defaultCapacityProviderStrategy")) {
        throw invalidParameter("The sandbox has no capacity providers.");
      }
      const existing = state.clusters.get(name);
      const cluster =
        existing ??
        addCluster(state, name, {
          tags: parseTags(input),
          settings: (input.objects("settings") ?? []).map((setting) => structuredClone(setting.value)),
          configuration: structuredClone(input.object("configuration")?.value),
        });
      return { cluster: clusterView(cluster, ["TAGS", "SETTINGS", "CONFIGURATIONS"]) };
    },
    /** DescribeClusters: `default` when none named; unknown clusters come back as MISSING failures. */
    DescribeClusters: (input) => {
      const names = input.strings("clusters") ?? ["default"];
      if (names.length > 100) throw invalidParameter("clusters can have at most 100 items.");
      const include = (input.strings("include") ?? []).map((field) =>
        oneOf(field, CLUSTER_FIELDS, "include"),
      );
      const clusters: Record<string, unknown>[] = [];
      const failures: { arn: string; reason: string }[] = [];
      for (const identifier of names) {
        const cluster = state.clusters.get(shortName(identifier));
        if (cluster === undefined)
          failures.push({ arn: ecsArn(state, "cluster", shortName(identifier)), reason: "MISSING" });
        else clusters.push(clusterView(cluster, include));
      }
      return { clusters, failures };
    },
  };
}
