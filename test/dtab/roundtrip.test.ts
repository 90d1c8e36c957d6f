import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type NameTree,
  type Path,
  type Prefix,
  parseDtab,
  parseNameTree,
  parsePath,
  parsePrefix,
  printDtab,
  printNameTree,
  printPath,
  printPrefix,
} from "../../src/dtab/index.js";
import { dtabArb, nameTreeArb, pathArb, prefixArb, tree } from "./support.js";

/** Whitespace and comments that may sit between any two tokens. */
const gapArb = fc.constantFrom("", " ", "\t", "\n  ", " # a comment | & ; ( )\n", "\r\n");

/** A segment written the way Finagle prints non-showable ones: every byte escaped. */
const escapedSegmentArb = (segment: string): fc.Arbitrary<string> =>
  fc.constantFrom(
    printPath([segment]).slice(1),
    Array.from(
      new TextEncoder().encode(segment),
      (byte) => `\\x${byte.toString(16).toUpperCase().padStart(2, "0")}`,
    ).join(""),
  );

const noisyPath = (path: Path): fc.Arbitrary<string> =>
  fc.tuple(...path.map(escapedSegmentArb)).map((segments) => `/${segments.join("/")}`);

/**
 * Hand-written-looking text for a tree: arbitrary gaps and comments, redundant parentheses
 * around simple terms, explicit `1 *` weights, and alternative escapes; it must parse back to
 * the same tree.
 */
const noisyTree = (t: NameTree): fc.Arbitrary<string> => {
  const simple = (node: NameTree): fc.Arbitrary<string> => {
    switch (node.kind) {
      case "leaf":
        return fc
          .tuple(noisyPath(node.path), fc.boolean(), gapArb, gapArb)
          .map(([text, parens, g1, g2]) => (parens ? `(${g1}${text}${g2})` : text));
      case "fail":
        return fc.constant("!");
      case "neg":
        return fc.constant("~");
      case "empty":
        return fc.constant("$");
      default:
        return fc.tuple(noisyTree(node), gapArb, gapArb).map(([text, g1, g2]) => `(${g1}${text}${g2})`);
    }
  };
  const tree1 = (node: NameTree): fc.Arbitrary<string> =>
    node.kind !== "union"
      ? simple(node)
      : fc
          .tuple(
            ...node.branches.map((branch) =>
              fc
                .tuple(simple(branch.tree), fc.boolean(), gapArb, gapArb)
                .map(([text, explicit, g1, g2]) =>
                  branch.weight !== 1 || explicit ? `${printWeight(branch.weight)}${g1}*${g2}${text}` : text,
                ),
            ),
            gapArb,
          )
          .map(([...parts]) => {
            const gap = parts.pop() ?? "";
            return parts.join(`${gap}&${gap}`);
          });
  return t.kind !== "alt"
    ? tree1(t)
    : fc.tuple(...t.trees.map(tree1), gapArb).map(([...parts]) => {
        const gap = parts.pop() ?? "";
        return parts.join(`${gap}|${gap}`);
      });
};

/** Weights via the printer, so the noisy text tests the parser, not a second formatter. */
const printWeight = (weight: number): string => {
  const text = printNameTree({
    kind: "union",
    branches: [
      { weight, tree: { kind: "neg" } },
      { weight: 2, tree: { kind: "neg" } },
    ],
  });
  return text.slice(0, text.indexOf(" *"));
};

describe("round trips", () => {
  it("parse(print(tree)) is the tree", () => {
    fc.assert(
      fc.property(nameTreeArb, (t) => {
        expect(parseNameTree(printNameTree(t))).toEqual({ ok: true, value: t });
      }),
    );
  });

  it("parse(print(dtab)) is the dtab, inline and one per line", () => {
    fc.assert(
      fc.property(dtabArb, fc.boolean(), (d, multiline) => {
        expect(parseDtab(printDtab(d, { multiline }))).toEqual({ ok: true, value: d });
      }),
    );
  });

  it("paths and prefixes survive printing, escapes included", () => {
    fc.assert(
      fc.property(pathArb, prefixArb, (path: Path, prefix: Prefix) => {
        expect(parsePath(printPath(path))).toEqual({ ok: true, value: path });
        expect(parsePrefix(printPrefix(prefix))).toEqual({ ok: true, value: prefix });
      }),
    );
  });

  it("hand-written text parses to the tree it spells, and prints canonically", () => {
    fc.assert(
      fc.property(
        nameTreeArb.chain((t) => fc.tuple(fc.constant(t), noisyTree(t))),
        ([t, text]) => {
          const parsed = parseNameTree(text);
          expect(parsed).toEqual({ ok: true, value: t });
          expect(parsed.ok && printNameTree(parsed.value)).toBe(printNameTree(t));
        },
      ),
    );
  });

  it("print(parse(text)) is a fixed point for any text that parses", () => {
    const tokens = fc.constantFrom(
      "/a",
      "/b/c",
      "/#/ns",
      "/*",
      "*",
      "=>",
      "|",
      "&",
      "(",
      ")",
      "!",
      "~",
      "$",
      ";",
      " ",
      "\n",
      "#c\n",
      "0.5",
      "2",
      "/",
    );
    fc.assert(
      fc.property(
        fc.array(tokens, { maxLength: 25 }).map((parts) => parts.join("")),
        (text) => {
          const first = parseDtab(text);
          if (first.ok) {
            const printed = printDtab(first.value);
            expect(parseDtab(printed)).toEqual(first);
            const again = parseDtab(printed);
            expect(again.ok && printDtab(again.value)).toBe(printed);
          } else {
            const { offset, line, column } = first.error;
            const before = text.slice(0, offset).split("\n");
            expect([line, column]).toEqual([before.length, (before.at(-1) ?? "").length + 1]);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("never throws, whatever the input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (text) => {
        for (const parse of [parseDtab, parseNameTree, parsePath, parsePrefix]) {
          const result = parse(text);
          expect(result.ok || result.error.offset <= text.length).toBe(true);
        }
      }),
    );
  });
});

describe("precedence", () => {
  const simpleArb = fc.constantFrom("/a", "/b/c", "!", "~", "$", "(/x | /y)");

  it("binds '|' looser than '&'", () => {
    fc.assert(
      fc.property(simpleArb, simpleArb, simpleArb, (a, b, c) => {
        expect(tree(`${a} | ${b} & ${c}`)).toEqual({
          kind: "alt",
          trees: [tree(a), tree(`${b} & ${c}`)],
        });
        expect(tree(`${a} & ${b} | ${c}`)).toEqual({
          kind: "alt",
          trees: [tree(`${a} & ${b}`), tree(c)],
        });
      }),
    );
  });
});
