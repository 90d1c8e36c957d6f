import pino, { type Logger } from "pino";

export type { Logger };

/** One root logger per process; everything else takes a child with its own bindings. */
export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { app: "ecsmesh" },
      // Secrets never reach logs: tokens, signatures and credentials are masked wherever they appear.
      redact: {
        paths: [
          "*.token",
          "*.secret",
          "*.password",
          "*.authorization",
          "*.credentials",
          "headers.authorization",
        ],
        censor: "[redacted]",
      },
    },
    options.destination ?? pino.destination(2),
  );
}

/** For tests and library use: logs nothing. */
export const silentLogger: Logger = pino({ level: "silent" });
