import {
  DtabIndex,
  delegate,
  finalDestinations,
  parseDtab,
  parsePrefix,
  printPrefix,
} from "../dtab/index.js";
import type { Dentry, Dtab, Path } from "../dtab/types.js";
import type { Diagnostic, FieldPath } from "../specs/diagnostic.js";
import type { Loaded } from "../specs/manifest-set.js";
import type { Mesh } from "../specs/mesh.js";
import { baseDtabText, consulName } from "../specs/resolve.js";
import type { Destination, Route } from "../specs/route.js";
import type { Service } from "../specs/service.js";
import { checkSafely, diagnosticAt, failedCheck, type SourceDocument } from "../specs/yaml-source.js";
import { type RouteContext, routeContext, routeDentries, routeNamespace } from "./compile.js";

/** Where dentries came from, so a problem found in the compiled dtab points at its manifest. */
interface Origin {
  readonly dentries: readonly Dentry[];
  readonly source: SourceDocument;
  readonly at: FieldPath;
}

/**
 * Checks Routes across documents (their dtab syntax is checked per document): namespaces,
 * service references, weights, one rule per prefix, and that every routed prefix resolves
 * through the whole namespace dtab without looping.
 */
export function checkRoutes(
  mesh: Loaded<Mesh> | undefined,
  services: readonly Loaded<Service>[],
  serviceNames: ReadonlySet<string | undefined>,
  routes: readonly Loaded<Route>[],
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const validServices = new Map(services.map((s) => [s.manifest.metadata.name, s.manifest]));
  const context = mesh && routeContext(mesh.manifest, [...validServices.values()]);
  const routedBy = new Map<string, string>();
  const origins: Origin[] = [];
  // The namespace dtab resolves only as a whole: one Route left out could hide or fake a loop.
  let everyRouteCompiled = true;

  for (const loaded of [...routes].sort((a, b) =>
    a.manifest.metadata.name.localeCompare(b.manifest.metadata.name),
  )) {
    const { manifest: route, source } = loaded;
    const own = checkSafely(source, [], () =>
      checkRoute(loaded, mesh?.manifest, validServices, serviceNames, routedBy),
    );
    diagnostics.push(...own);
    // A Service that failed its schema cannot be compiled into a dentry; its own errors say why.
    const waitsForInvalidService = destinationServices(route).some((name) => !validServices.has(name));
    if (!context || own.length > 0 || waitsForInvalidService) {
      everyRouteCompiled = false;
      continue;
    }
    const compiled = compileRoute(loaded, context);
    origins.push(...compiled.origins);
    diagnostics.push(...compiled.failures);
    if (compiled.failures.length > 0) everyRouteCompiled = false;
  }
  const base = mesh ? parseDtab(baseDtabText(mesh.manifest)) : undefined;
  if (base?.ok && everyRouteCompiled) diagnostics.push(...checkResolution(base.value, origins));
  return diagnostics;
}

/** The checks one Route needs besides its schema; `routedBy` collects prefixes across Routes. */
function checkRoute(
  { manifest: route, source }: Loaded<Route>,
  mesh: Mesh | undefined,
  validServices: ReadonlyMap<string, Service>,
  serviceNames: ReadonlySet<string | undefined>,
  routedBy: Map<string, string>,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  if (mesh && routeNamespace(route, mesh) !== mesh.spec.linkerd.namespace) {
    diagnostics.push(
      diagnosticAt(
        source,
        ["spec", "namespace"],
        `unknown dtab namespace "${route.spec.namespace}"; the Mesh's routers read "${mesh.spec.linkerd.namespace}"`,
      ),
    );
  }
  const prefixes: { prefix: string; at: FieldPath }[] = [];
  (route.spec.rules ?? []).forEach((rule, i) => {
    const at = ["spec", "rules", i];
    const prefix = parsePrefix(rule.match);
    if (prefix.ok) prefixes.push({ prefix: printPrefix(prefix.value), at: [...at, "match"] });
    for (const list of ["to", "fallback"] as const) {
      const destinations = rule[list];
      if (!destinations) continue;
      if (destinations.every((d) => d.weight === 0)) {
        diagnostics.push(
          diagnosticAt(source, [...at, list], `the weights in ${list} sum to 0: no traffic could flow`),
        );
      }
      for (const [j, d] of destinations.entries()) {
        diagnostics.push(...checkDestination(d, source, [...at, list, j], validServices, serviceNames));
      }
    }
  });
  const raw = route.spec.dtab === undefined ? undefined : parseDtab(route.spec.dtab);
  if (raw?.ok)
    prefixes.push(...raw.value.map((d) => ({ prefix: printPrefix(d.prefix), at: ["spec", "dtab"] })));
  for (const { prefix, at } of prefixes) {
    const first = routedBy.get(prefix);
    if (first)
      diagnostics.push(
        diagnosticAt(source, at, `${prefix} is already routed by ${first}; give each prefix one rule`),
      );
    routedBy.set(prefix, `Route ${route.metadata.name}`);
  }
  return diagnostics;
}

