import type {
  CreateServiceCommandInput,
  NetworkConfiguration,
  RegisterTaskDefinitionCommandInput,
  Service,
  UpdateServiceCommandInput,
} from "@aws-sdk/client-ecs";
import { hasOwnerTag } from "../../compile/ecs/names.js";
import { canonicalTaskDefinition } from "../../compile/ecs/normalize.js";
import { createServiceInput, type DesiredService, KNOWN_AFTER_APPLY } from "../../compile/ecs/render.js";
import {
  fingerprintOf,
  type Inventory,
  latestWithFingerprint,
  pruneCandidates,
} from "../../inventory/inventory.js";
import { diffValues } from "../diff.js";
import type { FieldChange, ResourcePlan } from "../plan-types.js";

/** Marks where the executor puts the ARN of the revision it has just registered. */
export const REGISTERED = "(new revision)";

export type EcsAction =
  | {
      readonly verb: "register-task-definition";
      readonly service: string;
      readonly family: string;
      readonly fingerprint: string;
      readonly input: RegisterTaskDefinitionCommandInput;
    }
  | {
      readonly verb: "create-service";
      readonly service: string;
      /** CreateService input without its task definition, which is REGISTERED or an ARN. */
      readonly input: Omit<CreateServiceCommandInput, "taskDefinition">;
      readonly taskDefinition: string;
    }
  | {
      readonly verb: "update-service";
      readonly service: string;
      readonly input: Omit<UpdateServiceCommandInput, "taskDefinition">;
      readonly taskDefinition: string | undefined;
    }
  | { readonly verb: "delete-service"; readonly service: string; readonly cluster: string }
  | { readonly verb: "deregister-task-definition"; readonly service: string; readonly arn: string }
  /** Inventory only: take over a service tagged ours that the inventory lost (explicit --adopt). */
  | {
      readonly verb: "adopt-service";
      readonly service: string;
      readonly arn: string;
      readonly family: string;
    }
  /** Inventory only: a service we created is gone from ECS. */
  | { readonly verb: "forget-service"; readonly service: string }
  /** Inventory only: a revision we registered that ECS can no longer deploy. */
  | {
      readonly verb: "forget-revision";
      readonly service: string;
      readonly arn: string;
      readonly why: string;
    };

export interface ObservedEcs {
  /** Live services for every name asked about (desired and inventory); missing and INACTIVE ones absent. */
  readonly services: ReadonlyMap<string, Service>;
  /** Canonical forms of the live task definitions that had to be described. */
  readonly taskDefinitions: ReadonlyMap<string, unknown>;
  /**
   * Revisions ECS can no longer deploy, with why ("unknown to ECS", "INACTIVE" or
   * "DELETE_IN_PROGRESS"): among those described, which include every remembered revision the
   * plan would deploy again.
   */
  readonly goneRevisions: ReadonlyMap<string, string>;
}

export interface EcsPlanOptions {
  readonly cluster: string;
  readonly owner: string;
  readonly keepRevisions: number;
  readonly prune: { readonly enabled: boolean; readonly maxDeletePercent: number };
  readonly allowMassPrune: boolean;
  readonly adopt: boolean;
}

export interface EcsPlan {
  readonly resources: readonly ResourcePlan<EcsAction>[];
  /** Set when deletes were held back by the mass-prune guard. */
  readonly massPruneRefused: string | undefined;
}

/** The live task definition ARN a service runs: its PRIMARY deployment's, else the service's. */
function liveTaskDefinition(service: Service): string | undefined {
  return service.deployments?.find((d) => d.status === "PRIMARY")?.taskDefinition ?? service.taskDefinition;
}

/**
 * True when the live revision already is the desired definition: known from the fingerprint we
 * recorded when we registered it, or else from the canonical form of what ECS describes.
 */
