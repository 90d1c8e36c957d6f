/**
 * Where traffic goes, read off a delegation tree the way Finagle binds a name tree:
 * - `alt` takes the first branch that is not `~`; a `!` (or an exception) stops the search, so a
 *   failed alternative fails the whole alt rather than falling through;
 * - `union` drops branches that are `~` or `!` (Finagle's simplification), and is `~` when none
 *   remains; it is an exception only when every branch is one. The rest split the traffic by normalised
 *   weight: zero-weight branches get nothing, and if every remaining weight is zero they share
 *   equally (Finagle's weighted distributor); a zero-weight `$` branch is dropped altogether;
 * - `$` takes its share to no endpoint at all (Finagle answers "no brokers available").
 */

import type { DelegateTree, Destination, Destinations, WeightedDelegateTree } from "./types.js";

type Outcome =
  /** Shares of bound leaves (keyed by path), and the share that reaches `$`. */
  | {
      readonly kind: "routed";
      readonly shares: ReadonlyMap<string, Destination>;
      readonly emptyShare: number;
    }
  | { readonly kind: "neg" | "fail" }
  | { readonly kind: "exception"; readonly message: string };

const NEG: Outcome = { kind: "neg" };
const EMPTY: Outcome = { kind: "routed", shares: new Map(), emptyShare: 1 };

export function finalDestinations(tree: DelegateTree): Destinations {
  const outcome = evaluate(tree);
  switch (outcome.kind) {
    case "routed": {
      const destinations = [...outcome.shares.values()].filter((destination) => destination.weight > 0);
      return destinations.length === 0
        ? { outcome: "empty", destinations: [] }
        : { outcome: "bound", destinations, emptyShare: outcome.emptyShare };
    }
    case "exception":
      return { outcome: "exception", destinations: [], message: outcome.message };
    default:
      return { outcome: outcome.kind, destinations: [] };
  }
}

function evaluate(tree: DelegateTree): Outcome {
  switch (tree.type) {
    case "leaf":
      return {
        kind: "routed",
        shares: new Map([[JSON.stringify(tree.path), { path: tree.path, weight: 1 }]]),
        emptyShare: 0,
      };
    case "empty":
      return EMPTY;
    case "neg":
    case "fail":
      return { kind: tree.type };
    case "exception":
      return { kind: "exception", message: tree.message };
    case "delegate":
      return evaluate(tree.delegate);
    case "alt":
      return evaluateAlt(tree.alt);
    case "union":
      return evaluateUnion(tree.union);
  }
}

function evaluateAlt(branches: readonly DelegateTree[]): Outcome {
  for (const branch of branches) {
    const outcome = evaluate(branch);
    if (outcome.kind !== "neg") {
      return outcome;
    }
  }
  return NEG;
}

type Routed = Extract<Outcome, { kind: "routed" }>;

function evaluateUnion(branches: readonly WeightedDelegateTree[]): Outcome {
  const evaluated = branches.map(({ weight, tree }) => ({ weight, outcome: evaluate(tree) }));
  const [first] = evaluated;
  if (first !== undefined && evaluated.every(({ outcome }) => outcome.kind === "exception")) {
    return first.outcome;
  }
  const routed: { weight: number; outcome: Routed }[] = [];
  for (const { weight, outcome } of evaluated) {
    if (outcome.kind === "routed" && (weight > 0 || outcome.shares.size > 0)) {
      routed.push({ weight, outcome });
    }
  }
  if (routed.length === 0) {
    // Every branch was `~` or `!` (dropped), or a `$` that nothing is sent to.
    return evaluated.some(({ outcome }) => outcome.kind === "routed") ? EMPTY : NEG;
  }
  const total = routed.reduce((sum, { weight }) => sum + weight, 0);
  const shares = new Map<string, Destination>();
  let emptyShare = 0;
  for (const { weight, outcome } of routed) {
    const share = total > 0 ? weight / total : 1 / routed.length;
    emptyShare += share * outcome.emptyShare;
    for (const [key, destination] of outcome.shares) {
      const sum = (shares.get(key)?.weight ?? 0) + share * destination.weight;
      shares.set(key, { path: destination.path, weight: sum });
    }
  }
  return { kind: "routed", shares, emptyShare };
}

/**
 * The first exception anywhere in a delegation tree, depth-first in namerd's order: also in
 * branches `finalDestinations` never reaches (a fallback, or a union branch it drops), which fail
 * as soon as the branches before them do. Iterative, so a deep tree cannot exhaust the stack.
 */
export function firstException(tree: DelegateTree): string | undefined {
  const pending: DelegateTree[] = [tree];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    switch (node.type) {
      case "exception":
        return node.message;
      case "delegate":
        pending.push(node.delegate);
        break;
      case "alt":
        for (let i = node.alt.length - 1; i >= 0; i--) pending.push(node.alt[i] as DelegateTree);
        break;
      case "union":
        for (let i = node.union.length - 1; i >= 0; i--)
          pending.push((node.union[i] as WeightedDelegateTree).tree);
        break;
    }
  }
  return undefined;
}
