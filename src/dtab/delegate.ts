/**
 * Delegation: how Linkerd 1 and namerd rewrite a name through a dtab until it is bound, kept as
 * a tree that explains every step (namerd's `/api/1/delegate`, computed without any I/O).
 *
 * For each path: a bound name stops the rewriting; otherwise every dentry whose prefix matches
 * contributes its destination, with the unmatched rest of the path appended to each leaf, and
 * each such leaf is delegated in turn. Matching dentries are taken latest first, so later ones
 * win and earlier ones are the fallback when a later one comes to `~` (the evaluation in
 * `destinations.ts` reads the resulting `alt` that way).
 */

import { DtabIndex } from "./lookup.js";
import { printPath } from "./print.js";
import type { DelegateTree, Dentry, Dtab, NameTree, Path, Prefix } from "./types.js";

export interface DelegateOptions {
  /** Most dentry rewrites along one chain before giving up (Finagle's and namerd's limit is 100). */
  readonly maxDepth?: number;
  /** Most paths looked up in the whole tree: a dtab that fans out at every step grows exponentially. */
  readonly maxLookups?: number;
}

/**
 * Most rewrites plus nested `|` and `&` levels on one branch: delegation (and reading its tree)
 * recurses that deep, so the bound turns a hostile dtab into an exception, not a stack overflow.
 */
const MAX_NESTING = 1_000;
const TOO_DEEP = `delegation nests more than ${MAX_NESTING} levels deep (rewrites plus nested '|' and '&')`;

/**
 * The dtab a request is routed with when it carries an `l5d-dtab` header (or namerd is given a
 * local dtab): the override's dentries come after the base ones, so they win where both match.
 */
export function appendDtab(base: Dtab, override: Dtab): Dtab {
  return [...base, ...override];
}

/** Segment-wise prefix match; a wildcard matches exactly one segment, whatever it is. */
export function matchesPrefix(prefix: Prefix, path: Path): boolean {
  return (
    prefix.length <= path.length &&
    prefix.every((segment, i) => typeof segment !== "string" || segment === path[i])
  );
}

/**
 * How `path` resolves through `dtab`. Pass a `DtabIndex` to delegate many paths through one dtab:
 * the index is built once instead of on every call.
 */
export function delegate(dtab: Dtab | DtabIndex, path: Path, options: DelegateOptions = {}): DelegateTree {
  const maxDepth = options.maxDepth ?? 100;
  const maxLookups = options.maxLookups ?? 10_000;
  const index = dtab instanceof DtabIndex ? dtab : new DtabIndex(dtab);
  let lookups = 0;
  // `|` and `&` levels being expanded: with the chain, how deep the recursion below goes.
  let nesting = 0;

  // The paths being delegated above the current one, and each one's place in that chain by key,
  // so that spotting a loop costs one lookup; delegation is depth-first, so both shrink on the way out.
  const chain: Path[] = [];
  const placeInChain = new Map<string, number>();

  const resolve = (path: Path, dentry: Dentry | null): DelegateTree => {
    const bound = bind(path, dentry);
    if (bound !== undefined) {
      return bound;
    }
    const exception = (message: string): DelegateTree => ({ type: "exception", path, dentry, message });
    if (++lookups > maxLookups) {
      return exception(`delegation gave up after ${maxLookups} lookups: the dtab fans out too much`);
    }
    const key = JSON.stringify(path);
    const repeated = placeInChain.get(key);
    if (repeated !== undefined) {
      const cycle = [...chain.slice(repeated), path];
      return exception(`delegation loops: ${cycle.map(printPath).join(" -> ")}`);
    }
    if (chain.length + nesting >= MAX_NESTING) {
      return exception(TOO_DEEP);
    }
    if (chain.length >= maxDepth) {
      return exception(
        `delegation exceeded ${maxDepth} rewrites: ${printPath(chain[0] ?? path)} -> ... -> ${printPath(path)}`,
      );
    }
    placeInChain.set(key, chain.length);
    chain.push(path);
    const expanded = index
      .matching(path)
      .map((entry) => expand(entry.dst, entry, path, path.slice(entry.prefix.length)));
    chain.pop();
    placeInChain.delete(key);
    const [only] = expanded;
    if (only === undefined) {
      return { type: "neg", path, dentry };
    }
    return expanded.length === 1
      ? { type: "delegate", path, dentry, delegate: only }
      : { type: "alt", path, dentry, alt: expanded };
  };

  /** A matching dentry's destination for `path`; each leaf, with `residual` appended, is delegated. */
  const expand = (tree: NameTree, dentry: Dentry, path: Path, residual: Path): DelegateTree => {
    switch (tree.kind) {
      case "leaf":
        return resolve([...tree.path, ...residual], dentry);
      case "alt":
        return nested(path, dentry, () => ({
          type: "alt",
          path,
          dentry,
          alt: tree.trees.map((branch) => expand(branch, dentry, path, residual)),
        }));
      case "union":
        return nested(path, dentry, () => ({
          type: "union",
          path,
          dentry,
          union: tree.branches.map(({ weight, tree: branch }) => ({
            weight,
            tree: expand(branch, dentry, path, residual),
          })),
        }));
      default:
        return { type: tree.kind, path, dentry };
    }
  };

  const nested = (path: Path, dentry: Dentry, build: () => DelegateTree): DelegateTree => {
    if (chain.length + nesting >= MAX_NESTING) {
      return { type: "exception", path, dentry, message: TOO_DEEP };
    }
    nesting++;
    const tree = build();
    nesting--;
    return tree;
  };

  return resolve(path, null);
}

/**
 * Names that are not rewritten further: `/#/<namer>/...` goes to a configured namer and
 * `/$/<scheme>/...` to Finagle's global namer, where `/$/fail` fails and `/$/nil` is empty.
 * (Linkerd consults the dtab even for these before asking the namer; dtabs practically never
 * rewrite them, and treating them as final keeps delegation free of namer configuration.)
 */
function bind(path: Path, dentry: Dentry | null): DelegateTree | undefined {
  const [root, scheme] = path;
  if (scheme === undefined || (root !== "$" && root !== "#")) {
    return undefined;
  }
  if (root === "$" && scheme === "fail") {
    return { type: "fail", path, dentry };
  }
  if (root === "$" && scheme === "nil") {
    return { type: "empty", path, dentry };
  }
  return { type: "leaf", path, dentry };
}