export function isSameDefinition(
  desired: DesiredService,
  liveArn: string,
  inventory: Inventory,
  observed: ObservedEcs,
): boolean {
  const recorded = fingerprintOf(inventory, desired.name, liveArn);
  if (recorded !== undefined) return recorded === desired.fingerprint;
  const live = observed.taskDefinitions.get(liveArn);
  return (
    live !== undefined &&
    JSON.stringify(live) === JSON.stringify(canonicalTaskDefinition(desired.taskDefinition))
  );
}

/** Which live task definitions the planner needs described: those whose fingerprint does not settle it. */
export function taskDefinitionsToDescribe(
  desired: readonly DesiredService[],
  services: ReadonlyMap<string, Service>,
  inventory: Inventory,
): string[] {
  const arns = new Set<string>();
  for (const d of desired) {
    const live = services.get(d.name);
    const arn = live && liveTaskDefinition(live);
    if (arn && fingerprintOf(inventory, d.name, arn) !== d.fingerprint) arns.add(arn);
  }
  return [...arns];
}

/**
 * Remembered revisions the plan would deploy again rather than register: a service to create, or
 * one that runs another definition. Their status is checked first, since they may have been
 * deregistered or deleted (or never existed in this account) since we registered them.
 */
export function revisionsToReuse(
  desired: readonly DesiredService[],
  observed: ObservedEcs,
  inventory: Inventory,
): string[] {
  return desired.flatMap((d) => {
    const remembered = latestWithFingerprint(inventory, d.name, d.fingerprint);
    const live = observed.services.get(d.name);
    const runsIt =
      live !== undefined && isSameDefinition(d, liveTaskDefinition(live) ?? "", inventory, observed);
    return remembered && !runsIt ? [remembered.arn] : [];
  });
}

/**
 * A network configuration as compared: lists sorted, and an awsvpcConfiguration without subnets
 * or security groups (which ECS may report on a bridge or host service) the same as none.
 */
function comparableNetwork(network: NetworkConfiguration | undefined): NetworkConfiguration | undefined {
  const awsvpc = network?.awsvpcConfiguration;
  const subnets = [...(awsvpc?.subnets ?? [])].sort();
  const securityGroups = [...(awsvpc?.securityGroups ?? [])].sort();
  if (subnets.length === 0 && securityGroups.length === 0) return undefined;
  return { awsvpcConfiguration: { ...awsvpc, subnets, securityGroups } };
}

function serviceView(service: {
  desiredCount?: number | undefined;
  deploymentConfiguration?: unknown;
  networkConfiguration?: NetworkConfiguration | undefined;
  placementConstraints?: unknown;
  placementStrategy?: unknown;
  serviceRegistries?: unknown;
}): Record<string, unknown> {
  return {
    desiredCount: service.desiredCount,
    deploymentConfiguration: service.deploymentConfiguration,
    networkConfiguration: comparableNetwork(service.networkConfiguration),
    placementConstraints: service.placementConstraints,
    placementStrategy: service.placementStrategy,
    serviceRegistries: service.serviceRegistries,
  };
}

/** Only the fields the manifest manages: an absent desiredCount or deployment block is left to others. */
function managedServiceChanges(desired: DesiredService, live: Service): FieldChange[] {
  const want = serviceView(desired);
  const liveDeployment = live.deploymentConfiguration ?? {};
  const have = serviceView({
    desiredCount: live.desiredCount,
    deploymentConfiguration: desired.deploymentConfiguration && {
      minimumHealthyPercent:
        desired.deploymentConfiguration.minimumHealthyPercent === undefined
          ? undefined
          : liveDeployment.minimumHealthyPercent,
      maximumPercent:
        desired.deploymentConfiguration.maximumPercent === undefined
          ? undefined
          : liveDeployment.maximumPercent,
      deploymentCircuitBreaker:
        desired.deploymentConfiguration.deploymentCircuitBreaker === undefined
          ? undefined
          : liveDeployment.deploymentCircuitBreaker,
    },
    networkConfiguration: live.networkConfiguration,
    placementConstraints: desired.placementConstraints && (live.placementConstraints ?? []),
    placementStrategy: desired.placementStrategy && (live.placementStrategy ?? []),
    serviceRegistries: desired.serviceRegistries && (live.serviceRegistries ?? []),
  });
  if (desired.desiredCount === undefined || desired.schedulingStrategy === "DAEMON") {
    delete want.desiredCount;
    delete have.desiredCount;
  }
  return diffValues(JSON.parse(JSON.stringify(have)), JSON.parse(JSON.stringify(want)));
}

