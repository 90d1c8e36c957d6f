import type { Service } from "@aws-sdk/client-ecs";
import { classifyFailure, errorCode, errorMessage } from "../../aws/errors.js";
import { canonicalTaskDefinition } from "../../compile/ecs/normalize.js";
import { clientTokenFor } from "../../compile/ecs/render.js";
import {
  type Inventory,
  withDeployment,
  withoutRevision,
  withoutService,
  withRegistering,
  withRevision,
  withService,
} from "../../inventory/inventory.js";
import { InventoryJournal } from "../../inventory/journal.js";
import type { InventoryStore } from "../../inventory/store.js";
import { mapConcurrent } from "../../util/concurrency.js";
import type { Logger } from "../../util/logger.js";
import type { ResourcePlan } from "../plan-types.js";
import type { EcsApi } from "./ecs-client.js";
import { type EcsAction, type EcsPlan, REGISTERED } from "./plan.js";

/** Revisions looked at for one an interrupted writer registered: it is among the newest. */
const LANDED_LOOKBACK = 5;

/**
 * The revision of exactly this definition that a writer registered and was killed before recording,
 * when the inventory's write-ahead mark says one may exist: ECS has no idempotency token for
 * RegisterTaskDefinition, so without this every crash there would leave an extra revision.
 */
async function landedRegistration(
  api: EcsApi,
  inventory: Inventory,
  action: Extract<EcsAction, { verb: "register-task-definition" }>,
): Promise<string | undefined> {
  const entry = inventory.services[action.service];
  if (entry?.registering !== action.fingerprint) return undefined;
  const recorded = new Set(entry.revisions.map((r) => r.arn));
  const wanted = JSON.stringify(canonicalTaskDefinition(action.input));
  for (const arn of await api.newestTaskDefinitions(action.family, LANDED_LOOKBACK)) {
    if (recorded.has(arn)) return undefined; // Newer than any unrecorded one: nothing landed.
    const described = await api.describeTaskDefinition(arn);
    if (described && JSON.stringify(canonicalTaskDefinition(described.taskDefinition)) === wanted) return arn;
  }
  return undefined;
}

/** Resources applied at once; the client-side token buckets pace the calls themselves. */
const APPLY_CONCURRENCY = 32;

export interface AppliedResource {
  readonly name: string;
  readonly outcome: ResourcePlan<EcsAction>["outcome"];
  /** Set when an action failed: the resource stays as it was from that action on. */
  readonly error?: { readonly code: string; readonly message: string; readonly retryable: boolean };
  /** The service as ECS returned it after create/update, for rollout tracking. */
  readonly service?: Service;
  /** Set when an interruption stopped the resource before all its actions ran. */
  readonly interrupted?: { readonly done: number; readonly notStarted: number };
}

export interface ApplyProgress {
  readonly resource: string;
  readonly action: EcsAction["verb"];
  readonly state: "done" | "failed";
  readonly detail: string;
}

export interface ApplyResult {
  readonly resources: readonly AppliedResource[];
  readonly inventory: Inventory;
}

