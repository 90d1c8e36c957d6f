/** What the local Consul stores, one immutable record per catalog entry, KV entry and session. */

export type StringMap = Readonly<Record<string, string>>;

export interface NodeRecord {
  /** The optional node UUID. */
  readonly id: string;
  readonly node: string;
  readonly address: string;
  readonly datacenter: string;
  readonly taggedAddresses: StringMap | null;
  readonly meta: StringMap | null;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export interface Weights {
  readonly passing: number;
  readonly warning: number;
}

export interface ServiceRecord {
  readonly node: string;
  readonly id: string;
  readonly service: string;
  readonly tags: readonly string[] | null;
  readonly address: string;
  readonly meta: StringMap | null;
  readonly port: number;
  readonly weights: Weights;
  readonly enableTagOverride: boolean;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export type CheckStatus = "passing" | "warning" | "critical";

/** A check's definition as the catalog keeps it; durations in nanoseconds. The sandbox never runs checks. */
export interface CheckDefinition {
  readonly http: string;
  readonly tcp: string;
  readonly interval: number;
  readonly timeout: number;
  readonly deregisterCriticalServiceAfter: number;
}

export interface CheckRecord {
  readonly node: string;
  readonly checkId: string;
  readonly name: string;
  readonly status: CheckStatus;
  readonly notes: string;
  readonly output: string;
  readonly serviceId: string;
  readonly serviceName: string;
  readonly serviceTags: readonly string[] | null;
  /** "http", "tcp", "ttl" or "", as Consul derives it from the definition. */
  readonly type: string;
  readonly definition: CheckDefinition;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export interface KvEntry {
  readonly key: string;
  /** null for an empty value, as Consul stores it. */
  readonly value: Buffer | null;
  /** Consul allows any uint64; the sandbox keeps what a JavaScript number holds exactly. */
  readonly flags: number;
  /** How many times the key was acquired as a lock. */
  readonly lockIndex: number;
  /** The session holding the lock, or "". */
  readonly session: string;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export type SessionBehavior = "release" | "delete";

export interface SessionRecord {
  readonly id: string;
  readonly name: string;
  readonly node: string;
  /** Nanoseconds. */
  readonly lockDelay: number;
  readonly behavior: SessionBehavior;
  /** As given at creation ("15s"), or "" for no TTL. */
  readonly ttl: string;
  readonly nodeChecks: readonly string[];
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export const DEFAULT_WEIGHTS: Weights = { passing: 1, warning: 1 };
