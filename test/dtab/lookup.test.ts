import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DtabIndex, delegate, matchesPrefix } from "../../src/dtab/index.js";
import { dtab, path } from "./support.js";

describe("DtabIndex", () => {
  it("finds the dentries a scan would, latest first", () => {
    const segment = fc.constantFrom("a", "b", "*");
    const prefixText = fc.array(segment, { maxLength: 3 }).map((segments) => `/${segments.join("/")}`);
    const pathText = fc.array(fc.constantFrom("a", "b", "c"), { maxLength: 4 }).map((s) => `/${s.join("/")}`);
    fc.assert(
      fc.property(fc.array(prefixText, { maxLength: 8 }), pathText, (prefixes, from) => {
        const table = dtab(prefixes.map((prefix, i) => `${prefix} => /#/d${i}`).join(";"));
        const scanned = [...table].reverse().filter((dentry) => matchesPrefix(dentry.prefix, path(from)));
        expect(new DtabIndex(table).matching(path(from))).toEqual(scanned);
      }),
      { numRuns: 300 },
    );
  });

  // Counted rather than timed: delegating every prefix of a chain through one index does work
  // proportional to the chain (each walk stops after maxDepth rewrites), not to its square.
  it("delegates every prefix of a long chain in linear work", () => {
    const stepsForChain = (length: number): number => {
      const lines = Array.from({ length }, (_, i) => `/a${i} => /a${i + 1}`);
      const index = new DtabIndex(dtab([...lines, `/a${length} => /#/end`].join(";")));
      for (let i = 0; i <= length; i++) delegate(index, path(`/a${i}`));
      return index.steps;
    };
    const small = stepsForChain(1000);
    expect(small).toBeGreaterThan(1000);
    expect(stepsForChain(4000)).toBeLessThanOrEqual(4.5 * small);
  });
});
