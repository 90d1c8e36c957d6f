import type { CheckRecord, NodeRecord, ServiceRecord } from "./records.js";
import { maxIndex, type Tables } from "./store.js";

/** Catalog queries over a state snapshot, in Consul's result order. */

export function nodeList(tables: Tables): NodeRecord[] {
  return [...tables.nodes.values()].sort((a, b) => compare(a.node, b.node));
}

/** Every service instance, by node then ID. */
export function serviceList(tables: Tables): ServiceRecord[] {
  return [...tables.services.values()].sort((a, b) => compare(a.node, b.node) || compare(a.id, b.id));
}

export function servicesOn(tables: Tables, node: string): ServiceRecord[] {
  return serviceList(tables).filter((service) => service.node === node);
}

export function instancesOf(tables: Tables, name: string): ServiceRecord[] {
  return serviceList(tables).filter((service) => service.service === name);
}

/** Every check, by node then check ID. */
export function checkList(tables: Tables): CheckRecord[] {
  return [...tables.checks.values()].sort((a, b) => compare(a.node, b.node) || compare(a.checkId, b.checkId));
}

export function checksOn(tables: Tables, node: string): CheckRecord[] {
  return checkList(tables).filter((check) => check.node === node);
}

/** A node's checks grouped once, for queries that join many instances with their checks. */
export function checksByNode(tables: Tables): Map<string, CheckRecord[]> {
  const byNode = new Map<string, CheckRecord[]>();
  for (const check of checkList(tables)) {
    const list = byNode.get(check.node);
    if (list === undefined) byNode.set(check.node, [check]);
    else list.push(check);
  }
  return byNode;
}

/** The checks that decide an instance's health: its node's checks, then its own. */
export function healthChecksOf(service: ServiceRecord, nodeChecks: readonly CheckRecord[]): CheckRecord[] {
  return [
    ...nodeChecks.filter((check) => check.serviceId === ""),
    ...nodeChecks.filter((check) => check.serviceId === service.id),
  ];
}

/** Whether the instance carries every tag (compared case-insensitively, like Consul's ?tag=). */
export function hasTags(service: ServiceRecord, tags: readonly string[]): boolean {
  const own = new Set((service.tags ?? []).map((tag) => tag.toLowerCase()));
  return tags.every((tag) => own.has(tag.toLowerCase()));
}

/**
 * X-Consul-Index of a query about one service: the last change to its instances (or their checks and
 * nodes); for a service with no instances, the last time any service lost its last instance.
 */
export function serviceIndex(tables: Tables, name: string, withChecks: boolean): number {
  const extinction = tables.indexes.get("service_last_extinction");
  if (extinction !== undefined && instancesOf(tables, name).length === 0) return extinction;
  return (
    tables.indexes.get(`service.${name}`) ??
    maxIndex(tables, "nodes", "services", ...(withChecks ? ["checks"] : []))
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
