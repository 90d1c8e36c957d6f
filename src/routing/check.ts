import {
  DtabIndex,
  delegate,
  finalDestinations,
  firstException,
  parseDtab,
  parseLocatedDtab,
  parsePrefix,
  printNameTree,
  printPath,
  printPrefix,
} from "../dtab/index.js";
import type { Dentry, NameTree } from "../dtab/types.js";
import type { Diagnostic, FieldPath } from "../specs/diagnostic.js";
import type { Loaded } from "../specs/manifest-set.js";
import type { Mesh } from "../specs/mesh.js";
import { baseDtabText, consulName } from "../specs/resolve.js";
import type { Destination, Route } from "../specs/route.js";
import type { Service } from "../specs/service.js";
import {
  checkSafely,
  diagnosticAt,
  failedCheck,
  positionInScalar,
  type SourceDocument,
} from "../specs/yaml-source.js";
import { type RouteContext, routeContext, routeDentries, routeNamespace } from "./compile.js";

/** Where dentries came from, so a problem found in the compiled dtab points at its manifest. */
interface Origin {
  readonly dentries: readonly Dentry[];
  /** Where each dentry starts inside the dtab text at `at`; absent for dentries compiled from rules. */
  readonly positions?: readonly TextPosition[] | undefined;
  readonly source: SourceDocument;
  readonly at: FieldPath;
}

interface TextPosition {
  readonly line: number;
  readonly column: number;
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
  const base = mesh ? parseLocatedDtab(baseDtabText(mesh.manifest)) : undefined;
  if (!mesh || !base?.ok) return diagnostics;
  const baseOrigin = {
    dentries: base.value.map((located) => located.dentry),
    positions: base.value,
    source: mesh.source,
    at: BASE_DTAB,
  };
  const namespace = [baseOrigin, ...origins];
  // The default base dtab is not in any file; a Route that breaks it has the error.
  const written = mesh.manifest.spec.linkerd.baseDtab === undefined ? origins : namespace;
  diagnostics.push(...written.flatMap(checkUnionWeights));
  if (everyRouteCompiled) diagnostics.push(...checkResolution(namespace, written));
  return diagnostics;
}

const BASE_DTAB: FieldPath = ["spec", "linkerd", "baseDtab"];

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
      const total = destinations.reduce((sum, d) => sum + d.weight, 0);
      if (total === 0) {
        diagnostics.push(
          diagnosticAt(source, [...at, list], `the weights in ${list} sum to 0: no traffic could flow`),
        );
      } else if (!Number.isFinite(total)) {
        // Shares are weight / total: an infinite total would give every destination nothing.
        diagnostics.push(
          diagnosticAt(
            source,
            [...at, list],
            `the weights in ${list} add up to more than the largest number: scale them down`,
          ),
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
    ...(route.spec.dtab === undefined
      ? []
      : [{ at: ["spec", "dtab"], route, positions: dentryPositions(route.spec.dtab) }]),
  ];
  const origins: Origin[] = [];
  const failures: Diagnostic[] = [];
  for (const { at, route: part, ...positions } of parts) {
    try {
      origins.push({ dentries: routeDentries(part, context), ...positions, source, at });
    } catch (error) {
      failures.push(failedCheck(source, at, error));
    }
  }
  return { origins, failures };
}

function dentryPositions(text: string): TextPosition[] | undefined {
  const located = parseLocatedDtab(text);
  return located.ok ? located.value : undefined;
}

