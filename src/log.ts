// Logging with pino: one root logger, one child logger per module (`logger.child({ module: "link" })`).
// Wire bytes are logged at `trace` as escaped text with their direction.
import { type Logger, pino } from "pino";

export type { Logger };
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; standard error by default so standard output stays for command output. */
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ fd: 2, sync: true });
  return pino(
    {
      level: options.level,
      base: { name: "upslink2mqtt" },
      // Secrets never reach a log line, whichever module logs a config object.
      redact: {
        paths: ["password", "*.password", "*.*.password", "mqtt.password", "key", "*.key"],
        censor: "[redacted]",
      },
    },
    destination,
  );
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
