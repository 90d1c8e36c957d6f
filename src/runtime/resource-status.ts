import type { ResourceCondition } from "../controllers/conditions.js";
import { serviceCondition } from "../controllers/ecs/rollout.js";
import { arnResource } from "../controllers/ecs/tasks.js";
import type { MeshReport, RegistrationsReport, TargetReport } from "../controllers/mesh.js";
import type { ActionRecord, ConditionStatus, ResourceStatus, Target } from "./status.js";

const READY_OF: Record<ResourceCondition["type"], ConditionStatus> = {
  Ready: "True",
  Reconciling: "Unknown",
  Stalled: "False",
};

function resource(
  kind: string,
  name: string,
  target: Target,
  condition: ResourceCondition,
  at: string,
  revision?: string,
): ResourceStatus {
  return {
    kind,
    name,
    target,
    ready: READY_OF[condition.type],
    reason: condition.reason,
    message: condition.message,
    lastTransitionTime: at,
    ...(revision ? { revision } : {}),
  };
}

/** A whole target that failed: retryable errors are still Reconciling, others need a person. */
function failedTarget(kind: string, name: string, target: Target, report: TargetReport<unknown>, at: string) {
  if (report.ok) return undefined;
  return resource(
    kind,
    name,
    target,
    {
      type: report.error.retryable ? "Reconciling" : "Stalled",
      reason: report.error.retryable ? "DependencyNotReady" : "Failed",
      message: `${report.error.code}: ${report.error.message}`,
    },
    at,
  );
}

/**
 * Per-resource status from one pass: a blocked or failed resource says why; a resource the pass
 * changed is Reconciling until ECS reports its rollout; an unchanged one reads its rollout state
 * off what the pass observed.
 */
export function resourceStatuses(report: MeshReport, at: string): ResourceStatus[] {
  const statuses: ResourceStatus[] = [];
  const ecsFailure = failedTarget("Service", "*", "ecs", report.ecs, at);
  if (ecsFailure) statuses.push(ecsFailure);
  if (report.ecs.ok) {
    const { planned, applied } = report.ecs.value;
    const errors = new Map((applied?.resources ?? []).filter((r) => r.error).map((r) => [r.name, r.error]));
    for (const plan of planned.plan.resources) {
      const live = planned.observed.services.get(plan.name);
      const error = errors.get(plan.name);
      let condition: ResourceCondition;
      if (plan.outcome === "blocked")
        condition = { type: "Stalled", reason: "Blocked", message: plan.reason };
      else if (error) {
        condition = {
          type: error.retryable ? "Reconciling" : "Stalled",
          reason: error.retryable ? "RetryingAfterError" : "ApplyFailed",
          message: `${error.code}: ${error.message}`,
        };
      } else if (plan.outcome === "delete") {
        condition = { type: "Reconciling", reason: "Deleting", message: plan.reason };
      } else if (plan.actions.length > 0 || !live) {
        condition = { type: "Reconciling", reason: "Progressing", message: plan.reason };
      } else condition = serviceCondition(live);
      statuses.push(
        resource(
          "Service",
          plan.name,
          "ecs",
          condition,
          at,
          live?.taskDefinition && arnResource(live.taskDefinition),
        ),
      );
    }
  }
  statuses.push(...registrationStatuses(report.consul, at));
  if (report.dtab) {
    const failure = failedTarget("Dtab", "namerd", "namerd", report.dtab, at);
    if (failure) statuses.push(failure);
    else if (report.dtab.ok) {
      const { action, namespace } = report.dtab.value;
      const condition: ResourceCondition =
        action.verb === "drift"
          ? { type: "Stalled", reason: "Drift", message: action.reason }
          : { type: "Ready", reason: "Synced", message: action.reason };
      statuses.push(resource("Dtab", namespace, "namerd", condition, at));
    }
  }
  if (report.cloudMap) {
    const failure = failedTarget("CloudMapNamespace", "cloudmap", "cloudmap", report.cloudMap, at);
    if (failure) statuses.push(failure);
    else if (report.cloudMap.ok) {
      for (const name of report.cloudMap.value.registries.keys()) {
        statuses.push(
          resource("CloudMapService", name, "cloudmap", { type: "Ready", reason: "Exists", message: "" }, at),
        );
      }
    }
  }
  return statuses;
}

/** The Consul catalog's status after a registrations step; none when nothing registers in Consul. */
export function registrationStatuses(consul: RegistrationsReport["consul"], at: string): ResourceStatus[] {
  if (!consul?.ok) {
    const failure = consul && failedTarget("ConsulRegistrations", "catalog", "consul", consul, at);
    return failure ? [failure] : [];
  }
  const { plan } = consul.value;
  const registered = plan.unchanged + plan.changes.filter((c) => c.verb !== "deregister").length;
  return [
    resource(
      "ConsulRegistrations",
      plan.node,
      "consul",
      {
        type: "Ready",
        reason: "Synced",
        message: `${registered} registrations, ${plan.changes.length} changed this pass`,
      },
      at,
    ),
  ];
}

/** What a registrations step changed in Consul, for the status page's recent actions. */
export function registrationActions(consul: RegistrationsReport["consul"], at: string): ActionRecord[] {
  if (!consul?.ok) return [];
  return consul.value.plan.changes.map((change) => ({
    at,
    target: "consul",
    resource: change.id,
    action: change.verb,
    reason: change.reason,
  }));
}

/** What a pass did, for the status page's recent actions. */
export function actionRecords(report: MeshReport, at: string): ActionRecord[] {
  const records: ActionRecord[] = [];
  if (report.ecs.ok && report.ecs.value.applied) {
    const planned = new Map(report.ecs.value.planned.plan.resources.map((r) => [r.name, r]));
    for (const applied of report.ecs.value.applied.resources) {
      const plan = planned.get(applied.name);
      records.push({
        at,
        target: "ecs",
        resource: `Service/${applied.name}`,
        action: applied.error ? `${applied.outcome} failed` : applied.outcome,
        reason: applied.error?.message ?? plan?.reason ?? "",
      });
    }
  }
  records.push(...registrationActions(report.consul, at));
  if (report.dtab?.ok && report.dtab.value.action.verb !== "noop") {
    const { action, namespace } = report.dtab.value;
    records.push({
      at,
      target: "namerd",
      resource: `Dtab/${namespace}`,
      action: action.verb,
      reason: action.reason,
    });
  }
  if (report.cloudMap?.ok) {
    for (const change of report.cloudMap.value.changes) {
      records.push({
        at,
        target: "cloudmap",
        resource: `${change.kind}/${change.name}`,
        action: change.verb,
        reason: change.reason,
      });
    }
  }
  return records;
}
