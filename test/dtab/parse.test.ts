import { describe, expect, it } from "vitest";
import {
  type Dtab,
  type NameTree,
  parseDtab,
  parseNameTree,
  parsePath,
  parsePrefix,
  WILDCARD,
} from "../../src/dtab/index.js";
import { dtab, leaf, tree } from "./support.js";

const consul: NameTree = { kind: "leaf", path: ["#", "io.l5d.consul", "dc1"] };

describe("parseDtab", () => {
  it.each<[string, string, Dtab]>([
    ["the empty dtab", "", []],
    ["only whitespace and comments", "  \n# nothing here\n\t", []],
    ["the workshop dtab", "/svc => /#/io.l5d.consul/dc1;", [{ prefix: ["svc"], dst: consul }]],
    ["no trailing ';'", "/svc => /#/io.l5d.consul/dc1", [{ prefix: ["svc"], dst: consul }]],
    ["no spaces at all", "/svc=>/#/io.l5d.consul/dc1;", [{ prefix: ["svc"], dst: consul }]],
    [
      "whitespace between every token",
      " \t/svc\n=>\n  /#/io.l5d.consul/dc1 \n ;\n ",
      [{ prefix: ["svc"], dst: consul }],
    ],
    [
      "several dentries",
      "/svc => /#/io.l5d.consul/dc1; /svc/world => /svc/world-v2",
      [
        { prefix: ["svc"], dst: consul },
        { prefix: ["svc", "world"], dst: leaf("/svc/world-v2") },
      ],
    ],
    [
      "comments before, between and after dentries, and inside a tree",
      "# routes\n/svc => /#/io.l5d.consul/dc1; # default\n/svc/world => # canary\n /a # first\n | /b # end",
      [
        { prefix: ["svc"], dst: consul },
        { prefix: ["svc", "world"], dst: { kind: "alt", trees: [leaf("/a"), leaf("/b")] } },
      ],
    ],
    ["'#' inside a path is a character", "/a#b => /#/x#", [{ prefix: ["a#b"], dst: leaf("/#/x#") }]],
    ["the empty prefix and the empty path", "/ => /", [{ prefix: [], dst: { kind: "leaf", path: [] } }]],
    [
      "wildcard prefix segments",
      "/svc/*/world => /x; /* => /y",
      [
        { prefix: ["svc", WILDCARD, "world"], dst: leaf("/x") },
        { prefix: [WILDCARD], dst: leaf("/y") },
      ],
    ],
    ["an escaped '*' is a literal segment", "/\\x2a => /x", [{ prefix: ["*"], dst: leaf("/x") }]],
  ])("parses %s", (_name, text, expected) => {
    expect(dtab(text)).toEqual(expected);
  });
});

describe("parseNameTree", () => {
  it.each<[string, NameTree]>([
    ["!", { kind: "fail" }],
    ["~", { kind: "neg" }],
    ["$", { kind: "empty" }],
    ["((/a))", leaf("/a")],
    [
      "/a | ! | ~ | $",
      { kind: "alt", trees: [leaf("/a"), { kind: "fail" }, { kind: "neg" }, { kind: "empty" }] },
    ],
    // `|` binds looser than `&`.
    [
      "/a | /b & /c",
      {
        kind: "alt",
        trees: [
          leaf("/a"),
          {
            kind: "union",
            branches: [
              { weight: 1, tree: leaf("/b") },
              { weight: 1, tree: leaf("/c") },
            ],
          },
        ],
      },
    ],
    [
      "/a & /b | /c",
      {
        kind: "alt",
        trees: [
          {
            kind: "union",
            branches: [
              { weight: 1, tree: leaf("/a") },
              { weight: 1, tree: leaf("/b") },
            ],
          },
          leaf("/c"),
        ],
      },
    ],
    [
      "(/a | /b) & /c",
      {
        kind: "union",
        branches: [
          { weight: 1, tree: { kind: "alt", trees: [leaf("/a"), leaf("/b")] } },
          { weight: 1, tree: leaf("/c") },
        ],
      },
    ],
    // Parentheses keep nesting that a flat alternation would lose.
    [
      "(/a | /b) | /c",
      { kind: "alt", trees: [{ kind: "alt", trees: [leaf("/a"), leaf("/b")] }, leaf("/c")] },
    ],
  ])("parses %s", (text, expected) => {
    expect(tree(text)).toEqual(expected);
  });

  it.each<[string, number[]]>([
    ["9 * /a & 1 * /b", [9, 1]],
    ["0.5*/a & 2*/b", [0.5, 2]],
    [".5 * /a & 3. * /b", [0.5, 3]],
    ["0 * /a & /b", [0, 1]],
    ["007 * /a & 1.250 * /b", [7, 1.25]],
  ])("parses the weights of %s", (text, weights) => {
    const parsed = tree(text);
    expect(parsed.kind === "union" ? parsed.branches.map((branch) => branch.weight) : []).toEqual(weights);
  });

  it("drops the weight of a lone branch, as Finagle does", () => {
    expect(tree("0.5 * /a")).toEqual(leaf("/a"));
  });
});

