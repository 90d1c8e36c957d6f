import type { JsonObject } from "../json.js";
import { checkInput, checkNode, serviceInput } from "./catalog-input.js";
import {
  deleteCheck,
  deleteNode,
  deleteService,
  ensureCheck,
  ensureNode,
  ensureService,
} from "./catalog-writes.js";
import { ConsulError } from "./consul-error.js";
import { DecodeError, GoStruct } from "./go-json.js";
import {
  type KvWrite,
  kvCas,
  kvDelete,
  kvDeleteCas,
  kvDeleteTree,
  kvList,
  kvLock,
  kvSet,
  kvUnlock,
  lockDelayed,
} from "./kv-store.js";
import type { KvEntry } from "./records.js";
import { entryKey, type Tables, type WriteTx } from "./store.js";
import { checkView, kvView, nodeServiceView, nodeView } from "./views.js";

/**
 * The operations of PUT /v1/txn (txn#tables-of-operations), with the messages Consul's state store gives
 * when one fails. A prepared operation returns its results, or throws ConsulError to fail the transaction.
 */

export type TxnOpType = "KV" | "Node" | "Service" | "Check";

/** One element of the request body: its type, verb and member, before the pre-apply checks. */
export interface TxnOp {
  readonly type: TxnOpType;
  readonly verb: string;
  readonly body: GoStruct;
  /** The decoded KV value (base64 in the request). */
  readonly value: Buffer | null;
}

export type PreparedOp = (tx: WriteTx) => JsonObject[];

const KV_WRITES = new Set(["set", "delete", "delete-cas", "delete-tree", "cas", "lock", "unlock"]);

/** Whether the operation changes state; a transaction of reads only is answered without a write. */
export function isWriteOp(op: TxnOp): boolean {
  return op.type === "KV" ? KV_WRITES.has(op.verb) : op.verb !== "get";
}

/** Decodes a KV member's base64 Value, as Consul does while parsing the body. */
export function kvValue(kv: GoStruct): Buffer | null {
  const text = kv.string("Value");
  if (text === "") return null;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new DecodeError("failed to decode value: illegal base64 data");
  }
  return Buffer.from(text, "base64");
}

/** Where operations are prepared: the committed state, the time (for lock delays), the agent's datacenter. */
export interface TxnSetting {
  readonly tables: Tables;
  readonly now: number;
  readonly datacenter: string;
}

/** Runs Consul's pre-apply checks on one operation (throws ConsulError) and binds it for applying. */
export function prepareOp(op: TxnOp, setting: TxnSetting): PreparedOp {
  switch (op.type) {
    case "KV":
      return prepareKv(op, setting);
    case "Node":
      return prepareNode(op, setting.datacenter);
    case "Service":
      return prepareService(op);
    case "Check":
      return prepareCheck(op);
  }
}

function prepareKv({ verb, body, value }: TxnOp, { tables, now }: TxnSetting): PreparedOp {
  const key = body.string("Key");
  const index = body.integer("Index");
  const session = body.string("Session");
  const write: KvWrite = { key, value, flags: body.integer("Flags") };
  const q = JSON.stringify(key);
  if (key === "" && verb !== "delete-tree") throw new ConsulError("Must provide key");
  if (verb === "lock" && lockDelayed(tables, key, now))
    throw new ConsulError(`failed to lock key ${q} due to lock delay`);
  const found = (entry: KvEntry | undefined, failure: string): KvEntry => {
    if (entry === undefined) throw new ConsulError(failure);
    return entry;
  };
  // Only reads carry the value back.
  const result = (entry: KvEntry, withValue = false) => [{ KV: kvView(entry, withValue) }];
  return (tx) => {
    const existing = tx.tables.kv.get(key);
    switch (verb) {
      case "set":
        return result(kvSet(tx, write));
      case "cas":
        return result(found(kvCas(tx, write, index), `failed to set key ${q}, index is stale`));
      case "lock":
        return result(found(kvLock(tx, write, session), `failed to lock key ${q}, lock is already held`));
      case "unlock":
        return result(
          found(
            kvUnlock(tx, write, session),
            `failed to unlock key ${q}, lock isn't held, or is held by another session`,
          ),
        );
      case "get":
        return result(found(existing, `key ${q} doesn't exist`), true);
      case "get-or-empty":
        return result(
          existing ?? { ...write, value: null, lockIndex: 0, session, createIndex: 0, modifyIndex: index },
          true,
        );
      case "get-tree":
        return kvList(tx.tables, key).flatMap((entry) => result(entry, true));
      case "check-session":
        if (existing === undefined) throw new ConsulError(`failed to check session, key ${q} doesn't exist`);
        if (existing.session !== session) {
          throw new ConsulError(
            `failed session check for key ${q}, current session ${JSON.stringify(existing.session)} != ${JSON.stringify(session)}`,
          );
        }
        return result(existing);
      case "check-index":
        if (existing === undefined) throw new ConsulError(`failed to check index, key ${q} doesn't exist`);
        if (existing.modifyIndex !== index) {
          throw new ConsulError(
            `failed index check for key ${q}, current modify index ${existing.modifyIndex} != ${index}`,
          );
        }
        return result(existing);
      case "check-not-exists":
        if (existing !== undefined) throw new ConsulError(`key ${q} exists`);
        return [];
      case "delete":
        kvDelete(tx, key);
        return [];
      case "delete-tree":
        kvDeleteTree(tx, key);
        return [];
      case "delete-cas":
        if (!kvDeleteCas(tx, key, index)) throw new ConsulError(`failed to delete key ${q}, index is stale`);
        return [];
      default:
        throw new ConsulError(`unknown KV verb ${JSON.stringify(verb)}`);
    }
  };
}

