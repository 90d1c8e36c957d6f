import { type DesiredService, withRegistries } from "../../compile/ecs/render.js";
import type { DesiredMesh } from "../../compile/mesh.js";
import type { Inventory } from "../../inventory/inventory.js";
import type { InventoryStore } from "../../inventory/store.js";
import { ownerId } from "../../specs/resolve.js";
import type { EcsApi } from "./ecs-client.js";
import { observeEcs, type TaskDefinitionCache } from "./observe.js";
import { type EcsPlan, type ObservedEcs, planEcs } from "./plan.js";

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

/** The compiled services (with Cloud Map's registry ARNs) -> load inventory -> observe -> plan. */
export async function planEcsForMesh(
  compiled: DesiredMesh,
  deps: EcsDeps,
  flags: EcsFlags,
  /** Cloud Map service ARNs by name, for serviceRegistries. */
  registries: ReadonlyMap<string, string> = new Map(),
): Promise<EcsPlanned> {
  const mesh = compiled.set.mesh.manifest;
  const cluster = mesh.spec.ecs.cluster;
  const owner = ownerId(mesh);
  const desired = compiled.services.map(({ manifest, ecs }) => withRegistries(ecs, manifest, registries));
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
