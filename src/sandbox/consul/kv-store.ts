import { ConsulError } from "./consul-error.js";
import type { KvEntry } from "./records.js";
import { maxIndex, type Tables, type WriteTx } from "./store.js";

/** What a KV write carries: the key, its new value and flags. */
export interface KvWrite {
  readonly key: string;
  readonly value: Buffer | null;
  readonly flags: number;
}

/** Sets a key, keeping its lock (a plain set never takes nor releases one). */
export function kvSet(tx: WriteTx, write: KvWrite): KvEntry {
  const existing = tx.tables.kv.get(write.key);
  return store(tx, {
    ...write,
    lockIndex: existing?.lockIndex ?? 0,
    session: existing?.session ?? "",
    createIndex: existing?.createIndex ?? tx.idx,
    modifyIndex: tx.idx,
  });
}

/** Check-and-set: index 0 sets only a missing key, any other index only a key last modified at it. */
export function kvCas(tx: WriteTx, write: KvWrite, casIndex: number): KvEntry | undefined {
  const existing = tx.tables.kv.get(write.key);
  if ((existing?.modifyIndex ?? 0) !== casIndex) return undefined;
  return kvSet(tx, write);
}

/** Acquires the key as a lock for `session` and sets it; undefined when another session holds it. */
export function kvLock(tx: WriteTx, write: KvWrite, session: string): KvEntry | undefined {
  requireSession(tx.tables, session);
  const existing = tx.tables.kv.get(write.key);
  if (existing !== undefined && existing.session !== "" && existing.session !== session) return undefined;
  // Re-acquiring a lock already held only updates the value.
  const lockIndex = (existing?.lockIndex ?? 0) + (existing?.session === session ? 0 : 1);
  return store(tx, {
    ...write,
    lockIndex,
    session,
    createIndex: existing?.createIndex ?? tx.idx,
    modifyIndex: tx.idx,
  });
}

/** Releases the lock `session` holds on the key and sets it; undefined when it does not hold it. */
export function kvUnlock(tx: WriteTx, write: KvWrite, session: string): KvEntry | undefined {
  if (session === "") throw new ConsulError("missing session");
  const existing = tx.tables.kv.get(write.key);
  if (existing === undefined || existing.session !== session) return undefined;
  return store(tx, { ...existing, ...write, session: "", modifyIndex: tx.idx });
}

/** Deletes a key; deleting a missing key changes nothing. */
export function kvDelete(tx: WriteTx, key: string): void {
  if (!tx.tables.kv.delete(key)) return;
  tx.tables.tombstones.set(key, tx.idx);
  tx.touch("kvs", "tombstones");
}

/** Deletes a key last modified at `casIndex`; true also when the key is already gone. */
export function kvDeleteCas(tx: WriteTx, key: string, casIndex: number): boolean {
  const existing = tx.tables.kv.get(key);
  if (existing === undefined || existing.modifyIndex !== casIndex) return existing === undefined;
  kvDelete(tx, key);
  return true;
}

export function kvDeleteTree(tx: WriteTx, prefix: string): void {
  for (const entry of kvList(tx.tables, prefix)) kvDelete(tx, entry.key);
}

/** Whether acquiring the key is refused because a session holding it was invalidated recently. */
export function lockDelayed(tables: Tables, key: string, now: number): boolean {
  return (tables.lockDelays.get(key) ?? 0) > now;
}

/** Entries whose key starts with `prefix`, in key order. */
export function kvList(tables: Tables, prefix: string): KvEntry[] {
  return [...tables.kv.values()].filter((entry) => entry.key.startsWith(prefix)).sort(byKey);
}

/** Keys under `prefix`; with a separator, keys are cut after the first separator past the prefix. */
export function kvKeys(tables: Tables, prefix: string, separator: string): string[] {
  const keys = kvList(tables, prefix).map((entry) => {
    const cut = separator === "" ? -1 : entry.key.indexOf(separator, prefix.length);
    return cut === -1 ? entry.key : entry.key.slice(0, cut + separator.length);
  });
  return [...new Set(keys)];
}

/** X-Consul-Index of a single-key read: the key's ModifyIndex, or the KV table's index when it is missing. */
export function kvKeyIndex(tables: Tables, key: string): number {
  return tables.kv.get(key)?.modifyIndex ?? maxIndex(tables, "kvs", "tombstones");
}

/** X-Consul-Index of a prefix read: the newest change under the prefix, deletions included. */
export function kvPrefixIndex(tables: Tables, prefix: string): number {
  const tableIndex = maxIndex(tables, "kvs", "tombstones");
  if (prefix === "") return tableIndex;
  let index = 0;
  for (const entry of kvList(tables, prefix)) index = Math.max(index, entry.modifyIndex);
  for (const [key, deletedAt] of tables.tombstones)
    if (key.startsWith(prefix)) index = Math.max(index, deletedAt);
  return index === 0 ? tableIndex : index;
}

function requireSession(tables: Tables, session: string): void {
  if (session === "") throw new ConsulError("missing session");
  if (!tables.sessions.has(session)) throw new ConsulError(`invalid session ${JSON.stringify(session)}`);
}

function store(tx: WriteTx, entry: KvEntry): KvEntry {
  tx.tables.kv.set(entry.key, entry);
  tx.tables.tombstones.delete(entry.key);
  tx.touch("kvs");
  return entry;
}

function byKey(a: KvEntry, b: KvEntry): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
