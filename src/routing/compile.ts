import { parseDtab, parsePath, parsePrefix, printDtab } from "../dtab/index.js";
import type { Dentry, Dtab, NameTree } from "../dtab/types.js";
import type { ManifestSet } from "../specs/manifest-set.js";
import type { Mesh } from "../specs/mesh.js";
import { baseDtabText, consulName } from "../specs/resolve.js";
import type { Destination, Route, RouteRule } from "../specs/route.js";
import type { Service } from "../specs/service.js";

/** The linkerd Consul namer's bound path for a Consul service: `/#/io.l5d.consul/<dc>/<name>`. */
export function consulPath(datacenter: string, name: string): string[] {
  return ["#", "io.l5d.consul", datacenter, name];
}

/** Reads a Consul leaf back: the datacenter and service it names, if it is one. */
export function consulLeaf(path: readonly string[]): { datacenter: string; name: string } | undefined {
  const [hash, namer, datacenter, name] = path;
  if (hash !== "#" || namer !== "io.l5d.consul" || datacenter === undefined || name === undefined)
    return undefined;
  return { datacenter, name };
}

export interface RouteContext {
  readonly datacenter: string;
  readonly servicesByName: ReadonlyMap<string, Service>;
}

/**
 * A service destination binds straight to the service's Consul name rather than to /svc/<name>:
 * `/svc/world => 9 * /svc/world & ...` would resolve /svc/world through itself forever.
 */
function destinationTree(destination: Destination, context: RouteContext): NameTree {
  if (destination.path !== undefined) return { kind: "leaf", path: unwrap(parsePath(destination.path)) };
  const service = context.servicesByName.get(destination.service ?? "");
  const name = service ? consulName(service) : undefined;
  if (!name) throw new Error(`route destination ${destination.service} is not a Consul-discovered service`);
  return { kind: "leaf", path: consulPath(context.datacenter, name) };
}

function weightedTree(destinations: readonly Destination[], context: RouteContext): NameTree {
  const [only] = destinations;
  if (destinations.length === 1 && only) return destinationTree(only, context);
  return {
    kind: "union",
    branches: destinations.map((d) => ({ weight: d.weight, tree: destinationTree(d, context) })),
  };
}

export function ruleDentry(rule: RouteRule, context: RouteContext): Dentry {
  const primary = weightedTree(rule.to, context);
  const dst: NameTree = rule.fallback
    ? { kind: "alt", trees: [primary, weightedTree(rule.fallback, context)] }
    : primary;
  return { prefix: unwrap(parsePrefix(rule.match)), dst };
}

/** The dentries one Route contributes, in its own order. */
export function routeDentries(route: Route, context: RouteContext): Dentry[] {
  if (route.spec.dtab !== undefined) return [...unwrap(parseDtab(route.spec.dtab))];
  return (route.spec.rules ?? []).map((rule) => ruleDentry(rule, context));
}

export function routeContext(mesh: Mesh, services: readonly Service[]): RouteContext {
  return {
    datacenter: mesh.spec.consul.datacenter,
    servicesByName: new Map(services.map((s) => [s.metadata.name, s])),
  };
}

export function routeNamespace(route: Route, mesh: Mesh): string {
  return route.spec.namespace ?? mesh.spec.linkerd.namespace;
}

/** A dentry and where it came from ("Mesh base dtab" or "Route <name>"), for explanations. */
export interface LabelledDentry {
  readonly dentry: Dentry;
  readonly origin: string;
}

/**
 * The dtab linkerd reads for a namespace: the Mesh's base dtab, then each Route in name order.
 * Later dentries win in Finagle, so a Route overrides the base rule for its prefix.
 */
export function namespaceEntries(set: ManifestSet, namespace: string): LabelledDentry[] {
  const mesh = set.mesh.manifest;
  const context = routeContext(
    mesh,
    set.services.map((s) => s.manifest),
  );
  const routes = set.routes
    .map((r) => r.manifest)
    .filter((route) => routeNamespace(route, mesh) === namespace)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return [
    ...unwrap(parseDtab(baseDtabText(mesh))).map((dentry) => ({ dentry, origin: "Mesh base dtab" })),
    ...routes.flatMap((route) =>
      routeDentries(route, context).map((dentry) => ({ dentry, origin: `Route ${route.metadata.name}` })),
    ),
  ];
}

export function namespaceDtab(set: ManifestSet, namespace: string): Dtab {
  return namespaceEntries(set, namespace).map((entry) => entry.dentry);
}

/** For input the loader has already validated; a failure here is a bug, not a user error. */
function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(`validated dtab text failed to parse: ${result.error.message}`);
  return result.value;
}

/** The namespace dtab as text, one dentry per line: what linkerd's routers or namerd are given. */
export function namespaceDtabText(
  set: ManifestSet,
  namespace = set.mesh.manifest.spec.linkerd.namespace,
): string {
  return `${printDtab(namespaceDtab(set, namespace), { multiline: true })}\n`;
}

/** The dtab of every namespace the Mesh and its Routes name, by namespace, the Mesh's first. */
export function namespaceDtabs(set: ManifestSet): Map<string, string> {
  const mesh = set.mesh.manifest;
  const namespaces = new Set([
    mesh.spec.linkerd.namespace,
    ...set.routes.map((route) => routeNamespace(route.manifest, mesh)),
  ]);
  return new Map([...namespaces].map((namespace) => [namespace, namespaceDtabText(set, namespace)]));
}
