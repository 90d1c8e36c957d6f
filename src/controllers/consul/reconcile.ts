import type { ManifestSet } from "../../specs/manifest-set.js";
import { ownerId } from "../../specs/resolve.js";
import type { Service } from "../../specs/service.js";
import type { RunningTask } from "../ecs/tasks.js";
import { meshServices } from "../mesh-services.js";
import type { ConsulApi } from "./consul-client.js";
import { desiredRegistrations } from "./desired.js";
import { OWNER_META, syntheticNode } from "./model.js";
import { type ConsulPlan, planRegistrations } from "./plan.js";

/** Consul 1.14 raised the limit to 128; 64 works with every version. */
export const DEFAULT_TXN_MAX_OPS = 64;

/** The Services (and the linkerd daemon) that register in Consul. */
export function consulServices(set: ManifestSet, controllerUrl: string): Service[] {
  return meshServices(set, controllerUrl).filter((s) => s.spec.discovery.consul !== undefined);
}

/** Reads the catalog and plans the transactions that make it match the running tasks. */
export async function planConsul(
  set: ManifestSet,
  consul: ConsulApi,
  tasks: readonly RunningTask[],
  controllerUrl: string,
  maxOps = DEFAULT_TXN_MAX_OPS,
): Promise<ConsulPlan> {
  const mesh = set.mesh.manifest;
  const cluster = mesh.spec.ecs.cluster;
  const owner = ownerId(mesh);
  const services = consulServices(set, controllerUrl);
  const node = syntheticNode(cluster);
  const [catalog, checks] = await Promise.all([consul.nodeServices(node), consul.nodeChecks(node)]);
  const desired = desiredRegistrations(services, tasks, { owner, mesh: mesh.metadata.name, cluster });
  // consul-esm treats nodes marked external as ones whose checks it runs.
  const nodeMeta = { [OWNER_META]: owner, "external-node": "true", "external-probe": "false" };
  return planRegistrations(
    node,
    nodeMeta,
    owner,
    desired,
    { nodeExists: catalog.exists, nodeMeta: catalog.meta, services: catalog.services, checks },
    maxOps,
  );
}

/** Sends the plan's transactions in order; each is all-or-nothing in Consul. */
export async function applyConsul(plan: ConsulPlan, consul: ConsulApi): Promise<number> {
  for (const ops of plan.transactions) await consul.txn(ops);
  return plan.transactions.length;
}