/** UpdateService input carrying only the service fields that changed. */
function updateInput(
  d: DesiredService,
  changed: ReadonlySet<string | undefined>,
): Omit<UpdateServiceCommandInput, "taskDefinition"> {
  return {
    cluster: d.cluster,
    service: d.name,
    ...(changed.has("desiredCount") ? { desiredCount: d.desiredCount } : {}),
    ...(changed.has("deploymentConfiguration") ? { deploymentConfiguration: d.deploymentConfiguration } : {}),
    ...(changed.has("networkConfiguration") ? { networkConfiguration: d.networkConfiguration } : {}),
    ...(changed.has("placementConstraints") ? { placementConstraints: d.placementConstraints } : {}),
    ...(changed.has("placementStrategy") ? { placementStrategy: d.placementStrategy } : {}),
    ...(changed.has("serviceRegistries") ? { serviceRegistries: d.serviceRegistries } : {}),
  };
}

/**
 * ECS's event for a failed deployment names the deployment: if the one we started for this
 * definition failed, deploying it again would only fail again.
 */
function failedDeployment(live: Service, deployment: string | undefined): string | undefined {
  if (!deployment) return undefined;
  return live.events?.find((e) => e.message?.includes(deployment) && /failed/.test(e.message))?.message;
}

function blocked(name: string, reason: string): ResourcePlan<EcsAction> {
  return { kind: "Service", name, outcome: "blocked", reason, changes: [], actions: [] };
}

/**
 * Older managed revisions beyond the newest `keep`, never one a service runs or is about to run.
 * Forgotten ones count for nothing: they are neither kept nor deregistered.
 */
function revisionsToDeregister(
  inventory: Inventory,
  name: string,
  keep: number,
  registersNew: boolean,
  inUse: ReadonlySet<string | undefined>,
  forgotten: ReadonlySet<string>,
): string[] {
  const revisions = (inventory.services[name]?.revisions ?? []).filter((r) => !forgotten.has(r.arn));
  const keepOld = Math.max(0, keep - (registersNew ? 1 : 0));
  const old = revisions.slice(0, Math.max(0, revisions.length - keepOld));
  return old.map((r) => r.arn).filter((arn) => !inUse.has(arn));
}

