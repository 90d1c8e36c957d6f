import path from "node:path";
import type { CallPolicyOptions } from "../aws/call-policy.js";
import { type ConsulApi, HttpConsulApi } from "../controllers/consul/consul-client.js";
import type { MeshTargets } from "../controllers/mesh.js";
import { meshTargets } from "../controllers/targets.js";
import { ConsulInventoryStore } from "../inventory/consul-store.js";
import { FileWriterLock } from "../inventory/file-lock.js";
import type { WriterLock } from "../inventory/lock.js";
import { FileInventoryStore, type InventoryStore } from "../inventory/store.js";
import { LeaderElection } from "../runtime/leader.js";
import type { ManifestSet } from "../specs/manifest-set.js";
import { ownerId } from "../specs/resolve.js";
import type { ScopedToken } from "../util/endpoint-trust.js";
import type { Logger } from "../util/logger.js";

export interface MeshStoreSettings {
  /** CONSUL_HTTP_ADDR: overrides the Mesh's consul.address, and nothing else. */
  readonly consulAddress: string | undefined;
  readonly consulToken: ScopedToken | undefined;
  /** --inventory FILE: the inventory (and its lock) in a file instead of the mesh's Consul. */
  readonly inventoryFile: string | undefined;
  /** Who takes the lock, as other writers will see it. */
  readonly identity: string;
  readonly policy?: CallPolicyOptions;
  readonly log: Logger;
}

/** Where a mesh's inventory and writer lock live, and the Consul client that reaches them. */
export interface MeshStore {
  readonly consul: ConsulApi;
  readonly store: InventoryStore;
  readonly lock: WriterLock;
}

/**
 * A killed writer's session expires within twice the TTL (Consul's minimum is 10 s); the lock-delay
 * then keeps a writer that was only paused from overlapping with the next one.
 */
const LOCK_TTL_SECONDS = 10;
const LOCK_DELAY_SECONDS = 5;

/**
 * The one rule every command and the controller follow, so the same mesh always finds the same
 * inventory whatever the shell holds: the mesh's own Consul (CONSUL_HTTP_ADDR only changes the
 * address it is reached at), keys under ecsmesh/inventory/<cluster>/<owner>/ and the lock at
 * ecsmesh/locks/<cluster>/<owner>; or, when --inventory names a file, that file and FILE.lock.
 */
export function meshStore(set: ManifestSet, settings: MeshStoreSettings): MeshStore {
  const mesh = set.mesh.manifest;
  const cluster = mesh.spec.ecs.cluster;
  const owner = ownerId(mesh);
  const consul = new HttpConsulApi({
    address: settings.consulAddress ?? mesh.spec.consul.address,
    token: settings.consulToken,
    log: settings.log,
    ...(settings.policy ? { policy: settings.policy } : {}),
  });
  if (settings.inventoryFile !== undefined) {
    const file = path.resolve(settings.inventoryFile);
    return {
      consul,
      store: new FileInventoryStore(file),
      lock: new FileWriterLock(`${file}.lock`, settings.identity),
    };
  }
  return {
    consul,
    store: new ConsulInventoryStore(consul),
    lock: new LeaderElection(
      consul,
      {
        key: `ecsmesh/locks/${cluster}/${owner}`,
        identity: settings.identity,
        ttlSeconds: LOCK_TTL_SECONDS,
        lockDelaySeconds: LOCK_DELAY_SECONDS,
      },
      settings.log,
    ),
  };
}

export interface ConnectSettings extends MeshStoreSettings {
  /** AWS_REGION: must agree with the Mesh's ecs.region when set. */
  readonly awsRegion: string | undefined;
  /** ECSMESH_NAMERD_URL: overrides the Mesh's linkerd.namerd.url. */
  readonly namerdUrl: string | undefined;
  /** ECSMESH_TRUSTED_ENDPOINTS. */
  readonly trustedEndpoints: readonly string[] | undefined;
}

/**
 * Clients for every target the Mesh uses and the mesh's writer lock: the one place `plan`,
 * `apply`, `bootstrap` and the controller build them.
 */
export function connectMesh(
  set: ManifestSet,
  settings: ConnectSettings,
): { readonly targets: MeshTargets; readonly lock: WriterLock } {
  const region = set.mesh.manifest.spec.ecs.region;
  if (settings.awsRegion && settings.awsRegion !== region) {
    throw new Error(
      `AWS_REGION is ${settings.awsRegion} but the Mesh's ecs.region is ${region}; refusing to guess`,
    );
  }
  const { consul, store, lock } = meshStore(set, settings);
  const targets = meshTargets(set, {
    store,
    consul,
    consulToken: settings.consulToken,
    namerdUrl: settings.namerdUrl,
    trustedEndpoints: settings.trustedEndpoints,
    log: settings.log,
    ...(settings.policy ? { policy: settings.policy } : {}),
  });
  return { targets, lock };
}
