import { describe, expect, it } from "vitest";
import { canonicalDtab, dtabFingerprint, planDtab } from "../../../src/controllers/namerd/plan.js";

const BASE = "/svc => /#/io.l5d.consul/dc1;\n";
const CANARY = `${BASE}/svc/world => 9 * /#/io.l5d.consul/dc1/world & 1 * /#/io.l5d.consul/dc1/world-v2;\n`;

describe("planning a namerd dtab", () => {
  it("creates a missing namespace and leaves an equal one alone, whatever its formatting", () => {
    expect(planDtab(BASE, undefined, undefined, "overwrite")).toMatchObject({ verb: "create", text: BASE });
    const stored = { text: "# ours\n/svc=>/#/io.l5d.consul/dc1", etag: "v1" };
    expect(canonicalDtab(stored.text)).toBe(canonicalDtab(BASE));
    expect(planDtab(BASE, stored, dtabFingerprint(BASE), "overwrite")).toMatchObject({ verb: "noop" });
  });

  it("updates with If-Match when the manifests changed", () => {
    const stored = { text: BASE, etag: "v7" };
    expect(planDtab(CANARY, stored, dtabFingerprint(BASE), "report")).toEqual({
      verb: "update",
      reason: "differs from the manifests",
      text: CANARY,
      etag: "v7",
    });
  });

  it("treats a hand edit as drift: overwritten or only reported, as the policy says", () => {
    const edited = { text: `${BASE}/svc/world => /#/io.l5d.consul/dc1/world-v2;`, etag: "v8" };
    expect(planDtab(CANARY, edited, dtabFingerprint(BASE), "report")).toEqual({
      verb: "drift",
      reason: "edited by hand since the last apply; driftPolicy report leaves it",
    });
    expect(planDtab(CANARY, edited, dtabFingerprint(BASE), "overwrite")).toMatchObject({
      verb: "update",
      reason: "edited by hand since the last apply; driftPolicy overwrite restores it",
      etag: "v8",
    });
  });
});
