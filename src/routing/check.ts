import { delegate, finalDestinations, parseDtab, parsePrefix, printPrefix } from "../dtab/index.js";
import type { Dentry, Dtab, Path } from "../dtab/types.js";
import type { Diagnostic, FieldPath } from "../specs/diagnostic.js";
import type { Loaded } from "../specs/loader.js";
import type { Mesh } from "../specs/mesh.js";
import { baseDtabText, consulName } from "../specs/resolve.js";
import type { Destination, Route } from "../specs/route.js";
import type { Service } from "../specs/service.js";
import { diagnosticAt, type SourceDocument } from "../specs/yaml-source.js";
import { routeContext, routeDentries, routeNamespace } from "./compile.js";

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
  const namespace = mesh?.manifest.spec.linkerd.namespace;
  const routedBy = new Map<string, string>();
  const origins: Origin[] = [];

  for (const { manifest: route, source } of [...routes].sort((a, b) =>
    a.manifest.metadata.name.localeCompare(b.manifest.metadata.name),
  )) {
    const before = diagnostics.length;
    if (mesh && routeNamespace(route, mesh.manifest) !== namespace) {
      diagnostics.push(
        diagnosticAt(
          source,
          ["spec", "namespace"],
          `unknown dtab namespace "${route.spec.namespace}"; the Mesh's routers read "${namespace}"`,
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
    if (!mesh || diagnostics.length > before) continue;
    const context = routeContext(mesh.manifest, [...validServices.values()]);
    for (const [i, rule] of (route.spec.rules ?? []).entries()) {
      origins.push({
        dentries: routeDentries({ ...route, spec: { rules: [rule] } }, context),
        source,
        at: ["spec", "rules", i, "match"],
      });
    }
    if (route.spec.dtab !== undefined)
      origins.push({ dentries: routeDentries(route, context), source, at: ["spec", "dtab"] });
  }
  const base = mesh ? parseDtab(baseDtabText(mesh.manifest)) : undefined;
  if (base?.ok && diagnostics.length === 0) diagnostics.push(...checkResolution(base.value, origins));
  return diagnostics;
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
    const known = [...serviceNames].filter((n) => n !== undefined).join(", ") || "none";
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
  const dtab: Dtab = [...base, ...origins.flatMap((o) => o.dentries)];
  const diagnostics: Diagnostic[] = [];
  for (const { dentries, source, at } of origins) {
    for (const dentry of dentries) {
      if (dentry.prefix.some((segment) => typeof segment !== "string")) continue; // wildcards: no single path to try
      const outcome = finalDestinations(delegate(dtab, dentry.prefix as Path));
      if (outcome.outcome === "exception") {
        diagnostics.push(
          diagnosticAt(source, at, `${printPrefix(dentry.prefix)} does not resolve: ${outcome.message}`),
        );
      }
    }
  }
  return diagnostics;
}