function planDesired(
  d: DesiredService,
  observed: ObservedEcs,
  inventory: Inventory,
  options: EcsPlanOptions,
): ResourcePlan<EcsAction> {
  const live = observed.services.get(d.name);
  const register: EcsAction = {
    verb: "register-task-definition",
    service: d.name,
    family: d.family,
    fingerprint: d.fingerprint,
    input: d.taskDefinition,
  };
  // A revision we registered from this exact definition is reused rather than registered again,
  // unless ECS can no longer deploy it: the inventory is a record of what we did, not the truth.
  const remembered = latestWithFingerprint(inventory, d.name, d.fingerprint);
  const rememberedGone = remembered && observed.goneRevisions.get(remembered.arn);
  const registered = rememberedGone ? undefined : remembered;
  const recovery =
    remembered && rememberedGone
      ? `remembered revision ${remembered.arn} is gone (${rememberedGone}: deregistered or deleted outside ecsmesh); registering a fresh one`
      : undefined;
  const forgotten = goneRevisionsOf(inventory, d.name, observed);
  const deploy = registered ? [] : [register];
  const target = registered?.arn ?? REGISTERED;
  if (!live) {
    const input = createServiceInput(d);
    const why = inventory.services[d.name]
      ? "in the inventory but gone from ECS: recreating"
      : "new in the manifests";
    return {
      kind: "Service",
      name: d.name,
      outcome: "create",
      reason: recovery ? `${why}; ${recovery}` : why,
      changes: diffValues(
        {},
        { taskDefinition: canonicalTaskDefinition(d.taskDefinition), ...serviceView(input) },
      ),
      actions: [
        ...forgotten,
        ...deploy,
        { verb: "create-service", service: d.name, input, taskDefinition: target },
      ],
    };
  }
  if (live.status === "DRAINING")
    return blocked(d.name, "a service of this name is draining; ECS must finish deleting it first");
  if (!hasOwnerTag(live.tags, options.owner)) {
    return blocked(d.name, `exists without the ecsmesh:owner=${options.owner} tag: not ours, left alone`);
  }
  const actions: EcsAction[] = [...forgotten];
  let reason = recovery ?? "differs from the manifests";
  if (!inventory.services[d.name]) {
    if (!options.adopt) {
      return blocked(d.name, "tagged ours but missing from the inventory; run apply --adopt to take it over");
    }
    actions.push({ verb: "adopt-service", service: d.name, arn: live.serviceArn ?? "", family: d.family });
    reason = "adopted: tagged ours and named in the manifests";
  }
  if (live.launchType && live.launchType !== d.launchType) {
    return blocked(
      d.name,
      `launchType cannot change in place (${live.launchType} -> ${d.launchType}); rename or delete the service`,
    );
  }
  if (live.schedulingStrategy && live.schedulingStrategy !== d.schedulingStrategy) {
    return blocked(
      d.name,
      `scheduling cannot change in place (${live.schedulingStrategy} -> ${d.schedulingStrategy})`,
    );
  }
  const liveArn = liveTaskDefinition(live) ?? "";
  const sameDefinition = isSameDefinition(d, liveArn, inventory, observed);
  const changes: FieldChange[] = sameDefinition
    ? []
    : diffValues(
        observed.taskDefinitions.get(liveArn) ?? {},
        canonicalTaskDefinition(d.taskDefinition),
        "taskDefinition",
      );
  const serviceChanges = managedServiceChanges(d, live);
  const failure = sameDefinition ? undefined : failedDeployment(live, registered?.deployment);
  if (failure) {
    return blocked(
      d.name,
      `ECS rolled back our deployment of ${registered?.arn}: ${failure}; change the manifests to deploy again`,
    );
  }
  if (!sameDefinition) actions.push(...deploy);
  if (!sameDefinition || serviceChanges.length > 0) {
    actions.push({
      verb: "update-service",
      service: d.name,
      input: updateInput(d, new Set(serviceChanges.map((c) => c.path.split(/[.[]/)[0]))),
      taskDefinition: sameDefinition ? undefined : target,
    });
  }
  const registersNew = !sameDefinition && !registered;
  const inUse = new Set([liveArn, registered?.arn]);
  const gone = new Set(forgotten.map((f) => f.arn));
  for (const arn of revisionsToDeregister(
    inventory,
    d.name,
    options.keepRevisions,
    registersNew,
    inUse,
    gone,
  )) {
    actions.push({ verb: "deregister-task-definition", service: d.name, arn });
  }
  const allChanges = [...changes, ...serviceChanges];
  const changing =
    allChanges.length > 0 || actions.some((a) => a.verb === "adopt-service" || a.verb === "forget-revision");
  return {
    kind: "Service",
    name: d.name,
    outcome: changing ? "update" : "noop",
    reason: changing ? reason : "matches the manifests",
    changes: allChanges,
    actions,
  };
}

/** Forgets the service's remembered revisions that ECS answered for as gone. */
function goneRevisionsOf(
  inventory: Inventory,
  name: string,
  observed: ObservedEcs,
): Extract<EcsAction, { verb: "forget-revision" }>[] {
  return (inventory.services[name]?.revisions ?? []).flatMap((r) => {
    const why = observed.goneRevisions.get(r.arn);
    return why ? [{ verb: "forget-revision" as const, service: name, arn: r.arn, why }] : [];
  });
}

function planPrune(
  name: string,
  observed: ObservedEcs,
  inventory: Inventory,
  options: EcsPlanOptions,
): ResourcePlan<EcsAction> {
  const live = observed.services.get(name);
  const revisions = (inventory.services[name]?.revisions ?? []).map(
    (r): EcsAction => ({ verb: "deregister-task-definition", service: name, arn: r.arn }),
  );
  if (!live) {
    return {
      kind: "Service",
      name,
      outcome: "noop",
      reason: "no longer in the manifests and already gone from ECS: forgetting it",
      changes: [],
      actions: [...revisions, { verb: "forget-service", service: name }],
    };
  }
  if (!hasOwnerTag(live.tags, options.owner)) {
    return blocked(name, "in the inventory but no longer tagged ours: left alone");
  }
  if (!options.prune.enabled) {
    return {
      kind: "Service",
      name,
      outcome: "noop",
      reason: "no longer in the manifests; pruning is off",
      changes: [],
      actions: [],
    };
  }
  return {
    kind: "Service",
    name,
    outcome: "delete",
    reason: "created by us, still tagged ours, no longer in the manifests",
    changes: [],
    actions: [
      { verb: "delete-service", service: name, cluster: options.cluster },
      ...revisions,
      { verb: "forget-service", service: name },
    ],
  };
}

/**
 * Desired + observed + inventory -> the plan. Pure: no I/O, the same input always gives the same
 * plan, so `plan`, `apply` and tests share one path.
 */
export function planEcs(
  desired: readonly DesiredService[],
  observed: ObservedEcs,
  inventory: Inventory,
  options: EcsPlanOptions,
): EcsPlan {
  const resources = desired.map((d) => planDesired(d, observed, inventory, options));
  const prunes = pruneCandidates(inventory, new Set(desired.map((d) => d.name))).map((name) =>
    planPrune(name, observed, inventory, options),
  );
  const deletes = prunes.filter((p) => p.outcome === "delete");
  const managed = Object.keys(inventory.services).length;
  const share = managed === 0 ? 0 : (deletes.length / managed) * 100;
  let massPruneRefused: string | undefined;
  if (deletes.length > 0 && share > options.prune.maxDeletePercent && !options.allowMassPrune) {
    massPruneRefused = `would delete ${deletes.length} of ${managed} managed services (${Math.round(share)}% > ${options.prune.maxDeletePercent}%); rerun with --allow-mass-prune to confirm`;
  }
  const pruned = prunes.map((p) =>
    p.outcome === "delete" && massPruneRefused
      ? blocked(p.name, `mass prune refused: ${massPruneRefused}`)
      : p,
  );
  return { resources: [...resources, ...pruned], massPruneRefused };
}

/**
 * Holds back services whose Cloud Map registry is not known (its creation failed or is pending):
 * sending the placeholder to ECS would fail, and creating them unregistered would hide them.
 */
export function holdUnresolvedRegistries(plan: EcsPlan, reason: string): EcsPlan {
  const unresolved = (action: EcsAction) =>
    (action.verb === "create-service" || action.verb === "update-service") &&
    (action.input.serviceRegistries ?? []).some((r) => r.registryArn === KNOWN_AFTER_APPLY);
  return {
    ...plan,
    resources: plan.resources.map((r) =>
      r.actions.some(unresolved) ? blocked(r.name, `waiting for its Cloud Map service: ${reason}`) : r,
    ),
  };
}
