/** Go's strconv parsing, with its error messages, for query parameters and filter values. */

/** strconv.ParseBool */
export function parseGoBool(value: string): boolean {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  throw syntaxError("ParseBool", value);
}

/** strconv.ParseInt(value, 0, 64): decimal, or 0x / 0o / 0b / 0 prefixed. */
export function parseGoInt(value: string): number {
  if (!/^-?(0|[1-9][0-9]*|0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+)$/.test(value)) {
    throw syntaxError("ParseInt", value);
  }
  const negative = value.startsWith("-");
  const digits = negative ? value.slice(1) : value;
  const parsed = /^0[0-7]+$/.test(digits) ? Number.parseInt(digits, 8) : Number(digits);
  return negative ? -parsed : parsed;
}

/** strconv.ParseUint(value, 10, 64) */
export function parseGoUint(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw syntaxError("ParseUint", value);
  return Number(value);
}

function syntaxError(fn: string, value: string): Error {
  return new Error(`strconv.${fn}: parsing ${JSON.stringify(value)}: invalid syntax`);
}
