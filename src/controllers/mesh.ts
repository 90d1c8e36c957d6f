import { classifyFailure, errorCode, errorMessage } from "../aws/errors.js";
import type { DesiredMesh } from "../compile/mesh.js";
import { ownerId } from "../specs/resolve.js";
import type { Logger } from "../util/logger.js";
import type { CloudMapApi } from "./cloudmap/cloudmap-client.js";
import { type CloudMapResult, reconcileCloudMap } from "./cloudmap/reconcile.js";
import type { ConsulApi } from "./consul/consul-client.js";
import type { ConsulPlan } from "./consul/plan.js";
import { applyConsul, planConsul } from "./consul/reconcile.js";
import { type ApplyProgress, type ApplyResult, applyEcsPlan } from "./ecs/apply.js";
import { holdUnresolvedRegistries } from "./ecs/plan.js";
import { type EcsDeps, type EcsFlags, type EcsPlanned, planEcsForMesh } from "./ecs/reconcile.js";
import {
  type InstanceAddresses,
  observeRunningTasks,
  type RunningTask,
  type TaskObservationCache,
  type TaskReader,
} from "./ecs/tasks.js";
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

/** The registrations step: what runs, and Consul made to match it. */
export interface RegistrationsReport {
  /**
   * The running tasks observed (services in Consul, with metrics, the daemon); undefined when no
   * service needs them. A failed observation fails Consul with the same error.
   */
  readonly tasks: TargetReport<readonly RunningTask[]> | undefined;
  readonly consul: TargetReport<{ plan: ConsulPlan; transactions: number }> | undefined;
}

export interface MeshReport extends RegistrationsReport {
  readonly cloudMap: TargetReport<CloudMapResult> | undefined;
  readonly ecs: TargetReport<{ planned: EcsPlanned; applied: ApplyResult | undefined }>;
  readonly dtab: TargetReport<DtabResult> | undefined;
}

export interface MeshOptions {
  readonly dryRun: boolean;
  readonly flags: EcsFlags;
  readonly log: Logger;
  readonly onProgress?: (event: ApplyProgress) => void;
  /** Aborted (Ctrl-C): calls in flight finish, nothing new starts, later targets are skipped. */
  readonly signal?: AbortSignal;
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
 * The registrations step alone: observes the running tasks once and makes Consul match them. It
 * writes nothing to ECS, Cloud Map or namerd, so it may run from a last good manifest set (the
 * newest commit being invalid) and after rollouts have finished (apply --wait).
 */
export async function reconcileRegistrations(
  desired: DesiredMesh,
  targets: Pick<MeshTargets, "tasks" | "addresses" | "taskCache" | "consul">,
  options: Pick<MeshOptions, "dryRun" | "log">,
): Promise<RegistrationsReport> {
  const mesh = desired.set.mesh.manifest;
  const log = meshLog(desired, options.log);
  const watched = new Set(desired.observedServices.map((service) => service.metadata.name));
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
  const consulApi = desired.consulServices.length > 0 ? targets.consul : undefined;
  const consul =
    consulApi && tasks
      ? tasks.ok
        ? await attempt("consul", log, async () => {
            const plan = await planConsul(desired, consulApi, tasks.value);
            const transactions = options.dryRun ? 0 : await applyConsul(plan, consulApi);
            if (transactions > 0) {
              const count = (verb: string) => plan.changes.filter((c) => c.verb === verb).length;
              log.info(
                {
                  node: plan.node,
                  register: count("register"),
                  update: count("update"),
                  deregister: count("deregister"),
                  transactions,
                },
                "consul registrations made to match the running tasks",
              );
            }
            return { plan, transactions };
          })
        : tasks
      : undefined;
  return { tasks, consul };
}

/**
 * One pass over every target, in dependency order: Cloud Map first (ECS services need its
 * registry ARNs), then ECS, then the registrations (Consul registers the tasks ECS runs), then namerd.
 * With `dryRun` every target is observed and planned, and nothing is written.
 */
export async function reconcileMesh(
  desired: DesiredMesh,
  targets: MeshTargets,
  options: MeshOptions,
): Promise<MeshReport> {
  const mesh = desired.set.mesh.manifest;
  const log = meshLog(desired, options.log);
  const cloudMap =
    targets.cloudMap && mesh.spec.cloudMap
      ? await attempt("cloudmap", log, () =>
          reconcileCloudMap(desired, targets.cloudMap as CloudMapApi, options.dryRun),
        )
      : undefined;
  const registries = cloudMap?.ok ? cloudMap.value.registries : new Map<string, string>();

  const ecs = await attempt("ecs", log, async () => {
    const planned = await planEcsForMesh(desired, targets.ecs, options.flags, registries);
    if (options.dryRun) return { planned, applied: undefined };
    const reason = cloudMap && !cloudMap.ok ? cloudMap.error.message : "not created yet";
    const plan = holdUnresolvedRegistries(planned.plan, reason);
    const applied = await applyEcsPlan(targets.ecs.api, plan, planned.inventory, targets.ecs.store, log, {
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { planned: { ...planned, plan }, applied };
  });

  if (options.signal?.aborted) {
    return { cloudMap, ecs, tasks: undefined, consul: undefined, dtab: undefined };
  }

  // Registrations follow the tasks that run, whether or not the ECS step succeeded.
  const { tasks, consul } = await reconcileRegistrations(desired, targets, options);

  const namerdApi = targets.namerd;
  const dtab = namerdApi
    ? await attempt("namerd", log, async () => {
        const namespace = mesh.spec.linkerd.namespace;
        const store = targets.ecs.store;
        // The ECS step already loaded (and saved) the inventory this pass; read it again only if it failed.
        const inventory = ecs.ok
          ? (ecs.value.applied?.inventory ?? ecs.value.planned.inventory)
          : await store.load(ownerId(mesh), mesh.spec.ecs.cluster);
        const result = await reconcileDtab(desired, namerdApi, inventory.dtabs?.[namespace], options.dryRun);
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
  return { cloudMap, ecs, consul, dtab, tasks };
}

function meshLog(desired: DesiredMesh, log: Logger): Logger {
  const mesh = desired.set.mesh.manifest;
  return log.child({ mesh: mesh.metadata.name, cluster: mesh.spec.ecs.cluster });
}
