import { z } from "zod";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(?:\d+(?:ms|s|m|h))+$/;
const PART = /(\d+)(ms|s|m|h)/g;

/** Parses Go-style durations such as `500ms`, `30s`, `1m30s`, `2h` into milliseconds. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return total;
}

/** Formats milliseconds as the shortest Go-style duration (`90000` -> `1m30s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let text = "";
  for (const unit of ["h", "m", "s", "ms"] as const) {
    const size = UNIT_MS[unit];
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      text += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return text;
}

/** Go's time.Duration is an int64 of nanoseconds: 2562047h47m16.854775807s at most. */
const GO_MAX_DURATION_MS = Number(2n ** 63n / 1_000_000n);

/**
 * A duration written as text in manifests and parsed once, here, into milliseconds,
 * so no controller ever handles the string form.
 */
export function duration(bounds: { min?: string; max?: string } = {}) {
  const min = bounds.min === undefined ? undefined : parseDuration(bounds.min);
  const max = bounds.max === undefined ? undefined : parseDuration(bounds.max);
  return z
    .string({
      error: (issue) =>
        typeof issue.input === "number"
          ? `a duration needs a unit: write ${issue.input}s (or ${issue.input}ms, ${issue.input}m, ${issue.input}h)`
          : undefined,
    })
    .regex(DURATION, { error: "expected a duration such as 500ms, 30s, 5m or 1h30m" })
    .transform((text, ctx) => {
      const ms = parseDuration(text) ?? 0;
      if (ms > GO_MAX_DURATION_MS) {
        ctx.issues.push({
          code: "custom",
          input: text,
          message: `longer than the longest duration Consul, linkerd and Prometheus take (${formatDuration(Math.floor(GO_MAX_DURATION_MS))})`,
        });
        return ms;
      }
      if (min !== undefined && ms < min) {
        ctx.issues.push({ code: "custom", input: text, message: `must be at least ${bounds.min}` });
      }
      if (max !== undefined && ms > max) {
        ctx.issues.push({ code: "custom", input: text, message: `must be at most ${bounds.max}` });
      }
      return ms;
    });
}
