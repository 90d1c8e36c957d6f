import type { AwsJsonHandler } from "../aws-json-server.js";
import { namespaceNotFound, serviceNotFound } from "./errors.js";
import { integerIn, oneOf, requiredString, stringMap } from "./members.js";
import { visibleNamespaces } from "./resolve.js";
import { type CloudMapState, type InstanceRecord, isHealthChecked } from "./state.js";

const HEALTH_FILTERS = ["HEALTHY", "UNHEALTHY", "ALL", "HEALTHY_OR_ELSE_ALL"] as const;

export function discoveryOperations(state: CloudMapState): Record<string, AwsJsonHandler> {
  return {
    /**
     * DiscoverInstances: a service's instances by namespace HttpName and service name, in random
     * order. HealthStatus (default HEALTHY) is ignored for services without a health check, whose
     * instances report UNKNOWN. All QueryParameters must match; OptionalParameters narrow the
     * result only when some instance matches them too.
     */
    DiscoverInstances: (input) => {
      const namespaceName = requiredString(input, "NamespaceName");
      const serviceName = requiredString(input, "ServiceName");
      const namespace = visibleNamespaces(state).find((candidate) => candidate.name === namespaceName);
      if (namespace === undefined) throw namespaceNotFound(namespaceName);
      const service = [...namespace.services].find((candidate) => candidate.name === serviceName);
      if (service === undefined) throw serviceNotFound(serviceName);
      const maxResults = integerIn(input, "MaxResults", 1, 1000) ?? 100;
      const healthFilter = oneOf(input, "HealthStatus", HEALTH_FILTERS) ?? "HEALTHY";
      const query = stringMap(input, "QueryParameters") ?? {};
      const optional = stringMap(input, "OptionalParameters") ?? {};

      const all = [...service.instances.values()];
      const healthy = isHealthChecked(service) ? byHealth(all, healthFilter) : all;
      const queried = healthy.filter((instance) => hasAll(instance, query));
      const narrowed = queried.filter((instance) => hasAll(instance, optional));
      const chosen = shuffled(narrowed.length > 0 ? narrowed : queried).slice(0, maxResults);
      return {
        Instances: chosen.map((instance) => ({
          InstanceId: instance.id,
          NamespaceName: namespace.name,
          ServiceName: service.name,
          HealthStatus: instance.health ?? "UNKNOWN",
          Attributes: instance.attributes,
        })),
        InstancesRevision: service.revision,
      };
    },
  };
}

function byHealth(instances: InstanceRecord[], filter: (typeof HEALTH_FILTERS)[number]): InstanceRecord[] {
  if (filter === "ALL") return instances;
  const healthy = instances.filter((instance) => instance.health === "HEALTHY");
  if (filter === "HEALTHY") return healthy;
  if (filter === "UNHEALTHY") return instances.filter((instance) => instance.health === "UNHEALTHY");
  return healthy.length > 0 ? healthy : instances;
}

const hasAll = (instance: InstanceRecord, wanted: Readonly<Record<string, string>>): boolean =>
  Object.entries(wanted).every(([key, value]) => instance.attributes[key] === value);

/** Cloud Map randomises the order so that callers spread their traffic. */
const shuffled = <T>(items: readonly T[]): T[] =>
  items
    .map((item) => ({ item, key: Math.random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