/** An error about the `i`th dentry of an origin: at its line inside dtab text, else at the field. */
function dentryDiagnostic(origin: Origin, i: number, message: string): Diagnostic {
  const diagnostic = diagnosticAt(origin.source, origin.at, message);
  const position = origin.positions?.[i];
  if (!position) return diagnostic;
  return { ...diagnostic, ...positionInScalar(origin.source, origin.at, position.line, position.column) };
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

/**
 * Trie steps the resolution check of one namespace may take, all prefixes together: each
 * delegation is bounded on its own (`maxLookups`), this bounds a dtab with many fanning prefixes.
 * Enough for every dentry to rewrite through a full chain of 100 (a few steps per rewrite).
 */
const resolutionBudget = (dentries: number): number => Math.max(1_000_000, 500 * dentries);

/**
 * Resolves the `checked` prefixes through the whole namespace dtab (the base's first). A loop, a
 * chain too long or a fan-out anywhere in the tree is an error at the rule that made it, even in
 * a fallback or a union branch: traffic reaches those as soon as the branches before them fail.
 */
function checkResolution(namespace: readonly Origin[], checked: readonly Origin[]): Diagnostic[] {
  const index = new DtabIndex(namespace.flatMap((o) => o.dentries));
  const budget = resolutionBudget(index.dtab.length);
  const standIn = wildcardStandIn(index.dtab);
  const diagnostics: Diagnostic[] = [];
  for (const origin of checked) {
    const reported = new ReportCap(origin);
    for (const [i, dentry] of origin.dentries.entries()) {
      const path = dentry.prefix.map((segment) => (typeof segment === "string" ? segment : standIn));
      const wildcard = dentry.prefix.some((segment) => typeof segment !== "string");
      const prefix = `${printPrefix(dentry.prefix)}${wildcard ? ` (tried as ${printPath(path)})` : ""}`;
      if (index.steps > budget) {
        diagnostics.push(
          ...reported.all(),
          dentryDiagnostic(
            origin,
            i,
            `${prefix} and the prefixes after it were not checked: the dtab fans out too much`,
          ),
        );
        return diagnostics;
      }
      const problems = checkSafely(origin.source, origin.at, () => {
        const tree = delegate(index, path);
        const problem = firstException(tree);
        if (problem === undefined) return [];
        const outcome = finalDestinations(tree).outcome;
        const reading =
          outcome === "exception" ? "does not resolve" : "resolves, but a fallback or branch of it does not";
        return [dentryDiagnostic(origin, i, `${prefix} ${reading}: ${problem}`)];
      });
      reported.add(problems);
    }
    diagnostics.push(...reported.all());
  }
  return diagnostics;
}

/**
 * The first few problems of one dtab, then a count: a broken chain of thousands of dentries
 * would otherwise print an error for every prefix that leads into it.
 */
class ReportCap {
  static readonly SHOWN = 20;
  private readonly shown: Diagnostic[] = [];
  private more = 0;

  constructor(private readonly origin: Origin) {}

  add(diagnostics: readonly Diagnostic[]): void {
    for (const diagnostic of diagnostics) {
      if (this.shown.length < ReportCap.SHOWN) this.shown.push(diagnostic);
      else this.more++;
    }
  }

  all(): Diagnostic[] {
    if (this.more === 0) return this.shown;
    const { source, at } = this.origin;
    return [
      ...this.shown,
      diagnosticAt(source, at, `and ${this.more} more prefixes of this dtab do not resolve`),
    ];
  }
}

/**
 * A segment for `*` when resolving a wildcard prefix: one no dentry names, so the path takes the
 * way any segment nobody routes would (`/svc/* => /svc/v2` then loops through itself).
 */
function wildcardStandIn(dtab: readonly Dentry[]): string {
  const named = new Set(
    dtab.flatMap((dentry) => dentry.prefix.filter((segment) => typeof segment === "string")),
  );
  let standIn = "any";
  while (named.has(standIn)) standIn += "_";
  return standIn;
}

/** Unions in dtab text whose weights sum to 0 (a Route's rules are checked as YAML, in checkRoute). */
function checkUnionWeights(origin: Origin): Diagnostic[] {
  return origin.dentries.flatMap((dentry, i) =>
    zeroWeightUnions(dentry.dst).map((union) =>
      dentryDiagnostic(
        origin,
        i,
        `${printPrefix(dentry.prefix)} => ${printNameTree(union)}: the weights sum to 0, so no traffic could flow`,
      ),
    ),
  );
}

function zeroWeightUnions(tree: NameTree): NameTree[] {
  switch (tree.kind) {
    case "alt":
      return tree.trees.flatMap(zeroWeightUnions);
    case "union": {
      const inner = tree.branches.flatMap((branch) => zeroWeightUnions(branch.tree));
      return tree.branches.every((branch) => branch.weight === 0) ? [tree, ...inner] : inner;
    }
    default:
      return [];
  }
}
