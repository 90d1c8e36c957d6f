import type { CheckRecord, KvEntry, NodeRecord, ServiceRecord, SessionRecord } from "./records.js";

/** Everything a write can change, as Consul's state store holds it. Records are never mutated, only replaced. */
export interface Tables {
  readonly nodes: Map<string, NodeRecord>;
  /** Keyed by entryKey(node, service ID). */
  readonly services: Map<string, ServiceRecord>;
  /** Keyed by entryKey(node, check ID). */
  readonly checks: Map<string, CheckRecord>;
  readonly kv: Map<string, KvEntry>;
  /** Deleted KV keys -> the index that deleted them, so that blocking reads see deletions. */
  readonly tombstones: Map<string, number>;
  readonly sessions: Map<string, SessionRecord>;
  /** KV key -> epoch milliseconds until which acquiring it is refused. */
  readonly lockDelays: Map<string, number>;
  /**
   * Consul's index table: the last raft index that changed "nodes", "services", "checks", "kvs",
   * "tombstones", "sessions", each "service.<name>", and "service_last_extinction".
   */
  readonly indexes: Map<string, number>;
}

/** The key of a node's service or check. */
export function entryKey(node: string, id: string): string {
  return `${node}\u0000${id}`;
}

/** One write in progress: changes go to a copy that becomes the state only if the write completes. */
export class WriteTx {
  constructor(
    /** The raft index this write gets. */
    readonly idx: number,
    readonly tables: Tables,
    /** Epoch milliseconds, for lock delays. */
    readonly now: number,
  ) {}

  /** Records that this write changed the named indexes. */
  touch(...names: string[]): void {
    for (const name of names) this.tables.indexes.set(name, this.idx);
  }
}

/** The highest of the named indexes (0 when none was ever set). */
export function maxIndex(tables: Tables, ...names: string[]): number {
  return Math.max(0, ...names.map((name) => tables.indexes.get(name) ?? 0));
}

/**
 * Consul's replicated state with a raft-like index: every completed write gets the next index and is
 * all-or-nothing, and readers can wait for the next write (blocking queries).
 */
export class ConsulStore {
  #tables: Tables = {
    nodes: new Map(),
    services: new Map(),
    checks: new Map(),
    kv: new Map(),
    tombstones: new Map(),
    sessions: new Map(),
    lockDelays: new Map(),
    indexes: new Map(),
  };
  #index = 0;
  readonly #waiters = new Set<() => void>();

  /** The committed state; treat as read-only. */
  get tables(): Tables {
    return this.#tables;
  }

  /** The index of the last completed write. */
  get index(): number {
    return this.#index;
  }

  /** Runs a write against a copy of the state; the copy replaces the state unless `change` throws. */
  write<T>(change: (tx: WriteTx) => T): T {
    const tx = new WriteTx(this.#index + 1, copyTables(this.#tables), Date.now());
    const result = change(tx);
    this.#tables = tx.tables;
    this.#index = tx.idx;
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
    return result;
  }

  /** Runs `change` against a throwaway copy of the state (read-only transactions); nothing is kept. */
  simulate<T>(change: (tx: WriteTx) => T): T {
    return change(new WriteTx(this.#index, copyTables(this.#tables), Date.now()));
  }

  /** Resolves at the next completed write, after `timeoutMs`, or when `signal` aborts. */
  nextWrite(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      signal.addEventListener("abort", done);
      this.#waiters.add(done);
    });
  }
}

function copyTables(tables: Tables): Tables {
  return {
    nodes: new Map(tables.nodes),
    services: new Map(tables.services),
    checks: new Map(tables.checks),
    kv: new Map(tables.kv),
    tombstones: new Map(tables.tombstones),
    sessions: new Map(tables.sessions),
    lockDelays: new Map(tables.lockDelays),
    indexes: new Map(tables.indexes),
  };
}
