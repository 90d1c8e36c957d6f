import type { JsonObject } from "../json.js";

/** The in-memory Cloud Map account and Region the sandbox serves, as plain records. */

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/** The namespace types the sandbox creates (public DNS namespaces need Route 53's public zones). */
export type NamespaceType = "HTTP" | "DNS_PRIVATE";

export type OperationType =
  | "CREATE_NAMESPACE"
  | "DELETE_NAMESPACE"
  | "UPDATE_SERVICE"
  | "REGISTER_INSTANCE"
  | "DEREGISTER_INSTANCE";

export type OperationStatus = "SUBMITTED" | "PENDING" | "SUCCESS" | "FAIL";

/** A custom or Route 53 health check's verdict on an instance. */
export type HealthStatus = "HEALTHY" | "UNHEALTHY";

/** Why an operation ended in FAIL: the ErrorCode and ErrorMessage GetOperation reports. */
export interface OperationFailure {
  readonly code: string;
  readonly message: string;
}

export interface CloudMapState {
  readonly region: string;
  readonly accountId: string;
  /** Namespaces by id, in creation order; those still being created are hidden from the API. */
  readonly namespaces: Map<string, NamespaceRecord>;
  /** Services by id, in creation order. */
  readonly services: Map<string, ServiceRecord>;
  /** Every operation submitted, by id, in submission order. */
  readonly operations: Map<string, OperationRecord>;
  /** Operation types whose next submissions end in FAIL (test control). */
  readonly failures: Map<OperationType, OperationFailure>;
}

export function newCloudMapState(region: string, accountId: string): CloudMapState {
  return {
    region,
    accountId,
    namespaces: new Map(),
    services: new Map(),
    operations: new Map(),
    failures: new Map(),
  };
}

/** What a create request carried, so that its retry (same CreatorRequestId, same input) is recognised. */
export interface Creation {
  readonly creatorRequestId: string | undefined;
  /** Canonical JSON of the whole request. */
  readonly digest: string;
}

/**
 * A create call repeated with the same CreatorRequestId and the same input is a retry, answered
 * with what the first call made; anything else under a taken name is a conflict.
 */
export function isRetryOf(creation: Creation, creatorRequestId: string | undefined, digest: string): boolean {
  return (
    creatorRequestId !== undefined &&
    creation.creatorRequestId === creatorRequestId &&
    creation.digest === digest
  );
}

export interface OperationRecord {
  readonly id: string;
  readonly type: OperationType;
  status: OperationStatus;
  readonly createdAt: Date;
  /** When the status last changed. */
  updatedAt: Date;
  /** NAMESPACE, SERVICE and INSTANCE ids the operation acts on. */
  readonly targets: Readonly<Record<string, string>>;
  /** Set when the status turns FAIL. */
  failure: OperationFailure | undefined;
}

export interface NamespaceRecord {
  readonly id: string;
  readonly arn: string;
  /** Also the namespace's HttpName: the sandbox never needs the hash AWS appends to a reused name. */
  readonly name: string;
  readonly type: NamespaceType;
  readonly description: string | undefined;
  /** DNS_PRIVATE only: the VPC, the private hosted zone and its SOA record's TTL. */
  readonly dns: { readonly vpc: string; readonly hostedZoneId: string; readonly soaTtl: number } | undefined;
  readonly createdAt: Date;
  readonly creation: Creation & { readonly operation: OperationRecord };
  /** CREATING until the creation succeeds; DELETING while a deletion is in flight. */
  status: "CREATING" | "ACTIVE" | "DELETING";
  deletion: OperationRecord | undefined;
  readonly services: Set<ServiceRecord>;
  tags: Tag[];
}

export type DnsRecordType = "SRV" | "A" | "AAAA" | "CNAME";

export interface DnsRecord {
  readonly Type: DnsRecordType;
  readonly TTL: number;
}

export interface DnsConfig {
  readonly RoutingPolicy: "MULTIVALUE" | "WEIGHTED";
  readonly DnsRecords: readonly DnsRecord[];
}

export interface ServiceRecord {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly namespace: NamespaceRecord;
  /** HTTP: discoverable by API calls only; DNS_HTTP: by DNS too. */
  readonly type: "HTTP" | "DNS_HTTP";
  description: string | undefined;
  dnsConfig: DnsConfig | undefined;
  readonly healthCheckConfig: JsonObject | undefined;
  readonly healthCheckCustomConfig: JsonObject | undefined;
  readonly createdAt: Date;
  readonly creation: Creation;
  /** Registered instances by id, in registration order. */
  readonly instances: Map<string, InstanceRecord>;
  /** The register or deregister operation in flight per instance id: one at a time per instance. */
  readonly pending: Map<string, PendingChange>;
  /** The UPDATE_SERVICE operation in flight. */
  updating: OperationRecord | undefined;
  /** DiscoverInstances' InstancesRevision: moves with every change to the instances. */
  revision: number;
  tags: Tag[];
}

export interface PendingChange {
  readonly operation: OperationRecord;
  /** RegisterInstance's request, for recognising its retry; undefined for a deregistration. */
  readonly creation: Creation | undefined;
}

export interface InstanceRecord {
  readonly id: string;
  readonly creatorRequestId: string | undefined;
  readonly attributes: Readonly<Record<string, string>>;
  /** Undefined when the service has no health check. */
  health: HealthStatus | undefined;
}

/** Whether the service's instances have a health status (a Route 53 or a custom health check). */
export const isHealthChecked = (service: ServiceRecord): boolean =>
  service.healthCheckConfig !== undefined || service.healthCheckCustomConfig !== undefined;
