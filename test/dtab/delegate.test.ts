import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  appendDtab,
  type DelegateOptions,
  type DelegateTree,
  type Dtab,
  delegate,
  finalDestinations,
  printPath,
} from "../../src/dtab/index.js";
import { dtab, path } from "./support.js";

/** Where traffic for `from` goes, as "path share" lines or the outcome, for compact tables. */
const route = (table: Dtab, from: string, options: DelegateOptions = {}): string[] | string => {
  const result = finalDestinations(delegate(table, path(from), options));
  return result.outcome === "bound"
    ? result.destinations.map((destination) => `${printPath(destination.path)} ${destination.weight}`)
    : result.outcome;
};

/** The exception messages anywhere in a delegation tree. */
const exceptions = (tree: DelegateTree): string[] => {
  switch (tree.type) {
    case "exception":
      return [tree.message];
    case "delegate":
      return exceptions(tree.delegate);
    case "alt":
      return tree.alt.flatMap(exceptions);
    case "union":
      return tree.union.flatMap((branch) => exceptions(branch.tree));
    default:
      return [];
  }
};

const base = dtab("/svc => /#/io.l5d.consul/dc1;");
const [svc] = base;

describe("the workshop", () => {
  it("routes /svc/<host> to the Consul namer, recording path and dentry per node", () => {
    expect(delegate(base, path("/svc/world"))).toEqual({
      type: "delegate",
      path: ["svc", "world"],
      dentry: null,
      delegate: { type: "leaf", path: ["#", "io.l5d.consul", "dc1", "world"], dentry: svc },
    });
    expect(route(base, "/svc/world")).toEqual(["/#/io.l5d.consul/dc1/world 1"]);
  });

  it("reroutes a request carrying l5d-dtab: /svc/world => /svc/world-v2", () => {
    const header = dtab("/svc/world => /svc/world-v2");
    const [override] = header;
    const table = appendDtab(base, header);
    expect(table).toEqual([svc, override]);
    expect(delegate(table, path("/svc/world"))).toEqual({
      type: "alt",
      path: ["svc", "world"],
      dentry: null,
      alt: [
        {
          type: "delegate",
          path: ["svc", "world-v2"],
          dentry: override,
          delegate: { type: "leaf", path: ["#", "io.l5d.consul", "dc1", "world-v2"], dentry: svc },
        },
        { type: "leaf", path: ["#", "io.l5d.consul", "dc1", "world"], dentry: svc },
      ],
    });
    expect(route(table, "/svc/world")).toEqual(["/#/io.l5d.consul/dc1/world-v2 1"]);
    expect(route(table, "/svc/hello")).toEqual(["/#/io.l5d.consul/dc1/hello 1"]);
  });

  it("splits a canary 90/10", () => {
    const canary = dtab("/svc/world => 9 * /#/io.l5d.consul/dc1/world & 1 * /#/io.l5d.consul/dc1/world-v2");
    const [entry] = canary;
    const table = appendDtab(base, canary);
    const tree = delegate(table, path("/svc/world"));
    expect(tree).toMatchObject({
      type: "alt",
      alt: [
        { type: "union", path: ["svc", "world"], dentry: entry, union: [{ weight: 9 }, { weight: 1 }] },
        {},
      ],
    });
    expect(finalDestinations(tree)).toEqual({
      outcome: "bound",
      destinations: [
        { path: ["#", "io.l5d.consul", "dc1", "world"], weight: 0.9 },
        { path: ["#", "io.l5d.consul", "dc1", "world-v2"], weight: 0.1 },
      ],
      emptyShare: 0,
    });
  });
});

