import { describe, expect, it } from "vitest";
import { type RefusalReason, refusalLog } from "../../src/runtime/refusals.js";
import { createLogger } from "../../src/util/logger.js";

describe("refusalLog", () => {
  it("warns at most once per interval, saying how many it left out, and counts every refusal", () => {
    const lines: Record<string, unknown>[] = [];
    const counted: RefusalReason[] = [];
    let now = 0;
    const refuse = refusalLog({
      logger: createLogger({
        level: "info",
        destination: { write: (line) => void lines.push(JSON.parse(line)) },
      }),
      count: (reason) => counted.push(reason),
      intervalMs: 60_000,
      now: () => now,
    });
    refuse("bad_signature", "/hooks/git");
    for (let i = 0; i < 99; i += 1) refuse("unauthorized", "/status");
    now = 59_999;
    refuse("unauthorized", "/status");
    now = 60_000;
    refuse("connection_limit");

    expect(counted).toHaveLength(102);
    expect(
      lines.map(({ level, reason, path, unloggedSinceLastWarning }) => [
        level,
        reason,
        path,
        unloggedSinceLastWarning,
      ]),
    ).toEqual([
      [40, "bad_signature", "/hooks/git", 0],
      [40, "connection_limit", undefined, 100],
    ]);
  });
});
