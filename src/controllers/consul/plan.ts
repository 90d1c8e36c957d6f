import { chunk } from "../../util/concurrency.js";
import { diffValues } from "../diff.js";
import type { FieldChange } from "../plan-types.js";
import { type CatalogEntry, OWNER_META, type Registration, type TxnOp } from "./model.js";

/** What the catalog holds on our synthetic node, as read from Consul. */
export interface ObservedCatalog {
  readonly nodeExists: boolean;
  /** The node's meta; consul-esm finds the nodes whose checks it runs by it. */
  readonly nodeMeta: Readonly<Record<string, string>>;
  /** Every service on the node, ours or not. */
  readonly services: readonly CatalogEntry[];
  /** Check id -> its definition as Consul reports it. */
  readonly checks: ReadonlyMap<
    string,
    { serviceId: string; definition: Record<string, unknown> | undefined }
  >;
}

export interface RegistrationChange {
  readonly id: string;
  readonly verb: "register" | "update" | "deregister";
  readonly reason: string;
  readonly changes: readonly FieldChange[];
}

export interface ConsulPlan {
  readonly node: string;
  readonly changes: readonly RegistrationChange[];
  readonly unchanged: number;
  /** The transactions to send, each within Consul's operation limit. */
  readonly transactions: readonly (readonly TxnOp[])[];
}

function serviceView(r: {
  service: string;
  tags: readonly string[];
  address: string;
  port: number;
  meta: object;
}) {
  return { service: r.service, tags: [...r.tags].sort(), address: r.address, port: r.port, meta: r.meta };
}

function registerOps(node: string, r: Registration): TxnOp[] {
  const ops: TxnOp[] = [
    {
      Service: {
        Verb: "set",
        Node: node,
        Service: {
          ID: r.id,
          Service: r.service,
          Tags: r.tags,
          Address: r.address,
          Port: r.port,
          Meta: r.meta,
        },
      },
    },
  ];
  if (r.check) {
    ops.push({
      Check: {
        Verb: "set",
        Check: {
          Node: node,
          CheckID: r.check.checkId,
          Name: r.check.name,
          Status: r.check.status,
          ServiceID: r.id,
          Definition: r.check.definition,
        },
      },
    });
  }
  return ops;
}

function checkDeleteOp(node: string, checkId: string): TxnOp {
  return { Check: { Verb: "delete", Check: { Node: node, CheckID: checkId } } };
}

function deregisterOps(node: string, id: string, service: string, checkIds: readonly string[]): TxnOp[] {
  return [
    ...checkIds.map((checkId) => checkDeleteOp(node, checkId)),
    // Consul needs the service name alongside the ID to delete it.
    { Service: { Verb: "delete", Node: node, Service: { ID: id, Service: service } } },
  ];
}

function pick(record: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => k in record).map((k) => [k, record[k] as string]));
}

/**
 * Desired registrations + the catalog -> transactions. Only registrations carrying our owner
 * Meta are compared or removed; anything else on the node, or elsewhere, is never touched.
 * A check's status is not compared: once registered, its external checker owns it.
 */
export function planRegistrations(
  node: string,
  nodeMeta: Readonly<Record<string, string>>,
  owner: string,
  desired: readonly Registration[],
  observed: ObservedCatalog,
  maxOps: number,
): ConsulPlan {
  const ours = new Map(observed.services.filter((s) => s.meta[OWNER_META] === owner).map((s) => [s.id, s]));
  const checksOf = (id: string) =>
    [...observed.checks].filter(([, c]) => c.serviceId === id).map(([checkId]) => checkId);
  const changes: RegistrationChange[] = [];
  const ops: TxnOp[] = [];
  let unchanged = 0;
  for (const want of desired) {
    const have = ours.get(want.id);
    // A set never removes a check: one the Service no longer asks for must be deleted.
    const staleChecks = have ? checksOf(want.id).filter((checkId) => checkId !== want.check?.checkId) : [];
    const fieldChanges = [
      ...diffValues(have ? serviceView(have) : undefined, serviceView(want)),
      ...diffValues(
        want.check ? observed.checks.get(want.check.checkId)?.definition : undefined,
        want.check?.definition,
        "check",
      ),
      ...(staleChecks.length > 0
        ? [{ path: "checks", before: checksOf(want.id), after: want.check ? [want.check.checkId] : [] }]
        : []),
    ];
    if (have && fieldChanges.length === 0) {
      unchanged++;
      continue;
    }
    const taken = observed.services.find((s) => s.id === want.id && s.meta[OWNER_META] !== owner);
    if (taken) continue; // someone else's registration under our id: left alone
    changes.push({
      id: want.id,
      verb: have ? "update" : "register",
      reason: have ? "differs from the running task" : "a running task not in the catalog",
      changes: have ? fieldChanges : [],
    });
    ops.push(...registerOps(node, want), ...staleChecks.map((checkId) => checkDeleteOp(node, checkId)));
  }
  const wanted = new Set(desired.map((r) => r.id));
  for (const [id, have] of ours) {
    if (wanted.has(id)) continue;
    changes.push({ id, verb: "deregister", reason: "its task is no longer running", changes: [] });
    ops.push(...deregisterOps(node, id, have.service, checksOf(id)));
  }
  // A plain catalog registration on the node (someone else's) replaces its meta: put ours back,
  // keeping any meta others added.
  const metaChanges = observed.nodeExists
    ? diffValues(pick(observed.nodeMeta, Object.keys(nodeMeta)), nodeMeta, "nodeMeta")
    : [];
  if (metaChanges.length > 0) {
    changes.push({ id: node, verb: "update", reason: "the node lost our meta", changes: metaChanges });
  }
  const meta = { ...observed.nodeMeta, ...nodeMeta };
  const nodeOp: TxnOp = { Node: { Verb: "set", Node: { Node: node, Address: "127.0.0.1", Meta: meta } } };
  // The node must exist before services can be set on it: its op leads the first transaction.
  // Transactions run in order, so a split between a service and its check is harmless.
  const needsNodeOp = observed.nodeExists ? metaChanges.length > 0 : ops.length > 0;
  const all = needsNodeOp ? [nodeOp, ...ops] : ops;
  return { node, changes, unchanged, transactions: chunk(all, maxOps) };
}
