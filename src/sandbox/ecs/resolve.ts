import { parseEcsArn, shortName } from "./arns.js";
import { clusterNotFound, invalidParameter, serviceNotFound } from "./errors.js";
import type { ClusterRecord, EcsState, ServiceRecord, TaskDefinitionRecord } from "./state.js";

/** The cluster a request names (by name or ARN), `default` when it names none. */
export function resolveCluster(state: EcsState, identifier: string | undefined): ClusterRecord {
  const cluster = state.clusters.get(shortName(identifier ?? "default"));
  if (cluster === undefined) throw clusterNotFound();
  return cluster;
}

/** The service a request names (by name or ARN), in any status ECS still remembers. */
export function resolveService(cluster: ClusterRecord, identifier: string | undefined): ServiceRecord {
  if (identifier === undefined || identifier === "") throw invalidParameter("service must be specified.");
  const service = cluster.services.get(shortName(identifier));
  if (service === undefined) throw serviceNotFound();
  return service;
}

/**
 * A task definition by ARN, `family:revision` (any status) or `family` (its latest ACTIVE
 * revision). A deleted revision is gone once nothing uses it: ECS then no longer describes it.
 */
export function findTaskDefinition(state: EcsState, reference: string): TaskDefinitionRecord | undefined {
  const arn = reference.startsWith("arn:") ? parseEcsArn(reference) : undefined;
  if (arn !== undefined && arn.type !== "task-definition") return undefined;
  const [family = "", revision, ...rest] = (arn?.path ?? reference).split(":");
  const revisions = state.taskDefinitions.get(family);
  if (revisions === undefined || rest.length > 0) return undefined;
  if (revision === undefined) return revisions.findLast((td) => td.status === "ACTIVE");
  const td = /^[1-9]\d*$/.test(revision) ? revisions[Number(revision) - 1] : undefined;
  return td === undefined || isGone(state, td) ? undefined : td;
}

/** Revisions stay numbered after deletion, so a deleted one is kept and tells itself apart here. */
export function isGone(state: EcsState, td: TaskDefinitionRecord): boolean {
  if (td.status !== "DELETE_IN_PROGRESS") return false;
  for (const cluster of state.clusters.values()) {
    for (const service of cluster.services.values()) {
      if (service.status === "INACTIVE") continue;
      if (service.taskDefinition === td || service.deployments.some((d) => d.taskDefinition === td))
        return false;
    }
    for (const task of cluster.tasks.values())
      if (task.lastStatus !== "STOPPED" && task.taskDefinition === td) return false;
  }
  return true;
}
