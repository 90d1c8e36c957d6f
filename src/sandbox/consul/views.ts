import type { Json, JsonObject } from "../json.js";
import { formatGoDuration } from "./go-duration.js";
import type {
  CheckDefinition,
  CheckRecord,
  KvEntry,
  NodeRecord,
  ServiceRecord,
  SessionRecord,
  StringMap,
} from "./records.js";

/**
 * Records as Consul's HTTP API writes them (field names and order of its Go structs). Tag lists are never
 * null in answers: Consul's handlers replace a nil list with an empty one.
 */

/** structs.Node */
export function nodeView(node: NodeRecord): JsonObject {
  return {
    ID: node.id,
    Node: node.node,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: map(node.taggedAddresses),
    Meta: map(node.meta),
    CreateIndex: node.createIndex,
    ModifyIndex: node.modifyIndex,
  };
}

/** structs.NodeService, as listed by /catalog/node-services, /health/service and /txn. */
export function nodeServiceView(service: ServiceRecord): JsonObject {
  return {
    ID: service.id,
    Service: service.service,
    Tags: [...(service.tags ?? [])],
    Address: service.address,
    Meta: map(service.meta),
    Port: service.port,
    Weights: { Passing: service.weights.passing, Warning: service.weights.warning },
    EnableTagOverride: service.enableTagOverride,
    CreateIndex: service.createIndex,
    ModifyIndex: service.modifyIndex,
  };
}

/** api.AgentService, as listed by /agent/services. */
export function agentServiceView(service: ServiceRecord, datacenter: string): JsonObject {
  return {
    ID: service.id,
    Service: service.service,
    Tags: [...(service.tags ?? [])],
    Meta: map(service.meta) ?? {},
    Port: service.port,
    Address: service.address,
    Weights: { Passing: service.weights.passing, Warning: service.weights.warning },
    EnableTagOverride: service.enableTagOverride,
    Datacenter: datacenter,
  };
}

/** structs.ServiceNode: one instance joined with its node, as listed by /catalog/service/:service. */
export function serviceNodeView(node: NodeRecord, service: ServiceRecord): JsonObject {
  return {
    ID: node.id,
    Node: node.node,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: map(node.taggedAddresses),
    NodeMeta: map(node.meta),
    ServiceKind: "",
    ServiceID: service.id,
    ServiceName: service.service,
    ServiceTags: [...(service.tags ?? [])],
    ServiceAddress: service.address,
    ServiceWeights: { Passing: service.weights.passing, Warning: service.weights.warning },
    ServiceMeta: map(service.meta),
    ServicePort: service.port,
    ServiceEnableTagOverride: service.enableTagOverride,
    CreateIndex: service.createIndex,
    ModifyIndex: service.modifyIndex,
  };
}

/** structs.HealthCheck; durations in the definition are Go duration text. */
export function checkView(check: CheckRecord): JsonObject {
  return {
    Node: check.node,
    CheckID: check.checkId,
    Name: check.name,
    Status: check.status,
    Notes: check.notes,
    Output: check.output,
    ServiceID: check.serviceId,
    ServiceName: check.serviceName,
    ServiceTags: [...(check.serviceTags ?? [])],
    Type: check.type,
    Definition: definitionView(check.definition),
    CreateIndex: check.createIndex,
    ModifyIndex: check.modifyIndex,
  };
}

/** structs.HealthCheckDefinition, whose fields are all omitempty: a check without one shows {}. */
function definitionView(definition: CheckDefinition): JsonObject {
  const durations = {
    Interval: definition.interval,
    Timeout: definition.timeout,
    DeregisterCriticalServiceAfter: definition.deregisterCriticalServiceAfter,
  };
  return {
    ...(definition.http === "" ? {} : { HTTP: definition.http }),
    ...(definition.tcp === "" ? {} : { TCP: definition.tcp }),
    ...Object.fromEntries(
      Object.entries(durations)
        .filter(([, nanos]) => nanos !== 0)
        .map(([field, nanos]) => [field, formatGoDuration(nanos)]),
    ),
  };
}

/** structs.DirEntry; the value is base64, or null when left out or empty. */
export function kvView(entry: KvEntry, withValue = true): JsonObject {
  return {
    LockIndex: entry.lockIndex,
    Key: entry.key,
    Flags: entry.flags,
    Value: withValue && entry.value !== null ? entry.value.toString("base64") : null,
    ...(entry.session === "" ? {} : { Session: entry.session }),
    CreateIndex: entry.createIndex,
    ModifyIndex: entry.modifyIndex,
  };
}

/** structs.Session; LockDelay in nanoseconds. */
export function sessionView(session: SessionRecord): JsonObject {
  return {
    ID: session.id,
    Name: session.name,
    Node: session.node,
    LockDelay: session.lockDelay,
    Behavior: session.behavior,
    TTL: session.ttl,
    NodeChecks: [...session.nodeChecks],
    ServiceChecks: null,
    CreateIndex: session.createIndex,
    ModifyIndex: session.modifyIndex,
  };
}

function map(value: StringMap | null): Json {
  return value === null ? null : { ...value };
}
