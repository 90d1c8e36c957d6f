import { blockingRead } from "./blocking.js";
import { badRequest, ConsulError } from "./consul-error.js";
import type { ConsulContext, ConsulRequest, Reply, Route } from "./endpoint.js";
import { parseGoUint } from "./go-strconv.js";
import {
  type KvWrite,
  kvCas,
  kvDelete,
  kvDeleteCas,
  kvDeleteTree,
  kvKeyIndex,
  kvKeys,
  kvList,
  kvLock,
  kvPrefixIndex,
  kvSet,
  kvUnlock,
  lockDelayed,
} from "./kv-store.js";
import type { ConsulStore } from "./store.js";
import { kvView } from "./views.js";

/** Consul's kv_max_value_size default: 512 KiB. */
export const KV_MAX_VALUE_SIZE = 512 * 1024;

export function kvRoutes({ store }: ConsulContext): Route[] {
  return [
    {
      path: "/v1/kv/",
      methods: {
        GET: { operation: "KVGet", handler: (request) => readKeys(store, request) },
        PUT: { operation: "KVPut", handler: (request) => ({ json: writeKey(store, request) }) },
        DELETE: { operation: "KVDelete", handler: (request) => ({ json: deleteKeys(store, request) }) },
      },
    },
  ];
}

/** GET /v1/kv/:key (kv#read-key): one entry, ?recurse for a prefix, ?keys (with ?separator) for key names, ?raw. */
function readKeys(store: ConsulStore, request: ConsulRequest): Promise<Reply> {
  const { param: key, query } = request;
  if (query.has("keys")) {
    const separator = query.get("separator") ?? query.get("seperator") ?? "";
    return blockingRead(store, request, () => {
      const keys = kvKeys(store.tables, key, separator);
      const reply = keys.length === 0 && key !== "" ? { status: 404 } : { json: keys };
      return { index: kvPrefixIndex(store.tables, key), reply };
    });
  }
  if (query.has("recurse")) {
    return blockingRead(store, request, () => {
      const entries = kvList(store.tables, key);
      const reply = entries.length === 0 ? { status: 404 } : { json: entries.map((entry) => kvView(entry)) };
      return { index: kvPrefixIndex(store.tables, key), reply };
    });
  }
  if (key === "") throw badRequest("Missing key name");
  return blockingRead(store, request, () => {
    const entry = store.tables.kv.get(key);
    const index = kvKeyIndex(store.tables, key);
    if (entry === undefined) return { index, reply: { status: 404 } };
    if (query.has("raw")) return { index, reply: { raw: entry.value ?? Buffer.alloc(0) } };
    return { index, reply: { json: [kvView(entry)] } };
  });
}

/** PUT /v1/kv/:key (kv#create-update-key): the body is the value; ?flags=, and one of ?cas=, ?acquire=, ?release=. */
function writeKey(store: ConsulStore, { param: key, query, body }: ConsulRequest): boolean {
  if (key === "") throw badRequest("Missing key name");
  refuseConflictingFlags(query, "cas", "acquire", "release");
  const write: KvWrite = { key, value: body.length === 0 ? null : body, flags: uintParam(query, "flags") };
  const casIndex = query.has("cas") ? uintParam(query, "cas") : undefined;
  if (body.length > KV_MAX_VALUE_SIZE) {
    throw new ConsulError(
      `Request body(${body.length} bytes) too large, max size: ${KV_MAX_VALUE_SIZE} bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.`,
      413,
    );
  }
  const acquire = query.get("acquire");
  const release = query.get("release");
  if (acquire !== null) {
    // Lock delay is enforced before the write is applied, on the leader's clock.
    if (lockDelayed(store.tables, key, Date.now())) return false;
    return store.write((tx) => kvLock(tx, write, acquire) !== undefined);
  }
  if (release !== null) return store.write((tx) => kvUnlock(tx, write, release) !== undefined);
  if (casIndex !== undefined) return store.write((tx) => kvCas(tx, write, casIndex) !== undefined);
  store.write((tx) => kvSet(tx, write));
  return true;
}

/** DELETE /v1/kv/:key (kv#delete-key): one key, ?recurse for a prefix, ?cas= for check-and-delete. */
function deleteKeys(store: ConsulStore, { param: key, query }: ConsulRequest): boolean {
  refuseConflictingFlags(query, "recurse", "cas");
  if (query.has("recurse")) {
    store.write((tx) => kvDeleteTree(tx, key));
    return true;
  }
  if (key === "") throw badRequest("Missing key name");
  if (query.has("cas")) {
    const casIndex = uintParam(query, "cas");
    return store.write((tx) => kvDeleteCas(tx, key, casIndex));
  }
  store.write((tx) => kvDelete(tx, key));
  return true;
}

function refuseConflictingFlags(query: URLSearchParams, ...flags: string[]): void {
  if (flags.filter((flag) => query.has(flag)).length < 2) return;
  // Go's url.Values.Encode sorts by key.
  const encoded = new URLSearchParams([...query].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  throw badRequest(`Conflicting flags: ${encoded.toString()}\n`);
}

/** A uint64 query parameter; Consul reports a malformed one as its strconv error, with status 500. */
function uintParam(query: URLSearchParams, name: string): number {
  const value = query.get(name);
  if (value === null) return 0;
  try {
    return parseGoUint(value);
  } catch (error) {
    throw new ConsulError((error as Error).message);
  }
}
