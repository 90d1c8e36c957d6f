import { linkerdDaemon } from "../compile/linkerd/daemon.js";
import { monitoringServices } from "../monitoring/ecs-delivery.js";
import type { ManifestSet } from "../specs/manifest-set.js";
import type { Service } from "../specs/service.js";

/**
 * Every ECS service the mesh runs, as Service manifests: the user's, the linkerd DAEMON, and the
 * Prometheus and Grafana that Monitoring's `delivery.ecs` asks for. ECS, Consul and monitoring
 * discovery all work from this one list.
 */
export function meshServices(set: ManifestSet, controllerUrl: string): Service[] {
  const daemon = linkerdDaemon(set);
  return [
    ...set.services.map((s) => s.manifest),
    ...(daemon ? [daemon] : []),
    ...monitoringServices(set, controllerUrl),
  ];
}

/** The services whose running tasks a pass needs: those in Consul, those with metrics, the daemon. */
export function observedServices(set: ManifestSet, controllerUrl: string): Service[] {
  const daemon = linkerdDaemon(set)?.metadata.name;
  return meshServices(set, controllerUrl).filter(
    (s) =>
      s.metadata.name === daemon || s.spec.discovery.consul !== undefined || s.spec.metrics !== undefined,
  );
}