function prepareNode({ verb, body }: TxnOp, datacenter: string): PreparedOp {
  const node = body.struct("Node", "Node") ?? GoStruct.of(null, "Node");
  const input = {
    id: node.string("ID"),
    node: node.string("Node"),
    address: node.string("Address"),
    datacenter: node.string("Datacenter") || datacenter,
    taggedAddresses: node.stringMap("TaggedAddresses"),
    meta: node.stringMap("Meta"),
  };
  if (verb !== "get") checkNode(input.node, input.id);
  return catalogOp("Node", verb, node.integer("ModifyIndex"), {
    what: `node ${JSON.stringify(input.node)}`,
    // A node is looked up by ID when one is given, else by name.
    find: (tables) =>
      input.id === ""
        ? tables.nodes.get(input.node)
        : [...tables.nodes.values()].find((n) => n.id === input.id),
    view: nodeView,
    set: (tx) => ensureNode(tx, input),
    remove: (tx) => deleteNode(tx, input.node),
  });
}

function prepareService({ verb, body }: TxnOp): PreparedOp {
  const node = body.string("Node");
  const service = body.struct("Service", "AgentService") ?? GoStruct.of(null, "AgentService");
  const input = serviceInput(service);
  return catalogOp("Service", verb, service.integer("ModifyIndex"), {
    what: `service ${JSON.stringify(input.id)} on node ${JSON.stringify(node)}`,
    find: (tables) => tables.services.get(entryKey(node, input.id)),
    view: nodeServiceView,
    set: (tx) => ensureService(tx, node, input),
    remove: (tx) => deleteService(tx, node, input.id),
  });
}

function prepareCheck({ verb, body }: TxnOp): PreparedOp {
  const check = body.struct("Check", "HealthCheck") ?? GoStruct.of(null, "HealthCheck");
  const input = checkInput(check, "");
  return catalogOp("Check", verb, check.integer("ModifyIndex"), {
    what: `check ${JSON.stringify(input.checkId)} on node ${JSON.stringify(input.node)}`,
    find: (tables) => tables.checks.get(entryKey(input.node, input.checkId)),
    view: checkView,
    set: (tx) => ensureCheck(tx, input),
    remove: (tx) => deleteCheck(tx, input.node, input.checkId),
  });
}

/** How the verbs of one Node, Service or Check operation reach its catalog entry. */
interface CatalogEntry<T> {
  /** The entry in messages: node "a", or service "b" on node "a". */
  readonly what: string;
  find(tables: Tables): T | undefined;
  view(record: T): JsonObject;
  set(tx: WriteTx): T;
  remove(tx: WriteTx): void;
}

/** get, set, cas, delete and delete-cas, alike for nodes, services and checks. */
function catalogOp<T extends { readonly modifyIndex: number }>(
  type: "Node" | "Service" | "Check",
  verb: string,
  modifyIndex: number,
  entry: CatalogEntry<T>,
): PreparedOp {
  return (tx) => {
    const existing = entry.find(tx.tables);
    switch (verb) {
      case "get":
        if (existing === undefined) throw new ConsulError(`${entry.what} doesn't exist`);
        return [{ [type]: entry.view(existing) }];
      case "set":
        return [{ [type]: entry.view(entry.set(tx)) }];
      case "cas":
        if (!casMatches(existing, modifyIndex))
          throw new ConsulError(`failed to set ${entry.what}, index is stale`);
        return [{ [type]: entry.view(entry.set(tx)) }];
      case "delete":
        entry.remove(tx);
        return [];
      case "delete-cas":
        if (existing?.modifyIndex !== modifyIndex)
          throw new ConsulError(`failed to delete ${entry.what}, index is stale`);
        entry.remove(tx);
        return [];
      default:
        throw new ConsulError(`unknown ${type} verb ${JSON.stringify(verb)}`);
    }
  };
}

/** CAS on catalog entries: ModifyIndex 0 sets only what is missing, any other only what was last modified at it. */
function casMatches(existing: { readonly modifyIndex: number } | undefined, modifyIndex: number): boolean {
  return modifyIndex === 0 ? existing === undefined : existing?.modifyIndex === modifyIndex;
}
