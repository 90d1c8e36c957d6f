import { MONITORING_SERVICES } from "../monitoring/ecs-delivery.js";
import { checkRoutes } from "../routing/check.js";
import type { CompiledChecks } from "../specs/cross-check.js";
import type { Diagnostic, FieldPath } from "../specs/diagnostic.js";
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
  diagnostics.push(
    ...namesTaken(
      services,
      [LINKERD_SERVICE],
      (name) =>
        `"${name}" is the name of the mesh's linkerd daemon; pick another or set linkerd.daemon.enabled: false`,
    ),
  );
  return diagnostics;
}

/**
 * Services whose ECS service name or Consul service name is one the mesh generates: either would
 * replace the generated service, or register beside it in Consul and take half its traffic.
 */
function namesTaken(
  services: readonly Loaded<Service>[],
  taken: readonly string[],
  message: (name: string) => string,
): Diagnostic[] {
  return services.flatMap(({ manifest, source }) => {
    const consulName = manifest.spec.discovery.consul?.name;
    const names: [FieldPath, string | undefined][] = [
      [["metadata", "name"], manifest.metadata.name],
      [["spec", "discovery", "consul", "name"], consulName],
    ];
    return names
      .filter(([, name]) => name !== undefined && taken.includes(name))
      .map(([at, name]) => diagnosticAt(source, at, message(name as string)));
  });
}

/** `delivery.ecs` runs Prometheus and Grafana as services of their own names. */
function checkMonitoringServices(
  { manifest }: Loaded<Monitoring>,
  services: readonly Loaded<Service>[],
): Diagnostic[] {
  if (!manifest.spec.delivery.ecs) return [];
  return namesTaken(
    services,
    MONITORING_SERVICES,
    (name) =>
      `"${name}" is the name of a service Monitoring's delivery.ecs runs; pick another or remove delivery.ecs`,
  );
}
