import { isDeepStrictEqual } from "node:util";
import { instancesOf, servicesOn } from "./catalog-reads.js";
import { ConsulError } from "./consul-error.js";
import {
  type CheckDefinition,
  type CheckRecord,
  type CheckStatus,
  DEFAULT_WEIGHTS,
  type NodeRecord,
  type ServiceRecord,
  type StringMap,
  type Weights,
} from "./records.js";
import { destroySession, sessionsDependingOn } from "./session-store.js";
import { entryKey, type WriteTx } from "./store.js";

/**
 * Catalog writes with Consul's state-store semantics: a write that changes nothing keeps the record's
 * ModifyIndex and the indexes blocking queries watch; deleting what is missing is a no-op.
 */

export type NodeInput = Omit<NodeRecord, "createIndex" | "modifyIndex">;

export interface ServiceInput {
  readonly id: string;
  readonly service: string;
  readonly tags: readonly string[] | null;
  readonly address: string;
  readonly meta: StringMap | null;
  readonly port: number;
  /** Weights with Passing below 1 are invalid and replaced by the default {1, 1}, as Consul does. */
  readonly weights: Weights | null;
  readonly enableTagOverride: boolean;
}

export interface CheckInput {
  readonly node: string;
  readonly checkId: string;
  readonly name: string;
  /** "" registers the check as critical. */
  readonly status: string;
  readonly notes: string;
  readonly output: string;
  readonly serviceId: string;
  readonly type: string;
  readonly definition: CheckDefinition;
}

export const CHECK_STATUSES: readonly string[] = ["passing", "warning", "critical"];

export function ensureNode(tx: WriteTx, input: NodeInput): NodeRecord {
  const existing = tx.tables.nodes.get(input.node);
  const record = { ...input, createIndex: existing?.createIndex ?? tx.idx, modifyIndex: tx.idx };
  if (existing !== undefined && same(existing, record)) return existing;
  tx.tables.nodes.set(input.node, record);
  tx.touch("nodes", ...servicesOn(tx.tables, input.node).map(serviceIndexName));
  return record;
}

export function ensureService(tx: WriteTx, node: string, input: ServiceInput): ServiceRecord {
  if (!tx.tables.nodes.has(node)) throw new ConsulError("Missing node registration");
  const metaProblem = serviceMetaProblem(input.meta ?? {});
  if (metaProblem !== undefined)
    throw new ConsulError(`Invalid Service Meta for node ${node} and serviceID ${input.id}: ${metaProblem}`);
  const key = entryKey(node, input.id);
  const existing = tx.tables.services.get(key);
  const weights = input.weights !== null && input.weights.passing >= 1 ? input.weights : DEFAULT_WEIGHTS;
  const record: ServiceRecord = {
    ...input,
    node,
    weights,
    createIndex: existing?.createIndex ?? tx.idx,
    modifyIndex: tx.idx,
  };
  if (existing !== undefined && same(existing, record)) return existing;
  tx.tables.services.set(key, record);
  tx.touch("services", serviceIndexName(record));
  if (existing !== undefined && existing.service !== record.service) serviceGone(tx, existing);
  return record;
}

/** Removes a service instance and its checks. */
export function deleteService(tx: WriteTx, node: string, id: string): void {
  const existing = tx.tables.services.get(entryKey(node, id));
  if (existing === undefined) return;
  for (const check of [...tx.tables.checks.values()]) {
    if (check.node === node && check.serviceId === id) deleteCheck(tx, node, check.checkId);
  }
  tx.tables.services.delete(entryKey(node, id));
  tx.touch("services");
  serviceGone(tx, existing);
}

