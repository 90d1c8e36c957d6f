import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DelegateTree, delegate, finalDestinations, printPath } from "../../src/dtab/index.js";
import { dtab, path } from "./support.js";

/** Final destinations of `/svc` under `/svc => <dst>`, with shares rounded for readability. */
const split = (dst: string): Record<string, number> | string => {
  const result = finalDestinations(delegate(dtab(`/svc => ${dst}; /loop => /loop`), path("/svc")));
  if (result.outcome !== "bound") {
    return result.outcome;
  }
  const shares: Record<string, number> = Object.fromEntries(
    result.destinations.map((destination) => [printPath(destination.path), round(destination.weight)]),
  );
  return result.emptyShare > 0 ? { ...shares, $: round(result.emptyShare) } : shares;
};

const round = (share: number): number => Math.round(share * 1e9) / 1e9;

describe("finalDestinations", () => {
  it.each<[string, string, Record<string, number> | string]>([
    ["9 & 1 normalise to 0.9 / 0.1", "9 * /#/a & 1 * /#/b", { "/#/a": 0.9, "/#/b": 0.1 }],
    ["90 & 10 normalise to 0.9 / 0.1", "90 * /#/a & 10 * /#/b", { "/#/a": 0.9, "/#/b": 0.1 }],
    [
      "default weights split evenly",
      "/#/a & /#/b & /#/c",
      { "/#/a": 0.333333333, "/#/b": 0.333333333, "/#/c": 0.333333333 },
    ],
    ["a zero-weight branch gets nothing", "0 * /#/a & 1 * /#/b", { "/#/b": 1 }],
    [
      "all-zero weights share equally, as Finagle's distributor does",
      "0 * /#/a & 0 * /#/b",
      { "/#/a": 0.5, "/#/b": 0.5 },
    ],
    [
      "nested unions multiply",
      "1 * (1 * /#/a & 3 * /#/b) & 1 * /#/c",
      { "/#/a": 0.125, "/#/b": 0.375, "/#/c": 0.5 },
    ],
    ["a leaf reached twice adds up", "1 * /#/a & 1 * (/#/a & /#/b)", { "/#/a": 0.75, "/#/b": 0.25 }],
    ["a ~ branch is dropped from a union", "9 * ~ & 1 * /#/b", { "/#/b": 1 }],
    ["a ! branch is dropped from a union, as Finagle simplifies", "1 * ! & 1 * /#/b", { "/#/b": 1 }],
    ["a union of ~ only is neg", "~ & ~", "neg"],
    ["a union of ~ and ! only is neg", "~ & !", "neg"],
    ["a branch that loops is dropped when another binds", "/loop & /#/b", { "/#/b": 1 }],
    ["a union whose every branch loops fails with the exception", "/loop & /loop", "exception"],
    ["alt skips ~", "~ | /#/b", { "/#/b": 1 }],
    ["alt stops at !", "! | /#/b", "fail"],
    ["alt skips a union of ~", "(~ & ~) | /#/b", { "/#/b": 1 }],
    ["alt skips a union of ! and ~, which is neg", "(! & ~) | /#/b", { "/#/b": 1 }],
    ["alt stops at $", "$ | /#/b", "empty"],
    ["alt of ~ only is neg", "~ | ~", "neg"],
    ["$ alone is empty", "$", "empty"],
    ["a weighted $ keeps its share of traffic", "1 * $ & 3 * /#/b", { "/#/b": 0.75, $: 0.25 }],
    ["a zero-weight $ is dropped", "0 * $ & 1 * /#/b", { "/#/b": 1 }],
    ["zero-weight $ only is empty", "0 * $ & 0 * $", "empty"],
    ["zero-weight $ beside ~ is empty", "0 * $ & ~", "empty"],
    ["a zero-weight leaf beside $ is empty", "0 * /#/a & 1 * $", "empty"],
  ])("%s", (_name, dst, expected) => {
    expect(split(dst)).toEqual(expected);
  });

  it("reads alt and union trees of any shape, including degenerate ones", () => {
    const at = { path: [], dentry: null };
    const tree: DelegateTree = {
      type: "alt",
      ...at,
      alt: [
        { type: "alt", ...at, alt: [] },
        { type: "union", ...at, union: [] },
        {
          type: "union",
          ...at,
          union: [{ weight: 0, tree: { type: "leaf", path: ["#", "a"], dentry: null } }],
        },
      ],
    };
    expect(finalDestinations(tree)).toEqual({
      outcome: "bound",
      destinations: [{ path: ["#", "a"], weight: 1 }],
      emptyShare: 0,
    });
  });

  it("reports no route, failure and emptiness without destinations", () => {
    expect(finalDestinations(delegate([], path("/svc/x")))).toEqual({ outcome: "neg", destinations: [] });
    expect(finalDestinations(delegate(dtab("/svc => !"), path("/svc/x")))).toEqual({
      outcome: "fail",
      destinations: [],
    });
    expect(finalDestinations(delegate(dtab("/svc => $"), path("/svc/x")))).toEqual({
      outcome: "empty",
      destinations: [],
    });
  });

  it("gives each union branch its weight over the total", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 6 }), (weights) => {
        const dst = weights.map((weight, i) => `${weight} * /#/n${i}`).join(" & ");
        const result = finalDestinations(delegate(dtab(`/svc => ${dst}`), path("/svc")));
        const total = weights.reduce((sum, weight) => sum + weight, 0);
        expect(result.outcome).toBe("bound");
        result.destinations.forEach((destination, i) => {
          expect(destination).toEqual({
            path: ["#", `n${i}`],
            weight: expect.closeTo((weights[i] ?? 0) / total, 12),
          });
        });
      }),
    );
  });
});
