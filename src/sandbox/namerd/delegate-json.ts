import type { JsonObject } from "../json.js";
import type { DelegateTree } from "./delegation.js";
import { dentryJson } from "./dtab-codec.js";

/**
 * A delegation tree as namerd's `/api/1/delegate` answers it: simplified the way namerd simplifies
 * (`DelegateTree.simplified`), then written with its JSON codec (paths and dentries as text, the
 * root's empty dentry left out, `~` and `!` shown as namerd shows them).
 *
 * The sandbox has no namers, so a leaf's `bound` names the whole leaf path as its id with residual
 * path `/`, and its address is `{"type": "pending"}`: unknown, where namerd would wait for the
 * namer's answer.
 */
export function delegateJson(tree: DelegateTree): JsonObject {
  return toJson(simplify(tree));
}

/**
 * namerd folds a node into its parent when both stand for the same path (the parent's dentry wins),
 * except for terminal neg / fail / empty nodes, and flattens an alternation nested in one for the
 * same path. (Alternations and unions of fewer than two members, which namerd also folds, never
 * come out of the fake's parser.)
 */
function simplify(tree: DelegateTree): DelegateTree {
  switch (tree.type) {
    case "delegate": {
      const child = simplify(tree.delegate);
      const terminal = child.type === "neg" || child.type === "fail" || child.type === "empty";
      return !terminal && child.path === tree.path
        ? { ...child, dentry: tree.dentry }
        : { ...tree, delegate: child };
    }
    case "alt":
      return {
        ...tree,
        alt: tree.alt.flatMap((branch) => {
          const simplified = simplify(branch);
          return simplified.type === "alt" && simplified.path === tree.path ? simplified.alt : [simplified];
        }),
      };
    case "union":
      return {
        ...tree,
        union: tree.union.map(({ weight, tree: branch }) => ({ weight, tree: simplify(branch) })),
      };
    default:
      return tree;
  }
}

function toJson(tree: DelegateTree): JsonObject {
  const head: JsonObject = {
    type: tree.type,
    path: tree.path,
    ...(tree.dentry === null ? {} : { dentry: dentryJson(tree.dentry) }),
  };
  switch (tree.type) {
    case "delegate":
      return { ...head, delegate: toJson(tree.delegate) };
    case "alt":
      return { ...head, alt: tree.alt.map(toJson) };
    case "union":
      return {
        ...head,
        union: tree.union.map(({ weight, tree: branch }) => ({ weight, tree: toJson(branch) })),
      };
    case "leaf":
      return { ...head, bound: { addr: { type: "pending" }, id: tree.path, path: "/" } };
    case "exception":
      return { ...head, message: tree.message };
    default:
      return head;
  }
}
