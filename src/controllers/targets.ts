import type { CallPolicyOptions } from "../aws/call-policy.js";
import type { InventoryStore } from "../inventory/store.js";
import type { ManifestSet } from "../specs/manifest-set.js";
import { manifestEndpointRefusal, type ScopedToken, UntrustedEndpointError } from "../util/endpoint-trust.js";
import type { Logger } from "../util/logger.js";
import { SdkCloudMapApi } from "./cloudmap/cloudmap-client.js";
import { type ConsulApi, HttpConsulApi } from "./consul/consul-client.js";
import { SdkEc2Addresses } from "./ec2/ec2-client.js";
import { SdkEcsApi } from "./ecs/ecs-client.js";
import { newTaskObservationCache } from "./ecs/tasks.js";
import type { MeshTargets } from "./mesh.js";
import { HttpNamerdApi, type NamerdApi } from "./namerd/namerd-client.js";

export interface TargetSettings {
  readonly store: InventoryStore;
  /** A Consul client to use (e.g. CONSUL_HTTP_ADDR's); otherwise one for the Mesh's consul.address. */
  readonly consul: ConsulApi | undefined;
  readonly consulToken: ScopedToken | undefined;
  /** ECSMESH_NAMERD_URL: overrides the Mesh's linkerd.namerd.url, as CONSUL_HTTP_ADDR does consul.address. */
  readonly namerdUrl?: string | undefined;
  /** ECSMESH_TRUSTED_ENDPOINTS, as origins; none when absent. */
  readonly trustedEndpoints?: readonly string[] | undefined;
  readonly policy?: CallPolicyOptions;
  /** Where clients report retried failures. */
  readonly log?: Logger;
}

/**
 * Real clients for every target a Mesh uses, configured from the Mesh and the standard AWS
 * environment (credentials chain, AWS_ENDPOINT_URL_<SERVICE>): the one place the CLI and the
 * controller build them.
 */
export function meshTargets(set: ManifestSet, settings: TargetSettings): MeshTargets {
  const mesh = set.mesh.manifest;
  const region = mesh.spec.ecs.region;
  const policy = settings.policy ? { policy: settings.policy } : {};
  const ecs = new SdkEcsApi({ region, ...policy });
  const namerd = mesh.spec.linkerd.namerd;
  return {
    ecs: { api: ecs, store: settings.store, cache: new Map() },
    tasks: ecs,
    addresses: new SdkEc2Addresses({ region, ...policy }),
    taskCache: newTaskObservationCache(),
    consul:
      settings.consul ??
      new HttpConsulApi({
        address: mesh.spec.consul.address,
        token: settings.consulToken,
        ...policy,
        ...(settings.log ? { log: settings.log } : {}),
      }),
    namerd: namerd && namerdApi(namerd.url, settings),
    cloudMap: mesh.spec.cloudMap ? new SdkCloudMapApi({ region, ...policy }) : undefined,
  };
}

/**
 * namerd gets no token, but a manifest names it, so it is a request target a committer chooses:
 * ECSMESH_NAMERD_URL is always called; the Mesh's URL only if it passes manifestEndpointRefusal.
 * A refused one fails the namerd target (every call) and nothing else.
 */
function namerdApi(meshUrl: string, settings: TargetSettings): NamerdApi {
  if (settings.namerdUrl !== undefined) return new HttpNamerdApi(settings.namerdUrl, settings.policy);
  const refusal = manifestEndpointRefusal(
    meshUrl,
    "the Mesh's linkerd.namerd.url",
    settings.trustedEndpoints ?? [],
  );
  if (refusal === undefined) return new HttpNamerdApi(meshUrl, settings.policy);
  const refuse = () => Promise.reject(new UntrustedEndpointError(refusal));
  return { get: refuse, create: refuse, update: refuse };
}
