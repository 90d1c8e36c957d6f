import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/specs/duration.js";

describe("durations", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["1m30s250ms", 90_250],
  ])("parses %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it.each(["", "5", "5 s", "-5s", "1.5s", "5d", "s"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
