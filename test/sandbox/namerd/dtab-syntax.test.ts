import { describe, expect, it } from "vitest";
import { parseDtab as productParseDtab } from "../../../src/dtab/index.js";
import {
  ANY_LABEL,
  DtabSyntaxError,
  parseDtab,
  parseNameTree,
  parsePath,
  prefixMatches,
  showDtab,
  showNameTree,
  showPath,
} from "../../../src/sandbox/namerd/dtab-syntax.js";

/** Where and why the fake refuses `text` as a dtab. */
function refusal(text: string): { line: number; column: number; reason: string } | undefined {
  try {
    parseDtab(text);
    return undefined;
  } catch (error) {
    if (!(error instanceof DtabSyntaxError)) throw error;
    return { line: error.line, column: error.column, reason: error.reason };
  }
}

describe("the fake namerd's dtab syntax", () => {
  it("reads dentries with alternatives, weighted unions, groups and the three special trees", () => {
    const dtab = parseDtab("/svc => /#/io.l5d.consul/dc1 | ~; /svc/*/v2 => 0.9 * /a & .1 * (/b | !) & $");
    expect(dtab).toEqual([
      {
        prefix: ["svc"],
        dst: { type: "alt", trees: [{ type: "leaf", path: ["#", "io.l5d.consul", "dc1"] }, { type: "neg" }] },
      },
      {
        prefix: ["svc", ANY_LABEL, "v2"],
        dst: {
          type: "union",
          branches: [
            { weight: 0.9, written: "0.9", tree: { type: "leaf", path: ["a"] } },
            {
              weight: 0.1,
              written: ".1",
              tree: { type: "alt", trees: [{ type: "leaf", path: ["b"] }, { type: "fail" }] },
            },
            { weight: 1, tree: { type: "empty" } },
          ],
        },
      },
    ]);
    expect(showDtab(dtab)).toBe(
      "/svc => /#/io.l5d.consul/dc1 | ~; /svc/*/v2 => 0.9 * /a & .1 * (/b | !) & $",
    );
  });

  it("skips blanks, comments and empty dentries as Finagle does, but not a # inside a path", () => {
    const text = "# routes\n;; /svc => /#/io.l5d.consul/dc1 ; # the rest\n\n/host=>/$/inet;";
    expect(showDtab(parseDtab(text))).toBe("/svc => /#/io.l5d.consul/dc1; /host => /$/inet");
    expect(parseDtab("")).toEqual([]);
  });

  it("drops a lone branch's weight and parenthesises only where | sits inside &", () => {
    expect(parseNameTree("3 * /a")).toEqual({ type: "leaf", path: ["a"] });
    expect(showNameTree(parseNameTree("((/a | /b)) | (/c & /d)"))).toBe("(/a | /b) | /c & /d");
  });

  it("keeps escaped bytes, and shows a label with any unshowable byte fully escaped", () => {
    const path = parsePath("/svc/caf\\xc3\\xa9/a\\x2fb");
    expect(path).toEqual(["svc", "caf\u00c3\u00a9", "a/b"]);
    expect(showPath(path)).toBe("/svc/\\x63\\x61\\x66\\xc3\\xa9/\\x61\\x2f\\x62");
    expect(parsePath(showPath(path))).toEqual(path);
  });

  it("matches a prefix label by label, * standing for any one label", () => {
    const [dentry] = parseDtab("/svc/*/v2 => /a");
    expect(prefixMatches(dentry?.prefix ?? [], ["svc", "world", "v2", "extra"])).toBe(true);
    expect(prefixMatches(dentry?.prefix ?? [], ["svc", "world", "v1"])).toBe(false);
    expect(prefixMatches(dentry?.prefix ?? [], ["svc", "world"])).toBe(false);
  });

  it("refuses malformed dtabs with the line and column, in Finagle's words", () => {
    expect(refusal("/svc => /a &")).toEqual({
      line: 1,
      column: 13,
      reason: "a path, '(', '!', '~' or '$' expected but end of input found",
    });
    expect(refusal("/svc =>\n  /a/")).toMatchObject({
      line: 2,
      column: 6,
      reason: expect.stringMatching(/^a label/),
    });
    expect(refusal("/svc = > /a")).toMatchObject({ column: 7, reason: "'>' expected but ' ' found" });
    for (const text of ["svc => /a", "/a//b => /c", "/a => 1.2.3 * /b", "/a => . * /b", "/a => -1 * /b"]) {
      expect(refusal(text), text).toBeDefined();
    }
    expect(refusal("/a => /b\\x4"), "a short escape").toBeDefined();
    expect(refusal("/a => /b) "), "an unopened group").toMatchObject({
      reason: "end of input expected but ')' found",
    });
    expect(refusal("/a/*b => /c"), "a wildcard glued to a label").toBeDefined();
    expect(refusal("/ä => /c"), "an unescaped non-ASCII character").toBeDefined();
  });
});

describe("the fake's dtab text and the product's", () => {
  /** Dtabs the controller writes or an operator could, in the forms both readings accept. */
  const SHARED = [
    "/svc => /#/io.l5d.consul/dc1",
    "/svc => /#/io.l5d.consul/dc1; /svc/world => 9 * /#/io.l5d.consul/dc1/world & 1 * /#/io.l5d.consul/dc1/world-v2",
    "/svc/world => 0.25 * /#/io.l5d.consul/dc1/world-v2 & 0.75 * (/#/io.l5d.consul/dc2/world | /$/nil)",
    "/svc/*/canary => ~ | /$/fail | !; /host => /$/inet/127.0.0.1/4140 | $",
  ];

  it("read the same dtab back from what the fake shows", () => {
    for (const text of SHARED)
      expect(productParseDtab(showDtab(parseDtab(text))), text).toEqual(productParseDtab(text));
  });

  it("disagree where Finagle is more lenient than the product: empty dentries", () => {
    expect(parseDtab("/a => /b;;")).toHaveLength(1);
    expect(productParseDtab("/a => /b;;").ok).toBe(false);
  });
});
