import type { Service } from "@aws-sdk/client-ecs";
import { canonicalTaskDefinition } from "../../compile/ecs/normalize.js";
import type { DesiredService } from "../../compile/ecs/render.js";
import type { Inventory } from "../../inventory/inventory.js";
import { chunk, mapConcurrent } from "../../util/concurrency.js";
import { DESCRIBE_SERVICES_BATCH, type EcsApi } from "./ecs-client.js";
import { type ObservedEcs, revisionsToReuse, taskDefinitionsToDescribe } from "./plan.js";

/** Calls in flight at once while observing; the client-side token buckets pace them further. */
const READ_CONCURRENCY = 16;

/**
 * Canonical task definitions by ARN. Revisions are immutable, so an entry never goes stale:
 * a long-running controller describes each revision once.
 */
export type TaskDefinitionCache = Map<string, unknown>;

export class EcsObserveError extends Error {}

/** Why ECS cannot deploy a revision it does not describe. */
const UNKNOWN_TO_ECS = "unknown to ECS";

/**
 * Reads what the plan needs with the fewest calls: DescribeServices for the desired and
 * inventory names in batches of 10 (no ListServices: names we neither want nor created are none
 * of our business), then DescribeTaskDefinition only for revisions neither the inventory's
 * fingerprints nor the cache can settle, and for remembered revisions about to be deployed again
 * (a status is not immutable, so those are never taken from the cache).
 */
export async function observeEcs(
  api: EcsApi,
  cluster: string,
  desired: readonly DesiredService[],
  inventory: Inventory,
  cache: TaskDefinitionCache,
): Promise<ObservedEcs> {
  const names = [...new Set([...desired.map((d) => d.name), ...Object.keys(inventory.services)])].sort();
  const batches = await mapConcurrent(chunk(names, DESCRIBE_SERVICES_BATCH), READ_CONCURRENCY, (batch) =>
    api.describeServices(cluster, batch),
  );
  const services = new Map<string, Service>();
  for (const { services: found, failures } of batches) {
    const unexpected = failures.filter((f) => f.reason !== "MISSING");
    if (unexpected.length > 0) {
      throw new EcsObserveError(
        `DescribeServices failed for ${unexpected.map((f) => `${f.arn}: ${f.reason}`).join(", ")}`,
      );
    }
    // An INACTIVE service is a deleted one that ECS still describes for a while.
    for (const service of found)
      if (service.serviceName && service.status !== "INACTIVE") services.set(service.serviceName, service);
  }
  const goneRevisions = new Map<string, string>();
  const missing = taskDefinitionsToDescribe(desired, services, inventory).filter((arn) => !cache.has(arn));
  await mapConcurrent(missing, READ_CONCURRENCY, async (arn) => {
    const described = await api.describeTaskDefinition(arn);
    if (described) cache.set(arn, canonicalTaskDefinition(described.taskDefinition));
    else goneRevisions.set(arn, UNKNOWN_TO_ECS);
  });
  const observed = { services, taskDefinitions: cache, goneRevisions };
  await mapConcurrent(revisionsToReuse(desired, observed, inventory), READ_CONCURRENCY, async (arn) => {
    const status = (await api.describeTaskDefinition(arn))?.taskDefinition.status ?? UNKNOWN_TO_ECS;
    if (status !== "ACTIVE") goneRevisions.set(arn, status);
  });
  return observed;
}