describe("lookup", () => {
  it.each<[string, string, string, string[] | string]>([
    ["later dentries win", "/svc => /#/a; /svc => /#/b", "/svc/x", ["/#/b/x 1"]],
    ["later, more general dentries win too", "/svc/x => /#/a; /svc => /#/b", "/svc/x", ["/#/b/x 1"]],
    ["a later ~ falls back to earlier dentries", "/svc => /#/a; /svc => ~", "/svc/x", ["/#/a/x 1"]],
    ["a later dead end falls back", "/svc => /#/a; /svc => /nowhere", "/svc/x", ["/#/a/x 1"]],
    ["a later ! does not fall back", "/svc => /#/a; /svc => !", "/svc/x", "fail"],
    ["a later $ does not fall back", "/svc => /#/a; /svc => $", "/svc/x", "empty"],
    ["no matching dentry is neg", "/svc => /#/a", "/other/x", "neg"],
    ["a prefix longer than the path does not match", "/svc/x/y => /#/a", "/svc/x", "neg"],
    [
      "the residual path is appended",
      "/svc => /#/io.l5d.consul/dc1",
      "/svc/world/v1/api",
      ["/#/io.l5d.consul/dc1/world/v1/api 1"],
    ],
    ["the empty prefix matches everything", "/ => /#/root", "/a/b", ["/#/root/a/b 1"]],
    ["a wildcard matches one segment", "/svc/*/world => /#/w", "/svc/dc1/world", ["/#/w 1"]],
    ["a wildcard does not match zero segments", "/svc/*/world => /#/w", "/svc/world", "neg"],
    ["a wildcard does not match two segments", "/svc/*/world => /#/w", "/svc/a/b/world", "neg"],
    ["a trailing wildcard consumes one segment", "/svc/* => /#/s", "/svc/a/b", ["/#/s/b 1"]],
    ["a literal '*' matches only '*'", "/svc/\\x2a => /#/star", "/svc/a", "neg"],
    ["rewrites chain until bound", "/a => /b; /b => /c; /c => /#/end", "/a/x", ["/#/end/x 1"]],
    ["/$/inet names are bound", "/svc => /$/inet/127.0.0.1/4140", "/svc/x", ["/$/inet/127.0.0.1/4140/x 1"]],
    ["/$/fail fails", "/svc => /$/fail", "/svc/x", "fail"],
    ["/$/nil is empty", "/svc => /$/nil", "/svc/x", "empty"],
    ["bound names are not rewritten", "/# => /#/other; /svc => /#/ns", "/svc/x", ["/#/ns/x 1"]],
    ["an alt in a destination falls through ~", "/svc => ~ | /#/b", "/svc/x", ["/#/b/x 1"]],
  ])("%s", (_name, table, from, expected) => {
    expect(route(dtab(table), from)).toEqual(expected);
  });

  it("delegates a bound path to itself", () => {
    expect(delegate([], path("/#/io.l5d.consul/dc1/world"))).toEqual({
      type: "leaf",
      path: ["#", "io.l5d.consul", "dc1", "world"],
      dentry: null,
    });
  });

  it("records each matching dentry in an alt, latest first", () => {
    const table = dtab("/svc => /#/a; /svc => ~; /svc/x => ! | $");
    const [first, second, third] = table;
    expect(delegate(table, path("/svc/x"))).toEqual({
      type: "alt",
      path: ["svc", "x"],
      dentry: null,
      alt: [
        {
          type: "alt",
          path: ["svc", "x"],
          dentry: third,
          alt: [
            { type: "fail", path: ["svc", "x"], dentry: third },
            { type: "empty", path: ["svc", "x"], dentry: third },
          ],
        },
        { type: "neg", path: ["svc", "x"], dentry: second },
        { type: "leaf", path: ["#", "a", "x"], dentry: first },
      ],
    });
  });

  it("marks a path no dentry matches as neg, with the dentry that led there", () => {
    const table = dtab("/svc => /nowhere");
    const [entry] = table;
    expect(delegate(table, path("/svc/x"))).toEqual({
      type: "delegate",
      path: ["svc", "x"],
      dentry: null,
      delegate: { type: "neg", path: ["nowhere", "x"], dentry: entry },
    });
  });
});

describe("loops and limits", () => {
  it("turns a loop into an exception naming it", () => {
    const tree = delegate(dtab("/a => /b; /b => /a"), path("/a"));
    expect(exceptions(tree)).toEqual(["delegation loops: /a -> /b -> /a"]);
    expect(finalDestinations(tree)).toEqual({
      outcome: "exception",
      destinations: [],
      message: "delegation loops: /a -> /b -> /a",
    });
  });

  it("catches a path that delegates to itself", () => {
    expect(route(dtab("/a => /a"), "/a/x")).toBe("exception");
  });

  it("gives up on a path that keeps growing, at depth 100 by default", () => {
    const tree = delegate(dtab("/a => /a/x"), path("/a"));
    const [message] = exceptions(tree);
    expect(message).toMatch(/^delegation exceeded 100 rewrites: \/a -> \.\.\. -> \/a(\/x){100}$/);
    expect(finalDestinations(tree).outcome).toBe("exception");
  });

  it("honours a custom depth: exactly maxDepth rewrites still bind", () => {
    const chain = dtab("/a => /b; /b => /c; /c => /#/end");
    expect(route(chain, "/a", { maxDepth: 3 })).toEqual(["/#/end 1"]);
    expect(route(chain, "/a", { maxDepth: 2 })).toBe("exception");
  });

  it("does not let a loop in an untried alt branch spoil the route", () => {
    const tree = delegate(dtab("/a => /#/ok | /a"), path("/a"));
    expect(exceptions(tree)).toEqual(["delegation loops: /a -> /a"]);
    expect(finalDestinations(tree)).toMatchObject({ outcome: "bound", destinations: [{ weight: 1 }] });
  });

  it("fails when the loop is in the alt branch that is tried first, as Finagle does", () => {
    expect(route(dtab("/a => /a | /#/ok"), "/a")).toBe("exception");
  });

  it("stops a dtab that fans out exponentially", () => {
    const levels = Array.from({ length: 40 }, (_, i) => `/l${i} => /l${i + 1} & /l${i + 1}`).join(";");
    const tree = delegate(dtab(levels), path("/l0"), { maxLookups: 500 });
    expect(exceptions(tree)).toContain("delegation gave up after 500 lookups: the dtab fans out too much");
  });

  it("terminates on arbitrary small dtabs, with shares that add up", () => {
    const segment = fc.constantFrom("a", "b", "c");
    const pathText = fc.array(segment, { maxLength: 3 }).map((segments) => `/${segments.join("/")}`);
    const dst = fc.oneof(
      pathText,
      fc.constantFrom("/#/x", "/$/inet/h/1", "!", "~", "$"),
      fc.tuple(pathText, pathText).map(([a, b]) => `${a} | ${b}`),
      fc.tuple(pathText, pathText, fc.nat(3)).map(([a, b, w]) => `${w} * ${a} & 1 * ${b} | /#/y`),
    );
    const dentry = fc.tuple(pathText, dst).map(([prefix, to]) => `${prefix} => ${to}`);
    fc.assert(
      fc.property(fc.array(dentry, { maxLength: 6 }), pathText, (entries, from) => {
        const result = finalDestinations(delegate(dtab(entries.join(";")), path(from), { maxLookups: 500 }));
        if (result.outcome === "bound") {
          const total = result.destinations.reduce((sum, destination) => sum + destination.weight, 0);
          expect(total + result.emptyShare).toBeCloseTo(1, 9);
          for (const destination of result.destinations) {
            expect(["#", "$"]).toContain(destination.path[0]);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
