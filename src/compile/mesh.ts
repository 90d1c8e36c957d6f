import type { Dashboard } from "../monitoring/dashboards/model.js";
import { renderDashboards } from "../monitoring/dashboards/render.js";
import { DEFAULT_CONTROLLER_URL, monitoringServices } from "../monitoring/ecs-delivery.js";
import { grafanaProvisioningFiles } from "../monitoring/grafana-provisioning.js";
import { prometheusFiles } from "../monitoring/prometheus-config.js";
import { namespaceDtabs } from "../routing/compile.js";
import type { ManifestSet } from "../specs/manifest-set.js";
import type { Service } from "../specs/service.js";
import { type DesiredService, renderService } from "./ecs/render.js";
import { linkerdDaemon } from "./linkerd/daemon.js";

export interface CompileOptions {
  /** Where this controller is reached (Prometheus run by Monitoring's delivery.ecs scrapes it). */
  readonly controllerUrl: string;
}

/** One ECS service the mesh runs: its Service manifest and what ECS is asked for. */
export interface CompiledService {
  readonly manifest: Service;
  /** Cloud Map registry ARNs are KNOWN_AFTER_APPLY here: the ECS step fills them in (`withRegistries`). */
  readonly ecs: DesiredService;
}

/** What Monitoring delivers without ECS: files for its delivery directory, dashboards for Grafana's API. */
export interface DesiredMonitoring {
  /** prometheus.yml, rule files and Grafana provisioning, by path relative to the delivery directory. */
  readonly files: ReadonlyMap<string, string>;
  readonly dashboards: readonly Dashboard[];
}

/** The whole desired state of one pass, compiled once from the manifests; every target works from it. */
export interface DesiredMesh {
  readonly set: ManifestSet;
  readonly controllerUrl: string;
  /** Every ECS service the mesh runs: the user's, the linkerd DAEMON, delivery.ecs' Prometheus and Grafana. */
  readonly services: readonly CompiledService[];
  readonly daemon: Service | undefined;
  /** The linkerd config the DAEMON runs with (its node IP filled in at start); undefined without a daemon. */
  readonly linkerdConfig: string | undefined;
  /** The dtab of every namespace, as text, by namespace: the Mesh's own first. */
  readonly dtabs: ReadonlyMap<string, string>;
  /** The services registered in Consul (their running tasks are). */
  readonly consulServices: readonly Service[];
  /** The services whose running tasks a pass observes: those in Consul, those with metrics, the daemon. */
  readonly observedServices: readonly Service[];
  /** Undefined without a Monitoring manifest. */
  readonly monitoring: DesiredMonitoring | undefined;
}

export const DEFAULT_COMPILE_OPTIONS: CompileOptions = { controllerUrl: DEFAULT_CONTROLLER_URL };

/** Manifests -> desired state: pure, and run once per pass. */
export function compileMesh(
  set: ManifestSet,
  options: CompileOptions = DEFAULT_COMPILE_OPTIONS,
): DesiredMesh {
  const mesh = set.mesh.manifest;
  const daemon = linkerdDaemon(set);
  const manifests = meshServices(set, daemon, options.controllerUrl);
  const monitoring = set.monitoring?.manifest;
  return {
    set,
    controllerUrl: options.controllerUrl,
    services: manifests.map((manifest) => ({ manifest, ecs: renderService(mesh, manifest) })),
    daemon,
    linkerdConfig: daemon?.spec.env.LINKERD_CONFIG,
    dtabs: namespaceDtabs(set),
    consulServices: manifests.filter((s) => s.spec.discovery.consul !== undefined),
    observedServices: manifests.filter(
      (s) => s === daemon || s.spec.discovery.consul !== undefined || s.spec.metrics !== undefined,
    ),
    monitoring: monitoring && {
      files: new Map([
        ...prometheusFiles(monitoring, options.controllerUrl),
        ...grafanaProvisioningFiles(set),
      ]),
      dashboards: renderDashboards(set),
    },
  };
}

/**
 * Every ECS service the mesh runs, as Service manifests: the user's, the linkerd DAEMON, and the
 * Prometheus and Grafana that Monitoring's `delivery.ecs` asks for. ECS, Consul and monitoring
 * discovery all work from this one list.
 */
function meshServices(set: ManifestSet, daemon: Service | undefined, controllerUrl: string): Service[] {
  return [
    ...set.services.map((s) => s.manifest),
    ...(daemon ? [daemon] : []),
    ...monitoringServices(set, controllerUrl),
  ];
}
