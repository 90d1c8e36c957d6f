import { describe, expect, it } from "vitest";
import { formatGoDuration, parseGoDuration } from "../../../src/sandbox/consul/go-duration.js";

describe("Go durations", () => {
  it("parses what time.ParseDuration accepts, to nanoseconds", () => {
    expect(parseGoDuration("15s")).toBe(15e9);
    expect(parseGoDuration("1h30m")).toBe(5400e9);
    expect(parseGoDuration("1.5ms")).toBe(1.5e6);
    expect(parseGoDuration("250us")).toBe(250e3);
    expect(parseGoDuration("-2m")).toBe(-120e9);
    expect(parseGoDuration("0")).toBe(0);
  });

  it("refuses what Go refuses, with Go's messages", () => {
    expect(() => parseGoDuration("15")).toThrow('time: missing unit in duration "15"');
    expect(() => parseGoDuration("5d")).toThrow('time: unknown unit "d" in duration "5d"');
    expect(() => parseGoDuration("")).toThrow('time: invalid duration ""');
    expect(() => parseGoDuration("s")).toThrow('time: invalid duration "s"');
  });

  it("formats like Duration.String", () => {
    expect(formatGoDuration(0)).toBe("0s");
    expect(formatGoDuration(500)).toBe("500ns");
    expect(formatGoDuration(1.5e6)).toBe("1.5ms");
    expect(formatGoDuration(2e9)).toBe("2s");
    expect(formatGoDuration(90e9)).toBe("1m30s");
    expect(formatGoDuration(600e9)).toBe("10m0s");
    expect(formatGoDuration(86_400e9)).toBe("24h0m0s");
    expect(formatGoDuration(1.25e9)).toBe("1.25s");
  });
});
