import { loadManifestDir } from "../compile/load.js";
import { type ConsulApi, HttpConsulApi } from "../controllers/consul/consul-client.js";
import { OWNER_META } from "../controllers/consul/model.js";
import {
  delegate,
  finalDestinations,
  parseDtab,
  parsePath,
  printDtab,
  printNameTree,
  printPath,
} from "../dtab/index.js";
import type { DelegateTree, Dentry, Destinations } from "../dtab/types.js";
import { consulLeaf, namespaceEntries } from "../routing/compile.js";
import { formatDiagnostic } from "../specs/diagnostic.js";
import type { ManifestSet } from "../specs/manifest-set.js";
import { consulName } from "../specs/resolve.js";
import type { ScopedToken } from "../util/endpoint-trust.js";
import { type CliIO, EXIT, UsageError } from "./io.js";

export interface ExplainOptions {
  readonly dir: string;
  readonly path: string;
  /** An `l5d-dtab` header value: appended after the namespace dtab, so it wins. */
  readonly dtab: string | undefined;
  readonly namespace: string | undefined;
  readonly output: "text" | "json";
  /**
   * Also list the Consul registrations behind each Consul destination (reads the catalog at
   * `address`, or the Mesh's consul.address).
   */
  readonly consul:
    | { readonly address: string | undefined; readonly token: ScopedToken | undefined }
    | undefined;
}

export interface Explanation {
  readonly path: string;
  readonly namespace: string;
  readonly dtab: string;
  readonly tree: DelegateTree;
  readonly outcome: Destinations["outcome"];
  readonly destinations: readonly { path: string; share: number; service: string | undefined }[];
  readonly warnings: readonly string[];
  /** Where each dentry of the dtab came from: the base dtab, a Route, or the header. */
  readonly origins: ReadonlyMap<Dentry, string>;
}

