import { formatDuration } from "../specs/duration.js";

/**
 * node-cron takes cron expressions; users think in intervals (Flux's `interval: 1m`). An interval
 * that divides a minute, an hour or a day evenly becomes the matching six-field expression.
 */
export function intervalToCron(ms: number): string {
  const seconds = ms / 1000;
  if (Number.isInteger(seconds) && seconds >= 1 && seconds < 60 && 60 % seconds === 0)
    return `*/${seconds} * * * * *`;
  const minutes = seconds / 60;
  if (Number.isInteger(minutes) && minutes >= 1 && minutes < 60 && 60 % minutes === 0)
    return `0 */${minutes} * * * *`;
  const hours = minutes / 60;
  if (Number.isInteger(hours) && hours >= 1 && hours <= 24 && 24 % hours === 0) return `0 0 */${hours} * * *`;
  throw new RangeError(
    `interval ${formatDuration(ms)} does not divide a minute, an hour or a day evenly (e.g. 30s, 1m, 5m, 1h)`,
  );
}
