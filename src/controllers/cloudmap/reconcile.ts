import { ownerTags } from "../../compile/ecs/names.js";
import type { DesiredMesh } from "../../compile/mesh.js";
import type { CloudMapApi } from "./cloudmap-client.js";

export interface CloudMapChange {
  readonly kind: "CloudMapNamespace" | "CloudMapService";
  readonly name: string;
  readonly verb: "create";
  readonly reason: string;
}

export interface CloudMapResult {
  readonly changes: readonly CloudMapChange[];
  /** Service name -> Cloud Map service ARN, for ECS serviceRegistries; absent until it exists. */
  readonly registries: ReadonlyMap<string, string>;
}

export interface OperationWait {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export const DEFAULT_OPERATION_WAIT: OperationWait = { intervalMs: 1_000, timeoutMs: 120_000 };

/** Polls an asynchronous Cloud Map operation (GetOperation) until it succeeds, fails or times out. */
export async function waitForOperation(api: CloudMapApi, id: string, wait: OperationWait): Promise<void> {
  const deadline = performance.now() + wait.timeoutMs;
  for (;;) {
    const { status, error } = await api.getOperation(id);
    if (status === "SUCCESS") return;
    if (status === "FAIL") throw new Error(`Cloud Map operation ${id} failed: ${error ?? "no reason given"}`);
    if (performance.now() >= deadline)
      throw new Error(`Cloud Map operation ${id} still ${status} after ${wait.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, wait.intervalMs));
  }
}

/**
 * The Mesh's namespace and a Cloud Map service per Service with cloudMap discovery. ECS registers
 * the tasks itself once the ECS service's serviceRegistries name the Cloud Map service; the
 * controller creates what is missing and never deletes Cloud Map resources.
 */
export async function reconcileCloudMap(
  desired: DesiredMesh,
  api: CloudMapApi,
  dryRun: boolean,
  wait: OperationWait = DEFAULT_OPERATION_WAIT,
): Promise<CloudMapResult> {
  const mesh = desired.set.mesh.manifest;
  const settings = mesh.spec.cloudMap;
  const wanted = desired.set.services
    .map((s) => s.manifest)
    .filter((s) => s.spec.discovery.cloudMap !== undefined)
    .map((s) => ({
      name: s.spec.discovery.cloudMap?.name ?? s.metadata.name,
      ttl: s.spec.discovery.cloudMap?.dnsTtl,
    }));
  if (!settings || wanted.length === 0) return { changes: [], registries: new Map() };
  const tags = ownerTags(mesh).map((t) => ({ Key: t.key, Value: t.value }));
  const changes: CloudMapChange[] = [];
  let namespace = await api.findNamespace(settings.namespace);
  if (!namespace) {
    changes.push({
      kind: "CloudMapNamespace",
      name: settings.namespace,
      verb: "create",
      reason: "missing in Cloud Map",
    });
    if (dryRun) {
      for (const w of wanted)
        changes.push({
          kind: "CloudMapService",
          name: w.name,
          verb: "create",
          reason: "missing in Cloud Map",
        });
      return { changes, registries: new Map() };
    }
    const operation = await api.createNamespace({
      name: settings.namespace,
      type: settings.type,
      vpc: settings.vpc,
      tags,
    });
    await waitForOperation(api, operation, wait);
    namespace = await api.findNamespace(settings.namespace);
    if (!namespace)
      throw new Error(`Cloud Map namespace ${settings.namespace} was created but cannot be found`);
  }
  const existing = new Map((await api.listServices(namespace.id)).map((s) => [s.name, s.arn]));
  const registries = new Map<string, string>();
  for (const w of wanted) {
    const arn = existing.get(w.name);
    if (arn) {
      registries.set(w.name, arn);
      continue;
    }
    changes.push({ kind: "CloudMapService", name: w.name, verb: "create", reason: "missing in Cloud Map" });
    if (dryRun) continue;
    const created = await api.createService({
      name: w.name,
      namespaceId: namespace.id,
      dnsTtlSeconds:
        settings.type === "DNS_PRIVATE" && w.ttl !== undefined ? Math.round(w.ttl / 1000) : undefined,
      tags,
    });
    registries.set(w.name, created.arn);
  }
  return { changes, registries };
}
