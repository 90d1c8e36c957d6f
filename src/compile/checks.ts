import { MONITORING_SERVICES } from "../monitoring/ecs-delivery.js";
import { checkRoutes } from "../routing/check.js";
import type { CompiledChecks } from "../specs/cross-check.js";
import type { Diagnostic } from "../specs/diagnostic.js";
import type { Loaded } from "../specs/manifest-set.js";
import type { Mesh } from "../specs/mesh.js";
import type { Monitoring } from "../specs/monitoring.js";
import type { Service } from "../specs/service.js";
import { checkSafely, diagnosticAt } from "../specs/yaml-source.js";
import { LINKERD_SERVICE, linkerdLauncher } from "./linkerd/daemon.js";

/**
 * The loader's checks that need compiled facts: names the generated services take, the daemon's
 * launcher, and Routes compiled into each namespace's dtab. Positioned like every other diagnostic.
 */
export const compiledChecks: CompiledChecks = (set, mesh) => {
  const diagnostics: Diagnostic[] = [];
  if (mesh) diagnostics.push(...checkSafely(mesh.source, [], () => checkDaemon(mesh, set.services)));
  const serviceNames = new Set(
    [...set.identities, ...set.unreadable].filter((i) => i.kind === "Service").map((i) => i.name),
  );
  diagnostics.push(...checkRoutes(mesh, set.services, serviceNames, set.routes));
  for (const monitoring of set.monitorings) {
    diagnostics.push(
      ...checkSafely(monitoring.source, [], () => checkMonitoringServices(monitoring, set.services)),
    );
  }
  return diagnostics;
};

/** The linkerd DAEMON needs a versioned image to find its launcher, and its service name to itself. */
function checkDaemon(mesh: Loaded<Mesh>, services: readonly Loaded<Service>[]): Diagnostic[] {
  const linkerd = mesh.manifest.spec.linkerd;
  if (!linkerd.daemon.enabled) return [];
  const diagnostics: Diagnostic[] = [];
  if (!linkerdLauncher(linkerd.image)) {
    diagnostics.push(
      diagnosticAt(
        mesh.source,
        ["spec", "linkerd", "image"],
        "the linkerd daemon needs an image tagged with its version (e.g. buoyantio/linkerd:1.7.5) to find its launcher",
      ),
    );
  }
  for (const service of services) {
    if (service.manifest.metadata.name === LINKERD_SERVICE) {
      diagnostics.push(
        diagnosticAt(
          service.source,
          ["metadata", "name"],
          `"${LINKERD_SERVICE}" is the name of the mesh's linkerd daemon; pick another or set linkerd.daemon.enabled: false`,
        ),
      );
    }
  }
  return diagnostics;
}

/** `delivery.ecs` runs Prometheus and Grafana as services of their own names. */
function checkMonitoringServices(
  { manifest }: Loaded<Monitoring>,
  services: readonly Loaded<Service>[],
): Diagnostic[] {
  if (!manifest.spec.delivery.ecs) return [];
  return services
    .filter((service) => MONITORING_SERVICES.includes(service.manifest.metadata.name))
    .map((service) =>
      diagnosticAt(
        service.source,
        ["metadata", "name"],
        `"${service.manifest.metadata.name}" is the name of a service Monitoring's delivery.ecs runs; pick another or remove delivery.ecs`,
      ),
    );
}
