import type { JsonObject } from "../json.js";
import { badRequest, ConsulError } from "./consul-error.js";
import type { ConsulContext, Reply, Route } from "./endpoint.js";
import { DecodeError, GoStruct, parseJsonBody } from "./go-json.js";
import { KV_MAX_VALUE_SIZE } from "./kv-endpoints.js";
import type { WriteTx } from "./store.js";
import { isWriteOp, kvValue, type PreparedOp, prepareOp, type TxnOp, type TxnOpType } from "./txn-ops.js";

const OP_TYPES: readonly TxnOpType[] = ["KV", "Node", "Service", "Check"];

interface TxnError {
  readonly OpIndex: number;
  readonly What: string;
}

/** Thrown inside the write to discard it: the transaction failed and nothing may be applied. */
class Rollback extends Error {
  constructor(readonly errors: TxnError[]) {
    super("transaction rolled back");
  }
}

/**
 * PUT /v1/txn (txn#create-transaction): at most `txnMaxOps` operations (64 before Consul 1.14, 128 after),
 * applied all or none. Any failure answers 409 with every failed operation in Errors and nothing applied;
 * a transaction of reads only is answered from the current state.
 */
export function txnRoutes(context: ConsulContext): Route[] {
  return [
    {
      path: "/v1/txn",
      methods: { PUT: { operation: "Txn", handler: ({ body }) => transaction(context, body) } },
    },
  ];
}

function transaction({ store, txnMaxOps, datacenter }: ConsulContext, body: Buffer): Reply {
  let prepared: PreparedOp[];
  let writes: boolean;
  try {
    const ops = decodeOps(body);
    if (ops.length > txnMaxOps) {
      throw new ConsulError(`Transaction contains too many operations (${ops.length} > ${txnMaxOps})`, 413);
    }
    for (const op of ops) {
      if ((op.value?.length ?? 0) > KV_MAX_VALUE_SIZE) {
        const key = JSON.stringify(op.body.string("Key"));
        throw new ConsulError(
          `Value for key ${key} is too large (${op.value?.length} > ${KV_MAX_VALUE_SIZE} bytes)`,
          413,
        );
      }
    }
    const setting = { tables: store.tables, now: Date.now(), datacenter };
    const errors: TxnError[] = [];
    prepared = ops.map((op, index) => {
      try {
        return prepareOp(op, setting);
      } catch (error) {
        if (!(error instanceof ConsulError)) throw error;
        errors.push({ OpIndex: index, What: error.message });
        return () => [];
      }
    });
    if (errors.length > 0) return conflict(errors);
    writes = ops.some(isWriteOp);
  } catch (error) {
    if (error instanceof DecodeError) throw badRequest(`Failed to parse body: ${error.message}`);
    throw error;
  }
  try {
    if (writes) return { json: { Results: store.write((tx) => apply(tx, prepared)), Errors: null } };
    const results = store.simulate((tx) => apply(tx, prepared));
    return {
      json: { Results: results, Errors: null },
      headers: { "X-Consul-KnownLeader": "true", "X-Consul-LastContact": "0" },
    };
  } catch (error) {
    if (error instanceof Rollback) return conflict(error.errors);
    throw error;
  }
}

/** Runs every operation, as Consul does, collecting each failure; any failure rolls the whole write back. */
function apply(tx: WriteTx, prepared: readonly PreparedOp[]): JsonObject[] {
  const results: JsonObject[] = [];
  const errors: TxnError[] = [];
  for (const [index, op] of prepared.entries()) {
    try {
      results.push(...op(tx));
    } catch (error) {
      if (!(error instanceof ConsulError)) throw error;
      errors.push({ OpIndex: index, What: error.message });
    }
  }
  if (errors.length > 0) throw new Rollback(errors);
  return results;
}

function conflict(errors: TxnError[]): Reply {
  return { status: 409, json: { Results: null, Errors: errors } };
}

/** The body: a JSON array of {"KV" | "Node" | "Service" | "Check": {...}}; elements with none are ignored. */
function decodeOps(body: Buffer): TxnOp[] {
  const json = parseJsonBody(body);
  if (json === null) return [];
  if (!Array.isArray(json))
    throw new DecodeError(`json: cannot unmarshal ${typeof json} into Go value of type api.TxnOps`);
  return json.flatMap((element) => {
    const op = GoStruct.of(element, "TxnOp");
    const type = OP_TYPES.find((candidate) => op.has(candidate));
    const member = type === undefined ? undefined : op.struct(type, `Txn${type}Op`);
    if (type === undefined || member === undefined) return [];
    return [
      { type, verb: member.string("Verb"), body: member, value: type === "KV" ? kvValue(member) : null },
    ];
  });
}