describe("paths and prefixes", () => {
  it.each<[string, string[]]>([
    ["/", []],
    ["/svc/world", ["svc", "world"]],
    ["/#/io.l5d.consul/dc1", ["#", "io.l5d.consul", "dc1"]],
    ["/$/inet/127.0.0.1/4140", ["$", "inet", "127.0.0.1", "4140"]],
    ["/a_b:c.d%e-f$", ["a_b:c.d%e-f$"]],
    ["/b\\x20c", ["b c"]],
    ["/caf\\xc3\\xA9", ["café"]],
    ["/\\x2f", ["/"]],
    ["  /a # comment", ["a"]],
  ])("parsePath(%j)", (text, expected) => {
    expect(parsePath(text)).toEqual({ ok: true, value: expected });
  });

  it("parsePrefix keeps wildcards apart from literal '*' segments", () => {
    expect(parsePrefix("/*/\\x2a")).toEqual({ ok: true, value: [WILDCARD, "*"] });
  });
});

describe("positioned errors", () => {
  it.each<[string, string, number, number]>([
    ["/svc/world /x", "expected '=>' after prefix /svc/world, found '/'", 1, 12],
    ["/svc/world = > /x", "expected '=>' after prefix /svc/world, found '='", 1, 12],
    [
      "/svc => /#/io.l5d.consul/dc1;\n/svc/world => /svc/world-v2\n  /svc/hello => /x",
      "expected ';' or end of input after the dentry for /svc/world, found '/'",
      3,
      3,
    ],
    ["# header\n\n/a => ", "expected a path, '(', '!', '~' or '$', found end of input", 3, 7],
    ["/a =>\n  (/b |\n   /c", "expected ')' to close the '(' at line 2, column 3, found end of input", 3, 6],
    ["/a => 0.5 /b", "expected '*' after weight 0.5, found '/'", 1, 11],
    ["/a => 1.2.3 * /b", "invalid weight '1.2.3': expected digits with at most one '.'", 1, 7],
    ["/a => . * /b", "invalid weight '.': expected digits with at most one '.'", 1, 7],
    ["/a => -1 * /b", "a weight must not be negative", 1, 7],
    [`/a => 1${"0".repeat(400)} * /b`, `weight 1${"0".repeat(400)} is too large`, 1, 7],
    ["/a/ => /b", "a path must not end with '/'", 1, 3],
    ["/a => /b/", "a path must not end with '/'", 1, 9],
    ["/a//b => /c", "empty path segment: '//' is not allowed", 1, 4],
    [
      "/svc/wörld => /x",
      "'ö' (U+00F6) is not allowed in a path segment (letters, digits and _:.#$%- are); write it as \\xc3\\xb6",
      1,
      7,
    ],
    ["/svc/foo* => /x", "'*' must be a whole prefix segment, as in /svc/*/world", 1, 9],
    ["/svc/*foo => /x", "'*' must be a whole prefix segment, as in /svc/*/world", 1, 7],
    ["/a => /b/*", "'*' (any segment) is only allowed in a dentry prefix", 1, 10],
    ["/a => /b\\y", "expected 'x' after '\\': bytes are escaped as \\xHH", 1, 10],
    ["/a => /b\\xZ1", "expected two hex digits after '\\x'", 1, 11],
    ["/a => /b\\xff", "the escaped bytes of this segment are not valid UTF-8", 1, 8],
    [";", "expected '/' to start a prefix, found ';'", 1, 1],
    ["/a => /b;;", "expected '/' to start a prefix, found ';'", 1, 10],
    ["svc => /b", "expected '/' to start a prefix, found 's'", 1, 1],
    ["/a => /b )", "expected ';' or end of input after the dentry for /a, found ')'", 1, 10],
    ["/a => /b\t\r\n=> /c", "expected ';' or end of input after the dentry for /a, found '='", 2, 1],
  ])("%j", (text, message, line, column) => {
    const result = parseDtab(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({ message, line, column });
      const lines = text.slice(0, result.error.offset).split("\n");
      expect(lines.length).toBe(line);
      expect((lines.at(-1) ?? "").length + 1).toBe(column);
    }
  });

  it.each<[string, () => unknown, string]>([
    ["a path", () => parsePath("/a /b"), "expected end of input after the path, found '/'"],
    ["a prefix", () => parsePrefix("/a/*/b =>"), "expected end of input after the prefix, found '='"],
    ["a name tree", () => parseNameTree("/a )"), "expected end of input after the name tree, found ')'"],
    ["a wildcard in a path", () => parsePath("/a/*"), "'*' (any segment) is only allowed in a dentry prefix"],
  ])("ends %s", (_name, parse, message) => {
    expect(parse()).toMatchObject({ ok: false, error: { message } });
  });

  it("reports deep nesting instead of overflowing the stack", () => {
    const result = parseNameTree(`${"(".repeat(100_000)}/a${")".repeat(100_000)}`);
    expect(result).toMatchObject({ ok: false, error: { message: "parentheses nested more than 500 deep" } });
  });
});
