import type { Inventory } from "../../inventory/inventory.js";
import type { InventoryStore } from "../../inventory/store.js";
import { DEFAULT_CONTROLLER_URL } from "../../monitoring/ecs-delivery.js";
import type { ManifestSet } from "../../specs/manifest-set.js";
import { ownerId } from "../../specs/resolve.js";
import { meshServices } from "../mesh-services.js";
import type { EcsApi } from "./ecs-client.js";
import { observeEcs, type TaskDefinitionCache } from "./observe.js";
import { type EcsPlan, type ObservedEcs, planEcs } from "./plan.js";
import { type DesiredService, renderService } from "./render.js";

export interface EcsDeps {
  readonly api: EcsApi;
  readonly store: InventoryStore;
  readonly cache: TaskDefinitionCache;
}

export interface EcsFlags {
  readonly allowMassPrune: boolean;
  readonly adopt: boolean;
}

export interface EcsPlanned {
  readonly desired: readonly DesiredService[];
  readonly observed: ObservedEcs;
  readonly inventory: Inventory;
  readonly plan: EcsPlan;
}

/** Render (the Services, the linkerd daemon, monitoring's) -> load inventory -> observe -> plan. */
export async function planEcsForSet(
  set: ManifestSet,
  deps: EcsDeps,
  flags: EcsFlags,
  /** Cloud Map service ARNs by name, for serviceRegistries. */
  registries: ReadonlyMap<string, string> = new Map(),
  /** Where the Prometheus that Monitoring's `delivery.ecs` runs reaches this controller. */
  controllerUrl: string = DEFAULT_CONTROLLER_URL,
): Promise<EcsPlanned> {
  const mesh = set.mesh.manifest;
  const cluster = mesh.spec.ecs.cluster;
  const owner = ownerId(mesh);
  const services = meshServices(set, controllerUrl);
  const desired = services.map((service) => renderService(mesh, service, registries));
  const inventory = await deps.store.load(owner, cluster);
  const observed = await observeEcs(deps.api, cluster, desired, inventory, deps.cache);
  const plan = planEcs(desired, observed, inventory, {
    cluster,
    owner,
    keepRevisions: mesh.spec.ecs.keepRevisions,
    prune: mesh.spec.prune,
    allowMassPrune: flags.allowMassPrune,
    adopt: flags.adopt,
  });
  return { desired, observed, inventory, plan };
}
