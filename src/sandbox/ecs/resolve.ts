import { shortName } from "./arns.js";
import { clusterNotFound, invalidParameter, serviceNotFound } from "./errors.js";
import type { ClusterRecord, EcsState, ServiceRecord } from "./state.js";

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
