/**
 * Canonical dtab text: what `parse.ts` reads back to the same structure, and what Linkerd and
 * namerd accept. Choices where Finagle's own printer differs:
 * - weights are printed exactly (shortest decimal that reads back to the same number, never an
 *   exponent), where Finagle rounds to two decimals;
 * - a union prints every weight as soon as one differs from 1 (`9 * /a & 1 * /b`), and none when
 *   all are 1 (`/a & /b`), so a canary split reads symmetrically;
 * - only the characters that need it are escaped as `\xHH` (see `showSegment`);
 * - spaces around `=>`, `|`, `&` and `*`, for humans reading configs and CLI output.
 * Parentheses appear only where precedence needs them (`|` binds looser than `&`).
 * Malformed input (an empty segment, a negative or non-finite weight) throws a RangeError rather
 * than producing text that would not parse.
 */

import { showSegment } from "./segment.js";
import type { Dentry, Dtab, NameTree, Path, Prefix } from "./types.js";

export interface PrintDtabOptions {
  /** One dentry per line, each ending with `;` (for config files); default is one line. */
  readonly multiline?: boolean;
}

export function printDtab(dtab: Dtab, options: PrintDtabOptions = {}): string {
  const dentries = dtab.map(printDentry);
  return options.multiline ? dentries.map((dentry) => `${dentry};`).join("\n") : dentries.join("; ");
}

export function printDentry(dentry: Dentry): string {
  return `${printPrefix(dentry.prefix)} => ${printNameTree(dentry.dst)}`;
}

export function printPath(path: Path): string {
  return `/${path.map(showSegment).join("/")}`;
}

export function printPrefix(prefix: Prefix): string {
  return `/${prefix.map((segment) => (typeof segment === "string" ? showSegment(segment) : "*")).join("/")}`;
}

export function printNameTree(tree: NameTree): string {
  const node = collapse(tree);
  return node.kind === "alt" ? node.trees.map(printUnionLevel).join(" | ") : printUnionLevel(node);
}

/** A `tree1`: a union, or anything tighter; an alternation here needs parentheses. */
function printUnionLevel(tree: NameTree): string {
  const node = collapse(tree);
  if (node.kind !== "union") {
    return printSimple(node);
  }
  const weighted = node.branches.some((branch) => branch.weight !== 1);
  return node.branches
    .map((branch) =>
      weighted ? `${formatWeight(branch.weight)} * ${printSimple(branch.tree)}` : printSimple(branch.tree),
    )
    .join(" & ");
}

function printSimple(tree: NameTree): string {
  const node = collapse(tree);
  switch (node.kind) {
    case "leaf":
      return printPath(node.path);
    case "fail":
      return "!";
    case "neg":
      return "~";
    case "empty":
      return "$";
    case "alt":
    case "union":
      return `(${printNameTree(node)})`;
  }
}

/**
 * Finagle's reading of degenerate nodes: an alternation or union of nothing is `~`, and of one
 * member is that member (a lone union weight is meaningless and, like Finagle, not printed).
 */
function collapse(tree: NameTree): NameTree {
  let node = tree;
  for (;;) {
    if (node.kind === "alt" && node.trees.length < 2) {
      node = node.trees[0] ?? { kind: "neg" };
    } else if (node.kind === "union" && node.branches.length < 2) {
      node = node.branches[0]?.tree ?? { kind: "neg" };
    } else {
      return node;
    }
  }
}

/** The shortest decimal that reads back as `weight`, without the exponent the grammar lacks. */
export function formatWeight(weight: number): string {
  if (!Number.isFinite(weight) || weight < 0) {
    throw new RangeError(`a weight must be a finite non-negative number, got ${weight}`);
  }
  const text = String(weight);
  const exponential = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (exponential === null) {
    return text;
  }
  // JavaScript switches to exponents below 1e-6 and from 1e21, so the point lies outside the digits.
  const digits = `${exponential[1] ?? ""}${exponential[2] ?? ""}`;
  const point = 1 + Number(exponential[3]);
  return point <= 0 ? `0.${"0".repeat(-point)}${digits}` : digits.padEnd(point, "0");
}
