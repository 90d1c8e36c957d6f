/**
 * The controller's status, Flux-style: what `/status` serves as JSON and the page renders.
 *
 * Pure, JSON-serialisable data. No secret ever goes into it: no tokens, credentials, webhook
 * secrets or environment values; source URLs pass through `redactUserinfo` first, and messages come
 * from API errors and plans, which carry names and reasons, never credentials. Anything put here
 * is served without authentication on the controller's read-only port.
 */

import { redactUserinfo } from "./redact.js";

/** Flux's trio, and Leader: whether this replica holds the mesh's writer lock, and why not. */
export type ConditionType = "Ready" | "Reconciling" | "Stalled" | "Leader";
export type ConditionStatus = "True" | "False" | "Unknown";

export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
  /** ISO 8601; when `status` last changed, not when the condition was last written. */
  lastTransitionTime: string;
}

export type Target = "ecs" | "consul" | "namerd" | "cloudmap";

export interface ResourceStatus {
  kind: string;
  name: string;
  target: Target;
  ready: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  /** What is live, e.g. the task definition `family:revision`. */
  revision?: string;
}

export const PASS_OUTCOMES = ["applied", "unchanged", "failed", "invalid"] as const;
export type PassOutcome = (typeof PASS_OUTCOMES)[number];

export interface PassRecord {
  /** The source revision the pass worked from; undefined when the source has none (a plain directory). */
  revision: string | undefined;
  startedAt: string;
  durationMs: number;
  outcome: PassOutcome;
  summary: string;
}

export interface SourceStatus {
  url: string;
  ref: string;
  path: string;
  revision?: string;
  fetchedAt?: string;
  error?: string;
}

export interface ActionRecord {
  at: string;
  target: string;
  resource: string;
  action: string;
  reason: string;
}

export interface ErrorRecord {
  at: string;
  target: string;
  message: string;
}

export interface LeaderStatus {
  isLeader: boolean;
  identity: string;
  since?: string;
  /** Why it leads or stands by: the Leader condition's reason and message. */
  reason?: string;
  message?: string;
  /** Where the mesh's writer lock lives (consul:KEY or file:PATH). */
  lock?: string;
}

export interface ControllerStatus {
  source: SourceStatus;
  /** Digest of the loaded manifest set. */
  observedGeneration?: string;
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  conditions: Condition[];
  resources: ResourceStatus[];
  lastPass?: PassRecord;
  /** Newest first, at most HISTORY_LIMIT. */
  history: PassRecord[];
  recentActions: ActionRecord[];
  recentErrors: ErrorRecord[];
  leader: LeaderStatus;
  /** Filled by the monitoring feature; consumers render it generically. */
  monitoring?: unknown;
}

export const HISTORY_LIMIT = 20;

/** A fresh status before the first fetch and pass. */
export function initialStatus(
  source: { url: string; ref: string; path: string },
  identity: string,
): ControllerStatus {
  return {
    source: { ...source, url: redactUserinfo(source.url) },
    conditions: [],
    resources: [],
    history: [],
    recentActions: [],
    recentErrors: [],
    leader: { isLeader: false, identity },
  };
}

/**
 * Adds or replaces the condition of `next.type`, as Kubernetes' meta.SetStatusCondition does:
 * lastTransitionTime moves only when the status changes, so it says how long a state has lasted.
 */
export function setCondition(
  conditions: readonly Condition[],
  next: Omit<Condition, "lastTransitionTime">,
  now: Date,
): Condition[] {
  const current = conditions.find((condition) => condition.type === next.type);
  const lastTransitionTime =
    current !== undefined && current.status === next.status ? current.lastTransitionTime : now.toISOString();
  const updated: Condition = { ...next, lastTransitionTime };
  return current === undefined
    ? [...conditions, updated]
    : conditions.map((condition) => (condition === current ? updated : condition));
}

/**
 * Records a finished pass: it becomes `lastPass`, heads the bounded history, and moves the
 * revisions the way Flux does (attempted on every pass, applied only when the cluster matches it).
 */
export function withPass(status: ControllerStatus, record: PassRecord): ControllerStatus {
  const converged = record.outcome === "applied" || record.outcome === "unchanged";
  return {
    ...status,
    lastPass: record,
    history: [record, ...status.history].slice(0, HISTORY_LIMIT),
    lastAttemptedRevision: record.revision ?? status.lastAttemptedRevision,
    lastAppliedRevision: converged
      ? (record.revision ?? status.lastAppliedRevision)
      : status.lastAppliedRevision,
  };
}

export const RESOURCE_PHASES = ["Ready", "Reconciling", "Stalled"] as const;
export type ResourcePhase = (typeof RESOURCE_PHASES)[number];

/** Ready=Unknown means a change is still rolling out; Ready=False means it failed and needs a look. */
export function resourcePhase(resource: Pick<ResourceStatus, "ready">): ResourcePhase {
  switch (resource.ready) {
    case "True":
      return "Ready";
    case "Unknown":
      return "Reconciling";
    case "False":
      return "Stalled";
  }
}
