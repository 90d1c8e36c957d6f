import { ConsulError } from "./consul-error.js";
import { kvDelete } from "./kv-store.js";
import type { SessionBehavior, SessionRecord } from "./records.js";
import { entryKey, type Tables, type WriteTx } from "./store.js";

/** Consul caps the lock delay of an invalidated session at 60 seconds. */
const MAX_LOCK_DELAY_MS = 60_000;

export interface SessionInput {
  readonly name: string;
  readonly node: string;
  /** Nanoseconds. */
  readonly lockDelay: number;
  readonly behavior: SessionBehavior;
  readonly ttl: string;
  readonly nodeChecks: readonly string[];
}

/** Creates a session on a registered node whose checks all exist and are not critical. */
export function createSession(tx: WriteTx, id: string, input: SessionInput): SessionRecord {
  if (!tx.tables.nodes.has(input.node)) throw new ConsulError("Missing node registration");
  for (const checkId of input.nodeChecks) {
    const check = tx.tables.checks.get(entryKey(input.node, checkId));
    if (check === undefined) throw new ConsulError(`Missing check '${checkId}' registration`);
    if (check.status === "critical") throw new ConsulError(`Check '${checkId}' is in critical state`);
  }
  const session: SessionRecord = { ...input, id, createIndex: tx.idx, modifyIndex: tx.idx };
  tx.tables.sessions.set(id, session);
  tx.touch("sessions");
  return session;
}

/**
 * Invalidates a session (destroyed, expired, or its node or a check gone): the locks it holds are released
 * or their keys deleted, as its behavior says, and those keys cannot be acquired again for its lock delay.
 */
export function destroySession(tx: WriteTx, id: string): void {
  const session = tx.tables.sessions.get(id);
  if (session === undefined) return;
  tx.tables.sessions.delete(id);
  tx.touch("sessions");
  const delayUntil = tx.now + Math.min(session.lockDelay / 1e6, MAX_LOCK_DELAY_MS);
  for (const entry of [...tx.tables.kv.values()].filter((kv) => kv.session === id)) {
    if (session.behavior === "delete") {
      kvDelete(tx, entry.key);
    } else {
      tx.tables.kv.set(entry.key, { ...entry, session: "", modifyIndex: tx.idx });
      tx.touch("kvs");
    }
    if (session.lockDelay > 0) tx.tables.lockDelays.set(entry.key, delayUntil);
  }
}

/** Sessions that a change to the node, or to one of its checks, invalidates. */
export function sessionsDependingOn(tables: Tables, node: string, checkId?: string): string[] {
  return [...tables.sessions.values()]
    .filter((s) => s.node === node && (checkId === undefined || s.nodeChecks.includes(checkId)))
    .map((s) => s.id);
}
