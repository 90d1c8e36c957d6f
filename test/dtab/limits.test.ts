import { describe, expect, it } from "vitest";
import { delegate, finalDestinations, firstException, parseDtab } from "../../src/dtab/index.js";
import { dtab, path } from "./support.js";

describe("weights the parser refuses", () => {
  it.each([
    ["/a => 1e400 * /b & /c", "invalid weight '1e400': weights are plain decimals, without an exponent", 7],
    ["/a => 2E-3 * /b & /c", "invalid weight '2E-3': weights are plain decimals, without an exponent", 7],
    ["/a => NaN * /b & /c", "invalid weight 'NaN': weights are non-negative decimals such as 9 or 0.5", 7],
    [
      "/a => /b & Infinity * /c",
      "invalid weight 'Infinity': weights are non-negative decimals such as 9 or 0.5",
      12,
    ],
    [
      `/a => ${"9".repeat(308)} * /b & ${"9".repeat(308)} * /c`,
      "the weights of this union add up to more than the largest number: scale them down",
      7,
    ],
  ])("%s", (text, message, column) => {
    expect(parseDtab(text)).toEqual({ ok: false, error: { message, offset: column - 1, line: 1, column } });
  });
});

describe("delegation of hostile dtabs", () => {
  it("turns deep nesting along a chain into an exception, not a stack overflow", () => {
    const nested = (inner: string) => `${"(/#/n | ".repeat(450)}${inner}${")".repeat(450)}`;
    const chain = Array.from({ length: 99 }, (_, i) => `/d${i} => ${nested(`/d${i + 1}`)}`);
    const tree = delegate(dtab([...chain, "/d99 => /#/end"].join(";")), path("/d0"));
    expect(firstException(tree)).toMatch(/^delegation nests more than 1000 levels deep/);
    expect(finalDestinations(tree).outcome).toBe("bound");
  });

  it("finds an exception in a branch that finalDestinations never reaches", () => {
    const tree = delegate(dtab("/a => /#/ok | /a; /b => 1 * /#/ok & 1 * /b"), path("/a"));
    expect(finalDestinations(tree).outcome).toBe("bound");
    expect(firstException(tree)).toBe("delegation loops: /a -> /a");
    expect(firstException(delegate(dtab("/b => 1 * /#/ok & 1 * /b"), path("/b")))).toBe(
      "delegation loops: /b -> /b",
    );
    expect(firstException(delegate(dtab("/a => /#/ok"), path("/a")))).toBeUndefined();
  });
});
