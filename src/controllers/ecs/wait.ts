import type { Service } from "@aws-sdk/client-ecs";
import { chunk, mapConcurrent } from "../../util/concurrency.js";
import type { ResourceCondition } from "../conditions.js";
import { DESCRIBE_SERVICES_BATCH, type EcsApi } from "./ecs-client.js";
import { serviceCondition } from "./rollout.js";

export interface WaitOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly onChange?: (name: string, condition: ResourceCondition) => void;
}

/**
 * Polls the services (10 per DescribeServices call) until each rollout has COMPLETED or
 * FAILED, or the timeout passes; returns the last condition of each.
 */
export async function waitForRollouts(
  api: EcsApi,
  cluster: string,
  /** Service name -> the task definition we deployed to it. */
  expected: ReadonlyMap<string, string | undefined>,
  options: WaitOptions,
): Promise<Map<string, ResourceCondition>> {
  const conditions = new Map<string, ResourceCondition>();
  const deadline = performance.now() + options.timeoutMs;
  let pending = [...expected.keys()];
  while (pending.length > 0) {
    const batches = await mapConcurrent(chunk(pending, DESCRIBE_SERVICES_BATCH), 8, (batch) =>
      api.describeServices(cluster, batch),
    );
    const found = new Map<string, Service>(
      batches.flatMap((b) => b.services).map((s) => [s.serviceName ?? "", s] as const),
    );
    for (const name of pending) {
      const service = found.get(name);
      const condition: ResourceCondition = service
        ? serviceCondition(service, expected.get(name))
        : { type: "Stalled", reason: "ServiceMissing", message: "ECS no longer describes this service" };
      const previous = conditions.get(name);
      if (previous?.reason !== condition.reason || previous.message !== condition.message) {
        options.onChange?.(name, condition);
      }
      conditions.set(name, condition);
    }
    pending = pending.filter((name) => conditions.get(name)?.type === "Reconciling");
    if (pending.length === 0) break;
    if (performance.now() >= deadline) {
      for (const name of pending) {
        const last = conditions.get(name);
        conditions.set(name, {
          type: "Stalled",
          reason: "WaitTimeout",
          message: `still rolling out: ${last?.message ?? ""}`,
        });
      }
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
  return conditions;
}
