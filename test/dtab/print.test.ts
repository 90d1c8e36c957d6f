import { describe, expect, it } from "vitest";
import {
  formatWeight,
  type NameTree,
  printDtab,
  printNameTree,
  printPath,
  printPrefix,
  WILDCARD,
} from "../../src/dtab/index.js";
import { dtab, leaf, tree } from "./support.js";

const union = (...branches: [number, NameTree][]): NameTree => ({
  kind: "union",
  branches: branches.map(([weight, branch]) => ({ weight, tree: branch })),
});
const alt = (...trees: NameTree[]): NameTree => ({ kind: "alt", trees });

describe("printNameTree", () => {
  it.each<[string, NameTree, string]>([
    ["a leaf", leaf("/#/io.l5d.consul/dc1"), "/#/io.l5d.consul/dc1"],
    ["the empty path", { kind: "leaf", path: [] }, "/"],
    ["fail, neg and empty", alt({ kind: "fail" }, { kind: "neg" }, { kind: "empty" }), "! | ~ | $"],
    ["a union of default weights", union([1, leaf("/a")], [1, leaf("/b")]), "/a & /b"],
    ["every weight once one differs from 1", union([9, leaf("/a")], [1, leaf("/b")]), "9 * /a & 1 * /b"],
    ["fractional weights", union([0.25, leaf("/a")], [0.75, leaf("/b")]), "0.25 * /a & 0.75 * /b"],
    [
      "a union inside an alt, unparenthesised",
      alt(leaf("/a"), union([1, leaf("/b")], [1, leaf("/c")])),
      "/a | /b & /c",
    ],
    [
      "an alt inside a union, parenthesised",
      union([1, alt(leaf("/a"), leaf("/b"))], [1, leaf("/c")]),
      "(/a | /b) & /c",
    ],
    ["an alt nested in an alt", alt(alt(leaf("/a"), leaf("/b")), leaf("/c")), "(/a | /b) | /c"],
    [
      "a union nested in a union",
      union([1, union([1, leaf("/a")], [1, leaf("/b")])], [2, leaf("/c")]),
      "1 * (/a & /b) & 2 * /c",
    ],
    ["an empty alt as ~", alt(), "~"],
    ["an empty union as ~", { kind: "union", branches: [] }, "~"],
    ["a lone alt member as itself", alt(union([1, leaf("/a")], [1, leaf("/b")])), "/a & /b"],
    [
      "a lone union branch as itself, without its weight",
      union([0.5, alt(leaf("/a"), leaf("/b"))]),
      "/a | /b",
    ],
    ["a lone member inside a union", union([2, alt(leaf("/a"))], [1, leaf("/b")]), "2 * /a & 1 * /b"],
  ])("prints %s", (_name, input, expected) => {
    expect(printNameTree(input)).toBe(expected);
  });
});

describe("formatWeight", () => {
  it.each<[number, string]>([
    [1, "1"],
    [0, "0"],
    [-0, "0"],
    [0.1, "0.1"],
    [0.1 + 0.2, "0.30000000000000004"],
    [1e-7, "0.0000001"],
    [1.5e-10, "0.00000000015"],
    [5e-324, `0.${"0".repeat(323)}5`],
    [1e21, "1000000000000000000000"],
    [1.2345e22, "12345000000000000000000"],
  ])("formats %d as %s, which reads back exactly", (weight, text) => {
    expect(formatWeight(weight)).toBe(text);
    expect(Number(text)).toBe(weight + 0);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])("rejects %d", (weight) => {
    expect(() => formatWeight(weight)).toThrow(RangeError);
    expect(() => printNameTree(union([weight, leaf("/a")], [1, leaf("/b")]))).toThrow(RangeError);
  });
});

describe("paths and prefixes", () => {
  it.each<[string[], string]>([
    [[], "/"],
    [["svc", "world"], "/svc/world"],
    [["a_b:c.d%e-f$#"], "/a_b:c.d%e-f$#"],
    [["b c"], "/b\\x20c"],
    [["café"], "/caf\\xc3\\xa9"],
    [["a/b"], "/a\\x2fb"],
    [["*"], "/\\x2a"],
    [["🐱"], "/\\xf0\\x9f\\x90\\xb1"],
  ])("printPath(%j) is %s", (path, text) => {
    expect(printPath(path)).toBe(text);
  });

  it("prints wildcards as * and a literal '*' escaped", () => {
    expect(printPrefix(["svc", WILDCARD, "*"])).toBe("/svc/*/\\x2a");
  });

  it.each<[string, string[]]>([
    ["an empty segment", ["a", ""]],
    ["a lone surrogate", ["\ud800"]],
  ])("refuses %s", (_name, path) => {
    expect(() => printPath(path)).toThrow(RangeError);
  });
});

describe("printDtab", () => {
  const routes = dtab("/svc=>/#/io.l5d.consul/dc1;/svc/world=>9*/svc/world&1*/svc/world-v2;");

  it("prints one line with '; ' between dentries", () => {
    expect(printDtab(routes)).toBe(
      "/svc => /#/io.l5d.consul/dc1; /svc/world => 9 * /svc/world & 1 * /svc/world-v2",
    );
  });

  it("prints one dentry per line, each ending with ';', for config files", () => {
    expect(printDtab(routes, { multiline: true })).toBe(
      "/svc => /#/io.l5d.consul/dc1;\n/svc/world => 9 * /svc/world & 1 * /svc/world-v2;",
    );
  });

  it("prints the empty dtab as nothing", () => {
    expect(printDtab([])).toBe("");
    expect(printDtab([], { multiline: true })).toBe("");
  });

  it("normalises hand-written text", () => {
    const text = "# canary\n/svc/world => ((1*/a)) & 1.0 * ( /b|/c ) ;\n/x=>/\\x41\\x20";
    expect(printDtab(dtab(text))).toBe("/svc/world => /a & (/b | /c); /x => /A\\x20");
    expect(printNameTree(tree("1 * /a & 2 * /b | 3 * /c & 3 * /d"))).toBe(
      "1 * /a & 2 * /b | 3 * /c & 3 * /d",
    );
  });
});
