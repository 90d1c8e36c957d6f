import type { AwsJsonHandler } from "../aws-json-server.js";
import { canonicalJson } from "../json.js";
import type { JsonReader } from "../json-reader.js";
import { cloudMapArn, idOf } from "./arns.js";
import { dnsConfig, dnsRecords, healthCheckConfig, recordTypes } from "./dns-config.js";
import {
  duplicateRequest,
  invalidInput,
  namespaceNotFound,
  resourceInUse,
  serviceAlreadyExists,
} from "./errors.js";
import { matchesAll, parseFilters } from "./filters.js";
import { newServiceId } from "./ids.js";
import { oneOf, optionalString, requiredString } from "./members.js";
import type { OperationRunner } from "./operation-runner.js";
import { paginate } from "./pagination.js";
import { findNamespace, resolveService } from "./resolve.js";
import type { CloudMapState, NamespaceRecord, ServiceRecord } from "./state.js";
import { isRetryOf } from "./state.js";
import { parseTags } from "./tags.js";

/** The model's ServiceName: DNS labels joined by dots, at most 127 characters, or a lone dot. */
const SERVICE_NAME =
  /^(?:(?=.{1,127}$)([a-zA-Z0-9_][a-zA-Z0-9-_]{0,61}[a-zA-Z0-9_]|[a-zA-Z0-9])(\.([a-zA-Z0-9_][a-zA-Z0-9-_]{0,61}[a-zA-Z0-9_]|[a-zA-Z0-9]))*|\.)$/;

export function serviceOperations(
  state: CloudMapState,
  runner: OperationRunner,
): Record<string, AwsJsonHandler> {
  return {
    CreateService: (input) => ({ Service: serviceView(state, createService(state, input), true) }),

    GetService: (input) => ({ Service: serviceView(state, resolveService(state, input, "Id"), true) }),

    ListServices: (input) => {
      const filters = parseFilters(input, { NAMESPACE_ID: ["EQ"], RESOURCE_OWNER: ["EQ"] });
      const services = [...state.services.values()].filter((service) =>
        matchesAll(filters, (name) => (name === "NAMESPACE_ID" ? service.namespace.id : "SELF")),
      );
      const page = paginate(services, input);
      return {
        Services: page.items.map((service) => serviceView(state, service, false)),
        ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
      };
    },

    /**
     * UpdateService: a new Description and new TTLs for the same record types, applied at SUCCESS.
     * Refused for services in HTTP namespaces, as documented. DnsRecords left out are kept (the
     * record types cannot change, so deleting them is not simulated).
     */
    UpdateService: (input) => {
      const service = resolveService(state, input, "Id");
      const change = input.object("Service");
      if (change === undefined) throw invalidInput("Service is required.");
      if (service.namespace.type === "HTTP") {
        throw invalidInput("UpdateService does not support services in HTTP namespaces.");
      }
      if (service.updating !== undefined) throw duplicateRequest(service.updating);
      if (change.has("HealthCheckConfig")) {
        throw invalidInput("HealthCheckConfig is for public DNS and HTTP namespaces.");
      }
      const description = optionalString(change, "Description", { max: 1024 });
      const dns = change.object("DnsConfig");
      const records = dns === undefined ? undefined : dnsRecords(dns);
      const current = service.dnsConfig;
      if (
        records !== undefined &&
        (current === undefined || recordTypes(records) !== recordTypes(current.DnsRecords))
      ) {
        throw invalidInput("UpdateService can change the TTLs of DnsRecords, not their types.");
      }
      const operation = runner.open("UPDATE_SERVICE", { SERVICE: service.id });
      service.updating = operation;
      runner.run(operation, {
        apply: () => {
          if (description !== undefined) service.description = description;
          if (current !== undefined && records !== undefined) {
            service.dnsConfig = { ...current, DnsRecords: records };
          }
        },
        settle: () => {
          service.updating = undefined;
        },
      });
      return { OperationId: operation.id };
    },

    /** DeleteService: immediate; refused while the service has instances or an operation in flight. */
    DeleteService: (input) => {
      const service = resolveService(state, input, "Id");
      if (service.instances.size > 0 || service.pending.size > 0 || service.updating !== undefined) {
        throw resourceInUse(`Service ${service.id} still has instances or an operation in progress.`);
      }
      state.services.delete(service.id);
      service.namespace.services.delete(service);
      return {};
    },
  };
}

