/** Helpers and fast-check generators shared by the dtab tests. */

import fc from "fast-check";
import {
  type Dentry,
  type Dtab,
  type NameTree,
  type ParseResult,
  type Path,
  type Prefix,
  parseDtab,
  parseNameTree,
  parsePath,
  parsePrefix,
  WILDCARD,
} from "../../src/dtab/index.js";

export function unwrap<T>(result: ParseResult<T>): T {
  if (!result.ok) {
    const { message, line, column } = result.error;
    throw new Error(`unexpected parse error at ${line}:${column}: ${message}`);
  }
  return result.value;
}

export const dtab = (text: string): Dtab => unwrap(parseDtab(text));
export const tree = (text: string): NameTree => unwrap(parseNameTree(text));
export const path = (text: string): Path => unwrap(parsePath(text));
export const prefix = (text: string): Prefix => unwrap(parsePrefix(text));

export const leaf = (text: string): NameTree => ({ kind: "leaf", path: path(text) });

/** Segments mixing showable characters with anything else Unicode has (no lone surrogates). */
export const segmentArb: fc.Arbitrary<string> = fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(..."abcxyz019_:.#$%-AZ") },
    { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  ),
  minLength: 1,
  maxLength: 6,
});

export const pathArb: fc.Arbitrary<Path> = fc.array(segmentArb, { maxLength: 4 });

export const prefixArb: fc.Arbitrary<Prefix> = fc.array(
  fc.oneof({ weight: 4, arbitrary: segmentArb }, { weight: 1, arbitrary: fc.constant(WILDCARD) }),
  { maxLength: 4 },
);

/** Weights as people write them and as floating point produces them; `+ 0` turns -0 into 0. */
export const weightArb: fc.Arbitrary<number> = fc
  .oneof(
    fc.constant(1),
    fc.constant(0),
    fc.integer({ min: 0, max: 100 }),
    fc.double({ min: 0, max: 1e25, noNaN: true }),
  )
  .map((weight) => weight + 0);

/** Trees as the parser produces them: alternations and unions have at least two members. */
export const nameTreeArb: fc.Arbitrary<NameTree> = fc.letrec<{ tree: NameTree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    pathArb.map((p): NameTree => ({ kind: "leaf", path: p })),
    fc.constantFrom<NameTree>({ kind: "fail" }, { kind: "neg" }, { kind: "empty" }),
    fc.array(tie("tree"), { minLength: 2, maxLength: 3 }).map((trees): NameTree => ({ kind: "alt", trees })),
    fc
      .array(fc.record({ weight: weightArb, tree: tie("tree") }), { minLength: 2, maxLength: 3 })
      .map((branches): NameTree => ({ kind: "union", branches })),
  ),
})).tree;

export const dentryArb: fc.Arbitrary<Dentry> = fc.record({ prefix: prefixArb, dst: nameTreeArb });

export const dtabArb: fc.Arbitrary<Dtab> = fc.array(dentryArb, { maxLength: 4 });
