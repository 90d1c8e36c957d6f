import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CallRecord, RetryRecord } from "../aws/call-policy.js";
import { classifyFailure } from "../aws/errors.js";
import { REFUSAL_REASONS, type RefusalReason } from "./refusals.js";
import { PASS_OUTCOMES, type PassOutcome, type ResourceStatus } from "./status.js";

/**
 * The controller's Prometheus metrics, named after Flux's and Argo CD's so their dashboards and
 * alerts translate: a reconcile duration histogram, one info series per resource, cloud API calls.
 * The methods are plain functions, so `recordApiCall` can be handed to the call policy as `onCall`.
 */
export interface ControllerMetrics {
  readonly registry: Registry;
  observePass(kind: string, seconds: number, outcome: PassOutcome): void;
  setResources(resources: readonly ResourceStatus[]): void;
  recordApiCall(call: Pick<CallRecord, "service" | "operation" | "outcome" | "durationMs">): void;
  /** A failed attempt about to be retried (throttled, server error, network), which the call count hides. */
  recordApiRetry(retry: Pick<RetryRecord, "service" | "operation" | "error">): void;
  /** Whether this replica writes, and the Leader condition's reason (e.g. LockHeldBy, ConsulUnreachable). */
  setLeader(isLeader: boolean, reason: string): void;
  markSuccess(at: Date): void;
  /** A request or connection the status port turned away (its log shows only a sample). */
  recordRefusal(reason: RefusalReason): void;
}

// A no-op pass takes well under a second; an initial converge at ECS's rates takes minutes.
const PASS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
// One call including its retries: milliseconds normally, up to a minute when throttled.
const API_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A registry of its own per controller, so two controllers (or tests) in one process never share series. */
export function createMetrics(): ControllerMetrics {
  const registry = new Registry();
  // Process and Node.js metrics keep their standard unprefixed names (process_*, nodejs_*), as dashboards expect.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const reconcileDuration = new Histogram({
    name: "ecsmesh_reconcile_duration_seconds",
    help: "Duration of reconcile passes, by kind.",
    labelNames: ["kind"],
    buckets: PASS_BUCKETS,
    registers,
  });
  const passes = new Counter({
    name: "ecsmesh_passes_total",
    help: "Reconcile passes, by outcome (applied, unchanged, failed, invalid).",
    labelNames: ["outcome"],
    registers,
  });
  // Every outcome exists from the start, so rate() and absent-based alerts see zeros, not gaps.
  for (const outcome of PASS_OUTCOMES) passes.inc({ outcome }, 0);
  const resourceInfo = new Gauge({
    name: "ecsmesh_resource_info",
    help: "One series per managed resource with its readiness and live revision; the value is always 1.",
    labelNames: ["kind", "name", "target", "ready", "revision"],
    registers,
  });
  const apiRequests = new Counter({
    name: "ecsmesh_api_requests_total",
    help: "Outbound API calls (retries included in one call), by service, operation and outcome.",
    labelNames: ["service", "operation", "outcome"],
    registers,
  });
  const apiRetries = new Counter({
    name: "ecsmesh_api_retries_total",
    help: "Failed attempts of outbound API calls that were retried, by service, operation and reason (throttled, server, network).",
    labelNames: ["service", "operation", "reason"],
    registers,
  });
  const apiDuration = new Histogram({
    name: "ecsmesh_api_request_duration_seconds",
    help: "Duration of outbound API calls including retries and pacing, by service and operation.",
    labelNames: ["service", "operation"],
    buckets: API_BUCKETS,
    registers,
  });
  const lastSuccess = new Gauge({
    name: "ecsmesh_last_successful_pass_timestamp_seconds",
    help: "Unix time of the last pass that left every target matching the manifests.",
    registers,
  });
  const leader = new Gauge({
    name: "ecsmesh_leader",
    help: "1 when this replica holds the leader lock and reconciles, 0 when it stands by.",
    registers,
  });
  const leaderReason = new Gauge({
    name: "ecsmesh_leader_reason",
    help: "Why this replica leads or stands by (the Leader condition's reason); the value is always 1.",
    labelNames: ["reason"],
    registers,
  });
  const refused = new Counter({
    name: "ecsmesh_http_refused_requests_total",
    help: "Requests and connections the status port refused, by reason (e.g. bad_signature, connection_limit).",
    labelNames: ["reason"],
    registers,
  });
  for (const reason of REFUSAL_REASONS) refused.inc({ reason }, 0);

  return {
    registry,
    observePass: (kind, seconds, outcome) => {
      reconcileDuration.observe({ kind }, seconds);
      passes.inc({ outcome });
    },
    setResources: (resources) => {
      // Rebuilt from scratch so a resource that left the manifests stops being reported.
      resourceInfo.reset();
      for (const { kind, name, target, ready, revision } of resources) {
        resourceInfo.set({ kind, name, target, ready, revision: revision ?? "" }, 1);
      }
    },
    recordApiCall: ({ service, operation, outcome, durationMs }) => {
      apiRequests.inc({ service, operation, outcome });
      apiDuration.observe({ service, operation }, durationMs / 1000);
    },
    recordApiRetry: ({ service, operation, error }) => {
      apiRetries.inc({ service, operation, reason: classifyFailure(error) });
    },
    setLeader: (isLeader, reason) => {
      leader.set(isLeader ? 1 : 0);
      leaderReason.reset();
      leaderReason.set({ reason }, 1);
    },
    markSuccess: (at) => lastSuccess.set(at.getTime() / 1000),
    recordRefusal: (reason) => refused.inc({ reason }),
  };
}