/**
 * CreateService: immediate. In an HTTP namespace the service is HTTP and takes no DnsConfig; in a
 * private DNS namespace it needs a DnsConfig (DNS_HTTP) unless Type is HTTP. A name already taken
 * in the namespace returns that service to the same request retried (same CreatorRequestId, same
 * input), ServiceAlreadyExists otherwise. DNS namespaces compare names without case.
 */
function createService(state: CloudMapState, input: JsonReader): ServiceRecord {
  const name = requiredString(input, "Name", { pattern: SERVICE_NAME });
  const namespace = namespaceFor(state, input);
  const creatorRequestId = optionalString(input, "CreatorRequestId", { max: 64 });
  const description = optionalString(input, "Description", { max: 1024 });
  const digest = canonicalJson(input.value);
  const sameName = (other: string) =>
    namespace.type === "HTTP" ? other === name : other.toLowerCase() === name.toLowerCase();
  const taken = [...namespace.services].find((service) => sameName(service.name));
  if (taken !== undefined) {
    const { creation } = taken;
    if (isRetryOf(creation, creatorRequestId, digest)) {
      return taken;
    }
    throw serviceAlreadyExists(taken);
  }

  const requestedType = oneOf(input, "Type", ["HTTP"] as const);
  const dns = input.object("DnsConfig");
  const health = input.object("HealthCheckConfig");
  const custom = input.object("HealthCheckCustomConfig");
  if (health !== undefined && custom !== undefined) {
    throw invalidInput("Specify HealthCheckConfig or HealthCheckCustomConfig, not both.");
  }
  const apiOnly = namespace.type === "HTTP" || requestedType === "HTTP";
  if (apiOnly && dns !== undefined) throw invalidInput("DnsConfig is not supported for HTTP services.");
  if (!apiOnly && dns === undefined) {
    throw invalidInput("DnsConfig is required for a service in a DNS namespace.");
  }
  if (namespace.type === "DNS_PRIVATE" && health !== undefined) {
    throw invalidInput("HealthCheckConfig is for public DNS and HTTP namespaces.");
  }
  const id = newServiceId();
  const arn = cloudMapArn(state, "service", id);
  const service: ServiceRecord = {
    id,
    arn,
    name,
    namespace,
    type: apiOnly ? "HTTP" : "DNS_HTTP",
    description,
    dnsConfig: dns === undefined ? undefined : dnsConfig(dns),
    healthCheckConfig: health === undefined ? undefined : healthCheckConfig(health),
    // FailureThreshold "is no longer supported and is always set to 1".
    healthCheckCustomConfig: custom === undefined ? undefined : { FailureThreshold: 1 },
    createdAt: new Date(),
    creation: { creatorRequestId, digest },
    instances: new Map(),
    pending: new Map(),
    updating: undefined,
    revision: 0,
    tags: parseTags(input, arn),
  };
  state.services.set(id, service);
  namespace.services.add(service);
  return service;
}

/** The namespace a new service goes in: NamespaceId, or the deprecated DnsConfig.NamespaceId. */
function namespaceFor(state: CloudMapState, input: JsonReader): NamespaceRecord {
  const identifier = input.string("NamespaceId") ?? input.object("DnsConfig")?.string("NamespaceId");
  if (identifier === undefined) throw invalidInput("NamespaceId is required.");
  const id = idOf(identifier);
  const namespace = findNamespace(state, id);
  // A namespace being deleted takes no new services, so that its deletion cannot be undercut.
  if (namespace === undefined || namespace.status === "DELETING") throw namespaceNotFound(id);
  return namespace;
}

/** A service as GetService shows it; ListServices leaves out NamespaceId and CreatorRequestId. */
function serviceView(state: CloudMapState, service: ServiceRecord, full: boolean): Record<string, unknown> {
  return {
    Id: service.id,
    Arn: service.arn,
    ResourceOwner: state.accountId,
    Name: service.name,
    ...(full ? { NamespaceId: service.namespace.id } : {}),
    ...(service.description === undefined ? {} : { Description: service.description }),
    InstanceCount: service.instances.size,
    ...(service.dnsConfig === undefined ? {} : { DnsConfig: service.dnsConfig }),
    Type: service.type,
    ...(service.healthCheckConfig === undefined ? {} : { HealthCheckConfig: service.healthCheckConfig }),
    ...(service.healthCheckCustomConfig === undefined
      ? {}
      : { HealthCheckCustomConfig: service.healthCheckCustomConfig }),
    CreateDate: service.createdAt,
    ...(full && service.creation.creatorRequestId !== undefined
      ? { CreatorRequestId: service.creation.creatorRequestId }
      : {}),
    CreatedByAccount: state.accountId,
  };
}
