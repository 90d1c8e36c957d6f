import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDtab, parseLocatedDtab, printDtab } from "../../src/dtab/index.js";
import { dtabArb } from "./support.js";

describe("parseLocatedDtab", () => {
  it("gives each dentry the line and column its prefix starts at, past comments and blank lines", () => {
    const text = "# routes\n/svc => /#/io.l5d.consul/dc1;\n\n  /web => /svc/web; /api => /svc/api\n";
    const located = parseLocatedDtab(text);
    expect(located.ok && located.value.map(({ line, column }) => [line, column])).toEqual([
      [2, 1],
      [4, 3],
      [4, 21],
    ]);
  });

  it("reads the same dentries as parseDtab", () => {
    fc.assert(
      fc.property(dtabArb, (table) => {
        const text = printDtab(table, { multiline: true });
        const located = parseLocatedDtab(text);
        const parsed = parseDtab(text);
        expect(located.ok && located.value.map((entry) => entry.dentry)).toEqual(parsed.ok && parsed.value);
      }),
    );
  });
});
