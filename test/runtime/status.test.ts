import { describe, expect, it } from "vitest";
import { redactUserinfo } from "../../src/runtime/redact.js";
import {
  type Condition,
  HISTORY_LIMIT,
  initialStatus,
  type PassRecord,
  resourcePhase,
  setCondition,
  withPass,
} from "../../src/runtime/status.js";
import { sampleStatus } from "./status-fixture.js";

const T0 = new Date("2025-06-02T10:00:00.000Z");
const T1 = new Date("2025-06-02T10:05:00.000Z");

const pass = (revision: string | undefined, outcome: PassRecord["outcome"]): PassRecord => ({
  revision,
  startedAt: T0.toISOString(),
  durationMs: 10,
  outcome,
  summary: outcome,
});

describe("setCondition", () => {
  it("appends a new condition with the current time", () => {
    const conditions = setCondition(
      [],
      { type: "Ready", status: "Unknown", reason: "Progressing", message: "" },
      T0,
    );
    expect(conditions).toEqual([
      {
        type: "Ready",
        status: "Unknown",
        reason: "Progressing",
        message: "",
        lastTransitionTime: T0.toISOString(),
      },
    ]);
  });

  it("keeps lastTransitionTime when the status stays, but takes the new reason and message", () => {
    const before = setCondition(
      [],
      { type: "Ready", status: "False", reason: "ApplyFailed", message: "a" },
      T0,
    );
    const after = setCondition(
      before,
      { type: "Ready", status: "False", reason: "HealthCheckFailed", message: "b" },
      T1,
    );
    expect(after).toEqual([
      {
        type: "Ready",
        status: "False",
        reason: "HealthCheckFailed",
        message: "b",
        lastTransitionTime: T0.toISOString(),
      },
    ]);
  });

  it("moves lastTransitionTime when the status changes, in place and leaving other types alone", () => {
    const before: Condition[] = [
      { type: "Ready", status: "False", reason: "x", message: "", lastTransitionTime: T0.toISOString() },
      { type: "Stalled", status: "True", reason: "y", message: "", lastTransitionTime: T0.toISOString() },
    ];
    const after = setCondition(
      before,
      { type: "Ready", status: "True", reason: "Succeeded", message: "" },
      T1,
    );
    expect(after.map((c) => [c.type, c.status, c.lastTransitionTime])).toEqual([
      ["Ready", "True", T1.toISOString()],
      ["Stalled", "True", T0.toISOString()],
    ]);
    expect(before[0]?.status).toBe("False");
  });
});

describe("withPass", () => {
  it("makes the record the last pass and keeps at most HISTORY_LIMIT, newest first", () => {
    let status = initialStatus({ url: "https://example.com/r.git", ref: "main", path: "." }, "me");
    for (let index = 0; index < HISTORY_LIMIT + 5; index++)
      status = withPass(status, pass(`rev-${index}`, "unchanged"));
    expect(status.history).toHaveLength(HISTORY_LIMIT);
    expect(status.history[0]?.revision).toBe(`rev-${HISTORY_LIMIT + 4}`);
    expect(status.history.at(-1)?.revision).toBe("rev-5");
    expect(status.lastPass).toBe(status.history[0]);
  });

  it("moves lastAttemptedRevision on every pass and lastAppliedRevision only when converged", () => {
    let status = initialStatus({ url: "u", ref: "main", path: "." }, "me");
    status = withPass(status, pass("a", "applied"));
    status = withPass(status, pass("b", "failed"));
    expect([status.lastAppliedRevision, status.lastAttemptedRevision]).toEqual(["a", "b"]);
    status = withPass(status, pass("c", "invalid"));
    expect([status.lastAppliedRevision, status.lastAttemptedRevision]).toEqual(["a", "c"]);
    status = withPass(status, pass(undefined, "unchanged"));
    expect([status.lastAppliedRevision, status.lastAttemptedRevision]).toEqual(["a", "c"]);
    status = withPass(status, pass("c", "unchanged"));
    expect(status.lastAppliedRevision).toBe("c");
  });
});

describe("the status model", () => {
  it("maps a resource's Ready status to a phase", () => {
    expect((["True", "Unknown", "False"] as const).map((ready) => resourcePhase({ ready }))).toEqual([
      "Ready",
      "Reconciling",
      "Stalled",
    ]);
  });

  it("survives a JSON round trip unchanged", () => {
    const status = sampleStatus();
    expect(JSON.parse(JSON.stringify(status))).toEqual(status);
  });

  it("keeps credentials in a source URL out of the status", () => {
    const status = initialStatus(
      { url: "https://x-access-token:ghs_secret@github.com/acme/mesh.git", ref: "main", path: "." },
      "me",
    );
    expect(status.source.url).toBe("https://github.com/acme/mesh.git");
    expect(redactUserinfo("https://ghp_token@github.com/acme/mesh.git")).toBe(
      "https://github.com/acme/mesh.git",
    );
    expect(redactUserinfo("git@github.com:acme/mesh.git")).toBe("git@github.com:acme/mesh.git");
    expect(redactUserinfo("https://github.com/acme/mesh.git")).toBe("https://github.com/acme/mesh.git");
    expect(redactUserinfo("https://github.com/acme/mesh.git?ref=a@b")).toBe(
      "https://github.com/acme/mesh.git?ref=a@b",
    );
    // Free text too, as git's stderr and error messages quote URLs; an unencoded @ in a password included.
    expect(redactUserinfo("fatal: 'https://u:p@ss@host:8443/r.git/' and ssh://git:pw@h/r")).toBe(
      "fatal: 'https://host:8443/r.git/' and ssh://h/r",
    );
  });
});
