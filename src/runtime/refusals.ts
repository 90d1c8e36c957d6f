import type { Logger } from "../util/logger.js";

/** Why the status port turned a caller away; anyone who can reach the port can cause these. */
export const REFUSAL_REASONS = [
  "connection_limit",
  "aborted_upload",
  "payload_too_large",
  "bad_signature",
  "replayed_delivery",
  "unauthorized",
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Notes one refusal; `path` is absent when no request was read (a dropped connection). */
export type Refuse = (reason: RefusalReason, path?: string) => void;

export interface RefusalLogOptions {
  logger: Logger;
  /** Counts every refusal (a metric), since the log shows only a sample. */
  count: (reason: RefusalReason) => void;
  /** At most one warning per interval. */
  intervalMs: number;
  now?: () => number;
}

/**
 * Notes refusals without letting anonymous callers flood the log: at most one warning line per
 * interval, carrying how many refusals it left unlogged since the previous line, and never a stack
 * trace (a refusal is the server working, not failing).
 */
export function refusalLog(options: RefusalLogOptions): Refuse {
  const now = options.now ?? Date.now;
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  return (reason, path) => {
    options.count(reason);
    const at = now();
    if (at - lastLoggedAt < options.intervalMs) {
      unlogged += 1;
      return;
    }
    options.logger.warn(
      { reason, path, unloggedSinceLastWarning: unlogged },
      "status port refused a request (one warning per interval at most; ecsmesh_http_refused_requests_total counts all)",
    );
    lastLoggedAt = at;
    unlogged = 0;
  };
}