/** Registers a check; a critical check invalidates the sessions that depend on it. */
export function ensureCheck(tx: WriteTx, input: CheckInput): CheckRecord {
  if (!tx.tables.nodes.has(input.node)) throw new ConsulError("Missing node registration");
  const service =
    input.serviceId === "" ? undefined : tx.tables.services.get(entryKey(input.node, input.serviceId));
  if (input.serviceId !== "" && service === undefined) throw new ConsulError("Missing service registration");
  const status = input.status === "" ? "critical" : input.status;
  if (!CHECK_STATUSES.includes(status)) {
    throw new ConsulError("Status for checks must 'passing', 'warning', 'critical'");
  }
  const key = entryKey(input.node, input.checkId);
  const existing = tx.tables.checks.get(key);
  const record: CheckRecord = {
    ...input,
    status: status as CheckStatus,
    serviceName: service?.service ?? "",
    serviceTags: service?.tags ?? null,
    createIndex: existing?.createIndex ?? tx.idx,
    modifyIndex: tx.idx,
  };
  const stored = existing !== undefined && same(existing, record) ? existing : record;
  if (stored === record) {
    tx.tables.checks.set(key, record);
    touchCheck(tx, record);
  }
  if (status === "critical") {
    for (const id of sessionsDependingOn(tx.tables, input.node, input.checkId)) destroySession(tx, id);
  }
  return stored;
}

export function deleteCheck(tx: WriteTx, node: string, checkId: string): void {
  const existing = tx.tables.checks.get(entryKey(node, checkId));
  if (existing === undefined) return;
  tx.tables.checks.delete(entryKey(node, checkId));
  touchCheck(tx, existing);
  for (const id of sessionsDependingOn(tx.tables, node, checkId)) destroySession(tx, id);
}

/** Removes a node with its checks, services and sessions. */
export function deleteNode(tx: WriteTx, node: string): void {
  if (!tx.tables.nodes.has(node)) return;
  for (const check of [...tx.tables.checks.values()])
    if (check.node === node) deleteCheck(tx, node, check.checkId);
  for (const service of servicesOn(tx.tables, node)) deleteService(tx, node, service.id);
  tx.tables.nodes.delete(node);
  tx.touch("nodes");
  for (const id of sessionsDependingOn(tx.tables, node)) destroySession(tx, id);
}

/** Consul's check type, derived from the definition: "http", "tcp", "ttl" or "". */
export function checkType(definition: CheckDefinition, ttl = 0): string {
  if (definition.http !== "") return "http";
  if (ttl > 0) return "ttl";
  return definition.tcp === "" ? "" : "tcp";
}

const META_MAX_PAIRS = 64;
const META_KEY_MAX_BYTES = 128;
const META_VALUE_MAX_BYTES = 512;

/** structs.ValidateServiceMetadata, which the state store runs on every service write (nodes' meta is not checked). */
function serviceMetaProblem(meta: StringMap): string | undefined {
  const pairs = Object.entries(meta);
  // Consul's own wording says "Node" here too.
  if (pairs.length > META_MAX_PAIRS)
    return `Node metadata cannot contain more than ${META_MAX_PAIRS} key/value pairs`;
  for (const [key, value] of pairs) {
    const problem = metaPairProblem(key, value);
    if (problem !== undefined) return `Couldn't load metadata pair ('${key}', '${value}'): ${problem}`;
  }
  return undefined;
}

function metaPairProblem(key: string, value: string): string | undefined {
  if (key === "") return "Key cannot be blank";
  if (!/^[a-zA-Z0-9_-]+$/.test(key)) return "Key contains invalid characters";
  if (key.length > META_KEY_MAX_BYTES) return `Key is too long (limit: ${META_KEY_MAX_BYTES} characters)`;
  if (key.startsWith("consul-")) return "Key prefix 'consul-' is reserved for internal use";
  if (Buffer.byteLength(value) > META_VALUE_MAX_BYTES)
    return `Value is too long (limit: ${META_VALUE_MAX_BYTES} characters)`;
  return undefined;
}

function same<T extends { modifyIndex: number }>(existing: T, next: T): boolean {
  return isDeepStrictEqual({ ...existing, modifyIndex: 0 }, { ...next, modifyIndex: 0 });
}

function serviceIndexName(service: { readonly service: string }): string {
  return `service.${service.service}`;
}

/** A service check moves its service's index; a node check moves those of every service on the node. */
function touchCheck(tx: WriteTx, check: CheckRecord): void {
  const services =
    check.serviceId === "" ? servicesOn(tx.tables, check.node) : [{ service: check.serviceName }];
  tx.touch("checks", ...services.map(serviceIndexName));
}

/** An instance left the service's name: its index moves, and so does the extinction index if it was the last. */
function serviceGone(tx: WriteTx, service: ServiceRecord): void {
  tx.touch(serviceIndexName(service));
  if (instancesOf(tx.tables, service.service).length === 0) tx.touch("service_last_extinction");
}
