import type { Service } from "@aws-sdk/client-ecs";
import type { ResourceCondition } from "../conditions.js";

/**
 * Reads a service's condition off its PRIMARY deployment's rolloutState and task counts: Ready
 * needs the rollout COMPLETED and every desired task of it running. Given the revision we
 * deployed, a primary on any other revision means ECS rolled ours back: a completed rollback is
 * still a failure of what we applied.
 */
export function serviceCondition(service: Service, expectedTaskDefinition?: string): ResourceCondition {
  const primary = service.deployments?.find((d) => d.status === "PRIMARY");
  const counts = `${service.runningCount ?? 0}/${service.desiredCount ?? 0} tasks running`;
  if (!primary)
    return { type: "Reconciling", reason: "NoDeployment", message: "ECS reports no primary deployment yet" };
  const allRunning = (primary.runningCount ?? 0) === (primary.desiredCount ?? 0);
  if (expectedTaskDefinition && primary.taskDefinition !== expectedTaskDefinition) {
    const failure = service.events?.find((e) => /failed/.test(e.message ?? ""))?.message;
    return {
      type: "Stalled",
      reason: "RolledBack",
      message: `ECS is running ${primary.taskDefinition}, not ${expectedTaskDefinition}${failure ? `: ${failure}` : ""}`,
    };
  }
  switch (primary.rolloutState) {
    case "FAILED": {
      const event = service.events?.[0]?.message;
      const message = [primary.rolloutStateReason, event].filter(Boolean).join("; ");
      return { type: "Stalled", reason: "RolloutFailed", message: message || "the deployment failed" };
    }
    case "COMPLETED":
      // ECS keeps a deployment COMPLETED when only the desired count changes (or a task is
      // replaced) afterwards: until every desired task runs, the service is still scaling.
      return allRunning
        ? { type: "Ready", reason: "RolloutCompleted", message: counts }
        : {
            type: "Reconciling",
            reason: "Scaling",
            message: `${counts}, ${primary.pendingCount ?? 0} pending`,
          };
    case "IN_PROGRESS":
      return {
        type: "Reconciling",
        reason: "RolloutInProgress",
        message: `${counts}, ${primary.pendingCount ?? 0} pending`,
      };
    default: {
      // Without rolloutState, a single deployment at its desired count is steady.
      const steady = (service.deployments?.length ?? 0) === 1 && allRunning;
      return steady
        ? { type: "Ready", reason: "Steady", message: counts }
        : { type: "Reconciling", reason: "RolloutInProgress", message: counts };
    }
  }
}
