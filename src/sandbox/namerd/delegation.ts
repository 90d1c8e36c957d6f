import { type Dentry, type Dtab, type NameTree, type Path, prefixMatches, showPath } from "./dtab-syntax.js";

/**
 * The fake namerd's delegation: how a path is rewritten through a dtab, as the tree namerd's
 * `/api/1/delegate` explains (Finagle's DelegateTree), before namerd simplifies it.
 *
 * Every node carries the path as namerd shows it and the dentry that produced it (none for the
 * path asked about). The sandbox has no namers: `/#/<namer>/...` and `/$/<scheme>/...` are bound
 * leaves as they are, except `/$/fail` (fails) and `/$/nil` (empty), Finagle's global names.
 */
export type DelegateTree = { readonly path: string; readonly dentry: Dentry | null } & (
  | { readonly type: "delegate"; readonly delegate: DelegateTree }
  | { readonly type: "alt"; readonly alt: readonly DelegateTree[] }
  | {
      readonly type: "union";
      readonly union: readonly { readonly weight: number; readonly tree: DelegateTree }[];
    }
  | { readonly type: "leaf" | "neg" | "fail" | "empty" }
  | { readonly type: "exception"; readonly message: string }
);

/** Finagle's (and namerd's) limit on rewrites along one chain. */
const MAX_DEPTH = 100;

/**
 * Delegates `path` through `dtab`. Each path is looked up in the dtab latest dentry first (later
 * dentries win; earlier ones are the fallback when a later one comes to `~`): no match is a neg,
 * one a delegate node, several an alt. A matching dentry's destination gets the path's unmatched
 * rest appended to its leaves, which are delegated in turn.
 */
export function delegatePath(dtab: Dtab, path: Path): DelegateTree {
  const latestFirst = [...dtab].reverse();
  /** The paths being rewritten above the current one, shown: a repeat is a loop. */
  const chain: string[] = [];

  const lookUp = (path: Path, dentry: Dentry | null): DelegateTree => {
    const shown = showPath(path);
    const bound = boundName(path, shown, dentry);
    if (bound !== undefined) return bound;
    const exception = (message: string): DelegateTree => ({
      type: "exception",
      path: shown,
      dentry,
      message,
    });
    const repeated = chain.indexOf(shown);
    if (repeated !== -1)
      return exception(`delegation loops: ${[...chain.slice(repeated), shown].join(" -> ")}`);
    if (chain.length >= MAX_DEPTH) return exception("Max recursion level reached.");

    chain.push(shown);
    const rewrites = latestFirst
      .filter((candidate) => prefixMatches(candidate.prefix, path))
      .map((match) => rewrite(match.dst, match, shown, path.slice(match.prefix.length)));
    chain.pop();

    const [only, ...others] = rewrites;
    if (only === undefined) return { type: "neg", path: shown, dentry };
    return others.length === 0
      ? { type: "delegate", path: shown, dentry, delegate: only }
      : { type: "alt", path: shown, dentry, alt: rewrites };
  };

  /** A matching dentry's destination for the path shown as `shown`, with `rest` appended to its leaves. */
  const rewrite = (dst: NameTree, dentry: Dentry, shown: string, rest: Path): DelegateTree => {
    switch (dst.type) {
      case "leaf":
        return lookUp([...dst.path, ...rest], dentry);
      case "alt":
        return {
          type: "alt",
          path: shown,
          dentry,
          alt: dst.trees.map((tree) => rewrite(tree, dentry, shown, rest)),
        };
      case "union":
        return {
          type: "union",
          path: shown,
          dentry,
          union: dst.branches.map(({ weight, tree }) => ({
            weight,
            tree: rewrite(tree, dentry, shown, rest),
          })),
        };
      // namerd shows a destination's `~` and `!` as themselves, not as the path that reached them.
      case "neg":
        return { type: "neg", path: "~", dentry };
      case "fail":
        return { type: "fail", path: "!", dentry };
      case "empty":
        return { type: "empty", path: shown, dentry };
    }
  };

  return lookUp(path, null);
}

function boundName(path: Path, shown: string, dentry: Dentry | null): DelegateTree | undefined {
  const [root, name] = path;
  if (name === undefined || (root !== "#" && root !== "$")) return undefined;
  if (root === "$" && name === "fail") return { type: "fail", path: shown, dentry };
  if (root === "$" && name === "nil") return { type: "empty", path: shown, dentry };
  return { type: "leaf", path: shown, dentry };
}