export async function explainCommand(options: ExplainOptions, io: CliIO): Promise<number> {
  const loaded = await loadManifestDir(options.dir);
  if (!loaded.ok) {
    for (const d of loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    io.err(`${options.dir}: invalid manifests; fix them before explaining routes\n`);
    return EXIT.invalid;
  }
  const explanation = explain(loaded.set, options);
  const consul =
    options.consul &&
    new HttpConsulApi({
      address: options.consul.address ?? loaded.set.mesh.manifest.spec.consul.address,
      token: options.consul.token,
    });
  const registrations = consul ? await consulRegistrations(explanation, consul) : undefined;
  if (options.output === "json") {
    io.out(
      `${JSON.stringify({ ...(toJson(explanation) as object), registrations: registrations ?? null }, null, 2)}\n`,
    );
  } else {
    io.out(renderExplanation(explanation));
    if (registrations) io.out(renderRegistrations(registrations));
  }
  return EXIT.ok;
}

/** Resolves a path the way the mesh's linkerd routers would, and names the Service behind each destination. */
export function explain(
  set: ManifestSet,
  options: Pick<ExplainOptions, "path" | "dtab" | "namespace">,
): Explanation {
  const mesh = set.mesh.manifest;
  const namespace = options.namespace ?? mesh.spec.linkerd.namespace;
  if (namespace !== mesh.spec.linkerd.namespace) {
    throw new UsageError(
      `unknown namespace ${namespace}; the Mesh's routers read ${mesh.spec.linkerd.namespace}`,
    );
  }
  const path = parsePath(options.path);
  if (!path.ok)
    throw new UsageError(`PATH ${options.path}: ${path.error.message} (column ${path.error.column})`);
  const header = options.dtab === undefined ? undefined : parseDtab(options.dtab);
  if (header && !header.ok) {
    throw new UsageError(`--dtab: ${header.error.message} (column ${header.error.column})`);
  }

  const entries = [
    ...namespaceEntries(set, namespace),
    ...(header?.ok ? header.value : []).map((dentry) => ({ dentry, origin: "l5d-dtab header" })),
  ];
  const dtab = entries.map((entry) => entry.dentry);
  const origins = new Map(entries.map((entry) => [entry.dentry, entry.origin]));

  const tree = delegate(dtab, path.value);
  const result = finalDestinations(tree);
  const servicesByConsul = new Map(
    set.services.flatMap((s) => {
      const name = consulName(s.manifest);
      return name ? [[name, s.manifest.metadata.name] as const] : [];
    }),
  );
  const warnings: string[] = [];
  const destinations = result.destinations.map((d) => {
    const leaf = consulLeaf(d.path);
    let service: string | undefined;
    if (leaf) {
      service = leaf.datacenter === mesh.spec.consul.datacenter ? servicesByConsul.get(leaf.name) : undefined;
      if (!service) {
        warnings.push(
          `${printPath(d.path)}: no managed Service registers "${leaf.name}" in Consul datacenter ${leaf.datacenter}`,
        );
      }
    }
    return { path: printPath(d.path), share: d.weight, service };
  });
  if (result.outcome === "exception") warnings.push(result.message);
  return {
    path: printPath(path.value),
    namespace,
    dtab: printDtab(dtab),
    tree,
    outcome: result.outcome,
    destinations,
    warnings,
    origins,
  };
}

type Registrations = Record<string, { id: string; address: string; port: number; owned: boolean }[]>;

/** The catalog entries behind each Consul destination, as linkerd's namer would see them. */
async function consulRegistrations(e: Explanation, consul: ConsulApi): Promise<Registrations> {
  const result: Registrations = {};
  for (const d of e.destinations) {
    const leaf = consulLeaf(d.path.split("/").filter(Boolean));
    if (!leaf) continue;
    result[d.path] = (await consul.serviceInstances(leaf.name)).map((s) => ({
      id: s.id,
      address: s.address,
      port: s.port,
      owned: s.meta[OWNER_META] !== undefined,
    }));
  }
  return result;
}

function renderRegistrations(registrations: Registrations): string {
  const lines = ["", "Consul registrations:"];
  for (const [path, entries] of Object.entries(registrations)) {
    lines.push(
      `  ${path}: ${entries.length === 0 ? "none (linkerd has nowhere to send it)" : `${entries.length}`}`,
    );
    for (const r of entries)
      lines.push(`    ${r.address}:${r.port}  ${r.id}${r.owned ? "" : "  (not registered by ecsmesh)"}`);
  }
  return `${lines.join("\n")}\n`;
}

function dentryText(dentry: Dentry): string {
  return printDtab([dentry]).replace(/;$/, "");
}

export function renderExplanation(e: Explanation): string {
  const lines: string[] = [`${e.path}  (namespace ${e.namespace})`];
  const walk = (node: DelegateTree, indent: string, label: string, parent?: Dentry | null) => {
    const at = `${indent}${label}${printPath(node.path)}`;
    // Name the dentry only where it changes: branches of one destination share their parent's.
    const via =
      node.dentry && node.dentry !== parent
        ? `  [${dentryText(node.dentry)}] (${e.origins.get(node.dentry) ?? "dtab"})`
        : "";
    switch (node.type) {
      case "delegate":
        lines.push(`${at}${via}`);
        walk(node.delegate, `${indent}  `, "-> ", node.dentry);
        return;
      case "alt":
        lines.push(`${at}${via}  first that resolves of:`);
        for (const child of node.alt) walk(child, `${indent}  `, "| ", node.dentry);
        return;
      case "union":
        lines.push(`${at}${via}  split by weight:`);
        for (const branch of node.union) walk(branch.tree, `${indent}  `, `${branch.weight} * `, node.dentry);
        return;
      case "leaf":
        lines.push(`${at}${via}  (bound)`);
        return;
      case "exception":
        lines.push(`${at}${via}  error: ${node.message}`);
        return;
      default:
        lines.push(
          `${at}${via}  ${{ neg: "~ no route", fail: "! fails the request", empty: "$ no endpoints" }[node.type]}`,
        );
    }
  };
  walk(e.tree, "  ", "");
  lines.push("", `Result: ${e.outcome}`);
  for (const d of e.destinations) {
    const share = `${(d.share * 100).toFixed(1)}%`.padStart(7);
    lines.push(`${share}  ${d.path}${d.service ? `  <- Service ${d.service}` : ""}`);
  }
  for (const warning of e.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join("\n")}\n`;
}

function toJson(e: Explanation): unknown {
  const node = (tree: DelegateTree): unknown => ({
    ...tree,
    path: printPath(tree.path),
    dentry: tree.dentry
      ? {
          prefix: dentryText(tree.dentry).split(" => ")[0],
          dst: printNameTree(tree.dentry.dst),
          origin: e.origins.get(tree.dentry),
        }
      : null,
    ...(tree.type === "delegate" ? { delegate: node(tree.delegate) } : {}),
    ...(tree.type === "alt" ? { alt: tree.alt.map(node) } : {}),
    ...(tree.type === "union"
      ? { union: tree.union.map((b) => ({ weight: b.weight, tree: node(b.tree) })) }
      : {}),
  });
  return {
    path: e.path,
    namespace: e.namespace,
    dtab: e.dtab,
    outcome: e.outcome,
    destinations: e.destinations,
    warnings: e.warnings,
    tree: node(e.tree),
  };
}
