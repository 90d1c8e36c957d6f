import type { DesiredMesh } from "../../compile/mesh.js";
import { ownerId } from "../../specs/resolve.js";
import type { RunningTask } from "../ecs/tasks.js";
import type { ConsulApi } from "./consul-client.js";
import { desiredRegistrations } from "./desired.js";
import { OWNER_META, syntheticNode } from "./model.js";
import { type ConsulPlan, planRegistrations } from "./plan.js";

/** Consul 1.14 raised the limit to 128; 64 works with every version. */
export const DEFAULT_TXN_MAX_OPS = 64;

/** Reads the catalog and plans the transactions that make it match the running tasks. */
export async function planConsul(
  desired: DesiredMesh,
  consul: ConsulApi,
  tasks: readonly RunningTask[],
  maxOps = DEFAULT_TXN_MAX_OPS,
): Promise<ConsulPlan> {
  const mesh = desired.set.mesh.manifest;
  const cluster = mesh.spec.ecs.cluster;
  const owner = ownerId(mesh);
  const node = syntheticNode(cluster);
  const [catalog, checks] = await Promise.all([consul.nodeServices(node), consul.nodeChecks(node)]);
  const registrations = desiredRegistrations(desired.consulServices, tasks, {
    owner,
    mesh: mesh.metadata.name,
    cluster,
  });
  // consul-esm treats nodes marked external as ones whose checks it runs.
  const nodeMeta = { [OWNER_META]: owner, "external-node": "true", "external-probe": "false" };
  return planRegistrations(
    node,
    nodeMeta,
    owner,
    registrations,
    { nodeExists: catalog.exists, nodeMeta: catalog.meta, services: catalog.services, checks },
    maxOps,
  );
}

/** Sends the plan's transactions in order; each is all-or-nothing in Consul. */
export async function applyConsul(plan: ConsulPlan, consul: ConsulApi): Promise<number> {
  for (const ops of plan.transactions) await consul.txn(ops);
  return plan.transactions.length;
}
