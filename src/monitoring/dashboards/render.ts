import type { ManifestSet } from "../../specs/manifest-set.js";
import type { Monitoring } from "../../specs/monitoring.js";
import { controllerDashboard } from "./controller.js";
import { linkerdHealthDashboard } from "./linkerd-health.js";
import { linkerdVizDashboard } from "./linkerd-viz.js";
import type { Dashboard } from "./model.js";
import { serviceDashboard } from "./service.js";

type DashboardKind = Monitoring["spec"]["grafana"]["dashboards"][number];

/**
 * The dashboards the Monitoring manifest asks for, in the order it lists them (`services` giving
 * one per Service, by name); none without a Monitoring manifest.
 */
export function renderDashboards(set: ManifestSet): Dashboard[] {
  const monitoring = set.monitoring?.manifest;
  if (!monitoring) return [];
  const mesh = set.mesh.manifest;
  const services = set.services
    .map(({ manifest }) => manifest)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const byKind: Record<DashboardKind, () => Dashboard[]> = {
    "linkerd-viz": () => [linkerdVizDashboard()],
    "linkerd-health": () => [linkerdHealthDashboard()],
    services: () => services.map((service) => serviceDashboard(service, mesh)),
    controller: () => [controllerDashboard()],
  };
  // A kind listed twice still gives its dashboards once: two dashboards with one uid cannot coexist.
  return [...new Set(monitoring.spec.grafana.dashboards)].flatMap((kind) => byKind[kind]());
}
