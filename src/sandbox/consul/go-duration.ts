/** Go's time.Duration text ("15s", "1h30m", "500ms"), which Consul uses for TTLs, lock delays and check intervals. */

const NANOS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  "\u00b5s": 1e3,
  "\u03bcs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const SECOND = 1e9;

/** Parses like Go's time.ParseDuration, to nanoseconds; throws Error with Go's message. */
export function parseGoDuration(text: string): number {
  const invalid = () => new Error(`time: invalid duration ${JSON.stringify(text)}`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid();
  let total = 0;
  while (rest !== "") {
    const number = /^(\d*)(\.\d*)?/.exec(rest)?.[0] ?? "";
    if (number === "" || number === ".") throw invalid();
    rest = rest.slice(number.length);
    const unit = /^[^\d.]*/.exec(rest)?.[0] ?? "";
    if (unit === "") throw new Error(`time: missing unit in duration ${JSON.stringify(text)}`);
    const scale = NANOS_PER_UNIT[unit];
    if (scale === undefined) {
      throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}`);
    }
    rest = rest.slice(unit.length);
    total += Number(number) * scale;
  }
  return sign * Math.round(total);
}

/** Formats nanoseconds like Go's Duration.String: "0s", "1.5ms", "2s", "10m0s", "1h0m0s". */
export function formatGoDuration(nanos: number): string {
  if (nanos === 0) return "0s";
  const sign = nanos < 0 ? "-" : "";
  const value = Math.abs(Math.round(nanos));
  if (value < SECOND) {
    if (value < 1e3) return `${sign}${value}ns`;
    if (value < 1e6) return `${sign}${fraction(value, 1e3)}\u00b5s`;
    return `${sign}${fraction(value, 1e6)}ms`;
  }
  const hours = Math.floor(value / 3600e9);
  const minutes = Math.floor((value % 3600e9) / 60e9);
  const seconds = `${fraction(value % 60e9, SECOND)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

/** `value / unit` with the fraction's trailing zeros dropped, as Go prints it. */
function fraction(value: number, unit: number): string {
  const whole = Math.floor(value / unit);
  const digits = String(unit).length - 1;
  const rest = String(value % unit)
    .padStart(digits, "0")
    .replace(/0+$/, "");
  return rest === "" ? String(whole) : `${whole}.${rest}`;
}