export interface ApplyOptions {
  readonly onProgress?: (event: ApplyProgress) => void;
  /** Aborting lets the calls in flight finish and starts no new one (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/**
 * Executes a plan: creates and updates first (each resource's actions in order, resources in
 * parallel), deletes last. One resource's failure is recorded on it and does not stop the others.
 * The inventory is written ahead: a service is recorded before CreateService (ECS's clientToken
 * makes the retry safe) and a revision as soon as it is registered, so an apply killed at any
 * point is finished by the next one, never blocked by what it left behind.
 */
export async function applyEcsPlan(
  api: EcsApi,
  plan: EcsPlan,
  start: Inventory,
  store: InventoryStore,
  log: Logger,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const { onProgress = () => {}, signal } = options;
  const journal = new InventoryJournal(store, start);
  /** Remembers which ECS deployment rolls out a revision, to recognise its failure later. */
  const recordDeployment = (name: string, arn: string, service: Service) => {
    const deployment = service.deployments?.find(
      (d) => d.status === "PRIMARY" && d.taskDefinition === arn,
    )?.id;
    return deployment
      ? journal.record((inventory) => withDeployment(inventory, name, arn, deployment))
      : Promise.resolve();
  };
  const runResource = async (resource: ResourcePlan<EcsAction>): Promise<AppliedResource> => {
    const resourceLog = log.child({ kind: resource.kind, name: resource.name });
    let registered: { arn: string } | undefined;
    let service: Service | undefined;
    for (const [index, action] of resource.actions.entries()) {
      if (signal?.aborted) {
        resourceLog.warn({ action: action.verb }, `interrupted before ${action.verb} ${resource.name}`);
        return {
          name: resource.name,
          outcome: resource.outcome,
          interrupted: { done: index, notStarted: resource.actions.length - index },
          ...(service ? { service } : {}),
        };
      }
      try {
        const detail = await execute(action);
        resourceLog.info(
          { action: action.verb, reason: resource.reason, detail },
          `${action.verb} ${resource.name}`,
        );
        onProgress({ resource: resource.name, action: action.verb, state: "done", detail });
      } catch (error) {
        const failure = {
          code: errorCode(error),
          message: errorMessage(error),
          retryable: classifyFailure(error) !== "client",
        };
        resourceLog.error({ action: action.verb, err: failure }, `${action.verb} ${resource.name} failed`);
        onProgress({
          resource: resource.name,
          action: action.verb,
          state: "failed",
          detail: failure.message,
        });
        return {
          name: resource.name,
          outcome: resource.outcome,
          error: failure,
          ...(service ? { service } : {}),
        };
      }
    }
    return { name: resource.name, outcome: resource.outcome, ...(service ? { service } : {}) };

    async function execute(action: EcsAction): Promise<string> {
      const definitionArn = (arn: string | undefined) => (arn === REGISTERED ? registered?.arn : arn);
      switch (action.verb) {
        case "register-task-definition": {
          const landed = await landedRegistration(api, journal.inventory, action);
          if (landed)
            resourceLog.info({ arn: landed }, "found the revision an interrupted writer registered");
          else
            await journal.record((inventory) =>
              withRegistering(inventory, action.service, action.family, action.fingerprint),
            );
          const arn = landed ?? (await api.registerTaskDefinition(action.input)).taskDefinitionArn ?? "";
          registered = { arn };
          await journal.record((inventory) =>
            withRevision(inventory, action.service, action.family, { arn, fingerprint: action.fingerprint }),
          );
          return arn;
        }
        case "create-service": {
          const taskDefinition = definitionArn(action.taskDefinition) ?? "";
          const recordService = (arn: string) =>
            journal.record((inventory) => {
              const current = inventory.services[action.service];
              return withService(inventory, action.service, {
                arn,
                family: current?.family ?? "",
                revisions: current?.revisions ?? [],
              });
            });
          // Ours before it exists: killed after CreateService, the next apply finds it recorded.
          await recordService("");
          service = await api.createService({
            ...action.input,
            taskDefinition,
            clientToken: clientTokenFor(action.input.cluster ?? "", action.service, taskDefinition),
          });
          await recordService(service.serviceArn ?? "");
          await recordDeployment(action.service, taskDefinition, service);
          return service.serviceArn ?? "";
        }
        case "update-service": {
          const taskDefinition = definitionArn(action.taskDefinition);
          service = await api.updateService({
            ...action.input,
            ...(taskDefinition ? { taskDefinition } : {}),
          });
          if (taskDefinition) await recordDeployment(action.service, taskDefinition, service);
          return taskDefinition ?? "service settings";
        }
        case "delete-service":
          await api.deleteService(action.cluster, action.service);
          return "deleted";
        case "deregister-task-definition":
          await api.deregisterTaskDefinition(action.arn);
          await journal.record((inventory) => withoutRevision(inventory, action.service, action.arn));
          return action.arn;
        case "adopt-service":
          await journal.record((inventory) =>
            withService(inventory, action.service, { arn: action.arn, family: action.family, revisions: [] }),
          );
          return action.arn;
        case "forget-service":
          await journal.record((inventory) => withoutService(inventory, action.service));
          return "removed from the inventory";
        case "forget-revision":
          await journal.record((inventory) => withoutRevision(inventory, action.service, action.arn));
          return `${action.arn} (${action.why}) removed from the inventory`;
      }
    }
  };

  const active = plan.resources.filter((r) => r.actions.length > 0);
  const results: AppliedResource[] = [];
  try {
    results.push(
      ...(await mapConcurrent(
        active.filter((r) => r.outcome !== "delete"),
        APPLY_CONCURRENCY,
        runResource,
      )),
    );
    results.push(
      ...(await mapConcurrent(
        active.filter((r) => r.outcome === "delete"),
        APPLY_CONCURRENCY,
        runResource,
      )),
    );
  } finally {
    await journal.flush();
  }
  return { resources: results, inventory: journal.inventory };
}
