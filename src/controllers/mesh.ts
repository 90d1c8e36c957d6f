import { classifyFailure, errorCode, errorMessage } from "../aws/errors.js";
import { DEFAULT_CONTROLLER_URL } from "../monitoring/ecs-delivery.js";
import type { Logger } from "../runtime/logger.js";
import type { ManifestSet } from "../specs/loader.js";
import { ownerId } from "../specs/resolve.js";
import type { CloudMapApi } from "./cloudmap/cloudmap-client.js";
import { type CloudMapResult, reconcileCloudMap } from "./cloudmap/reconcile.js";
import type { ConsulApi } from "./consul/consul-client.js";
import type { ConsulPlan } from "./consul/plan.js";
import { applyConsul, consulServices, planConsul } from "./consul/reconcile.js";
import { type ApplyProgress, type ApplyResult, applyEcsPlan } from "./ecs/apply.js";
import { holdUnresolvedRegistries } from "./ecs/plan.js";
import { type EcsDeps, type EcsFlags, type EcsPlanned, planEcsForSet } from "./ecs/reconcile.js";
import {
  type InstanceAddresses,
  observeRunningTasks,
  type RunningTask,
  type TaskObservationCache,
  type TaskReader,
} from "./ecs/tasks.js";
import { observedServices } from "./mesh-services.js";
import type { NamerdApi } from "./namerd/namerd-client.js";
import { type DtabResult, reconcileDtab } from "./namerd/reconcile.js";

/** Everything the controller talks to; targets the Mesh does not use are undefined. */
export interface MeshTargets {
  readonly ecs: EcsDeps;
  readonly tasks: TaskReader;
  readonly addresses: InstanceAddresses;
  readonly taskCache: TaskObservationCache;
  readonly consul: ConsulApi | undefined;
  readonly namerd: NamerdApi | undefined;
  readonly cloudMap: CloudMapApi | undefined;
}

export interface TargetError {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

/** One target's outcome: an unreachable dependency fails only the target that needs it. */
export type TargetReport<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: TargetError };

export interface MeshReport {
  readonly cloudMap: TargetReport<CloudMapResult> | undefined;
  readonly ecs: TargetReport<{ planned: EcsPlanned; applied: ApplyResult | undefined }>;
  readonly consul: TargetReport<{ plan: ConsulPlan; transactions: number }> | undefined;
  readonly dtab: TargetReport<DtabResult> | undefined;
  /** The running tasks this pass observed (services in Consul, with metrics, the daemon). */
  readonly tasks: readonly RunningTask[];
}

export interface MeshOptions {
  readonly dryRun: boolean;
  readonly flags: EcsFlags;
  readonly log: Logger;
  readonly onProgress?: (event: ApplyProgress) => void;
  /** Aborted (Ctrl-C): calls in flight finish, nothing new starts, later targets are skipped. */
  readonly signal?: AbortSignal;
  /** Where this controller is reached (Prometheus run by Monitoring's delivery.ecs scrapes it). */
  readonly controllerUrl?: string;
}

async function attempt<T>(target: string, log: Logger, work: () => Promise<T>): Promise<TargetReport<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const failure = {
      code: errorCode(error),
      message: errorMessage(error),
      retryable: classifyFailure(error) !== "client",
    };
    log.error({ target, err: failure }, `${target} failed`);
    return { ok: false, error: failure };
  }
}

/**
 * One pass over every target, in dependency order: Cloud Map first (ECS services need its
 * registry ARNs), then ECS, then Consul (which registers the tasks ECS runs), then namerd.
 * With `dryRun` every target is observed and planned, and nothing is written.
 */
export async function reconcileMesh(
  set: ManifestSet,
  targets: MeshTargets,
  options: MeshOptions,
): Promise<MeshReport> {
  const mesh = set.mesh.manifest;
  const controllerUrl = options.controllerUrl ?? DEFAULT_CONTROLLER_URL;
  const log = options.log.child({ mesh: mesh.metadata.name, cluster: mesh.spec.ecs.cluster });
  const cloudMap =
    targets.cloudMap && mesh.spec.cloudMap
      ? await attempt("cloudmap", log, () =>
          reconcileCloudMap(set, targets.cloudMap as CloudMapApi, options.dryRun),
        )
      : undefined;
  const registries = cloudMap?.ok ? cloudMap.value.registries : new Map<string, string>();

  const ecs = await attempt("ecs", log, async () => {
    const planned = await planEcsForSet(set, targets.ecs, options.flags, registries, controllerUrl);
    if (options.dryRun) return { planned, applied: undefined };
    const reason = cloudMap && !cloudMap.ok ? cloudMap.error.message : "not created yet";
    const plan = holdUnresolvedRegistries(planned.plan, reason);
    const applied = await applyEcsPlan(targets.ecs.api, plan, planned.inventory, targets.ecs.store, log, {
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { planned: { ...planned, plan }, applied };
  });

  if (options.signal?.aborted) return { cloudMap, ecs, consul: undefined, dtab: undefined, tasks: [] };

  // Running tasks are observed once per pass, for Consul registrations and monitoring discovery.
  const watched = new Set(observedServices(set, controllerUrl).map((service) => service.metadata.name));
  const tasks =
    watched.size === 0
      ? undefined
      : await attempt("ecs-tasks", log, () =>
          observeRunningTasks(
            targets.tasks,
            targets.addresses,
            mesh.spec.ecs.cluster,
            watched,
            targets.taskCache,
          ),
        );

  // Nothing registers in Consul: no Consul calls at all (it may not even be reachable).
  const consulApi = consulServices(set, controllerUrl).length > 0 ? targets.consul : undefined;
  const consul =
    consulApi && tasks
      ? tasks.ok
        ? await attempt("consul", log, async () => {
            const plan = await planConsul(set, consulApi, tasks.value, controllerUrl);
            return { plan, transactions: options.dryRun ? 0 : await applyConsul(plan, consulApi) };
          })
        : tasks
      : undefined;

  const namerdApi = targets.namerd;
  const dtab = namerdApi
    ? await attempt("namerd", log, async () => {
        const namespace = mesh.spec.linkerd.namespace;
        const store = targets.ecs.store;
        // The ECS step already loaded (and saved) the inventory this pass; read it again only if it failed.
        const inventory = ecs.ok
          ? (ecs.value.applied?.inventory ?? ecs.value.planned.inventory)
          : await store.load(ownerId(mesh), mesh.spec.ecs.cluster);
        const result = await reconcileDtab(set, namerdApi, inventory.dtabs?.[namespace], options.dryRun);
        if (
          !options.dryRun &&
          result.applied !== inventory.dtabs?.[namespace] &&
          result.applied !== undefined
        ) {
          await store.save({ ...inventory, dtabs: { ...inventory.dtabs, [namespace]: result.applied } });
        }
        return result;
      })
    : undefined;
  return { cloudMap, ecs, consul, dtab, tasks: tasks?.ok ? tasks.value : [] };
}
