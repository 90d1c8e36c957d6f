/** Where a command writes; the real process streams in production, buffers in tests. */
export interface CliIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Colour only for a person at a terminal, and never when NO_COLOR is set. */
  readonly color: boolean;
}

export const processIO: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  color: Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined,
};

/** Exit codes: 0 ok, 1 invalid input or failure, 64 bad usage (sysexits EX_USAGE). */
export const EXIT = { ok: 0, invalid: 1, usage: 64 } as const;

export class UsageError extends Error {}