/** The names of the Services a Route sends traffic to. */
function destinationServices(route: Route): string[] {
  return (route.spec.rules ?? [])
    .flatMap((rule) => [...rule.to, ...(rule.fallback ?? [])])
    .flatMap((destination) => (destination.service === undefined ? [] : [destination.service]));
}

/** A Route's dentries, each with the field it came from; one that fails to compile is an error there. */
function compileRoute(
  { manifest: route, source }: Loaded<Route>,
  context: RouteContext,
): { origins: Origin[]; failures: Diagnostic[] } {
  const parts = [
    ...(route.spec.rules ?? []).map((rule, i) => ({
      at: ["spec", "rules", i, "match"],
      route: { ...route, spec: { rules: [rule] } },
    })),
    ...(route.spec.dtab === undefined ? [] : [{ at: ["spec", "dtab"], route }]),
  ];
  const origins: Origin[] = [];
  const failures: Diagnostic[] = [];
  for (const { at, route: part } of parts) {
    try {
      origins.push({ dentries: routeDentries(part, context), source, at });
    } catch (error) {
      failures.push(failedCheck(source, at, error));
    }
  }
  return { origins, failures };
}

function checkDestination(
  destination: Destination,
  source: SourceDocument,
  at: FieldPath,
  validServices: ReadonlyMap<string, Service>,
  serviceNames: ReadonlySet<string | undefined>,
): Diagnostic[] {
  if (destination.service === undefined) return [];
  if (!serviceNames.has(destination.service)) {
    const known =
      [...serviceNames]
        .filter((n) => n !== undefined)
        .sort()
        .join(", ") || "none";
    return [
      diagnosticAt(
        source,
        [...at, "service"],
        `unknown service "${destination.service}" (Services: ${known})`,
      ),
    ];
  }
  const service = validServices.get(destination.service);
  // An invalid Service has its own errors; whether it is in Consul cannot be known yet.
  if (service && !consulName(service)) {
    return [
      diagnosticAt(
        source,
        [...at, "service"],
        `service "${destination.service}" has no discovery.consul, so linkerd cannot reach it`,
      ),
    ];
  }
  return [];
}

/** Resolves every routed prefix through the whole namespace dtab: a loop is an error at the rule that made it. */
function checkResolution(base: Dtab, origins: readonly Origin[]): Diagnostic[] {
  const dtab = new DtabIndex([...base, ...origins.flatMap((o) => o.dentries)]);
  const diagnostics: Diagnostic[] = [];
  for (const { dentries, source, at } of origins) {
    for (const dentry of dentries) {
      if (dentry.prefix.some((segment) => typeof segment !== "string")) continue; // wildcards: no single path to try
      diagnostics.push(
        ...checkSafely(source, at, () => {
          const outcome = finalDestinations(delegate(dtab, dentry.prefix as Path));
          if (outcome.outcome !== "exception") return [];
          return [
            diagnosticAt(source, at, `${printPrefix(dentry.prefix)} does not resolve: ${outcome.message}`),
          ];
        }),
      );
    }
  }
  return diagnostics;
}
