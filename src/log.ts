// Logging with pino: one root logger, one child logger per module (`logger.child({ module: "link" })`).
// Wire bytes are logged at `trace` as escaped text with their direction.
//
// Two forms of the same records: `json` (one JSON object a line, for log collectors and journald)
// and `pretty` (pino's own pretty printer, pino-pretty: one readable line a record, for a terminal
// and the Home Assistant add-on's log panel). Without a configured form, pretty when the log goes to
// a terminal.
import { createRequire } from "node:module";
import { isatty } from "node:tty";
import { type DestinationStream, type Logger, pino } from "pino";

// pino-pretty is loaded only when the pretty form is used: JSON logging (containers, services,
// benchmarks) does not carry its modules in memory.
const requireModule = createRequire(import.meta.url);
type PinoPretty = typeof import("pino-pretty");

export type { Logger };
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["pretty", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The file descriptor the log goes to by default: standard error, so standard output stays for command output. */
const LOG_FD = 2;

export interface LoggerOptions {
  readonly level: LogLevel;
  /** `pretty` or `json`; null or absent: pretty when the destination is a terminal, else json. */
  readonly format?: LogFormat | null;
  /** Where lines go; standard error by default. */
  readonly destination?: NodeJS.WritableStream;
}

/** Whether a destination is a terminal (no destination: standard error). */
function isTerminal(destination?: NodeJS.WritableStream): boolean {
  return destination === undefined ? isatty(LOG_FD) : (destination as { isTTY?: unknown }).isTTY === true;
}

/** The form a logger writes: the configured one, else pretty on a terminal and json elsewhere. */
export function resolveLogFormat(format: LogFormat | null | undefined, terminal: boolean): LogFormat {
  return format ?? (terminal ? "pretty" : "json");
}

/**
 * pino-pretty's formatter, called synchronously for every record: lines stay in order with what the
 * commands print on standard output, and nothing is lost when the process exits right after a line.
 */
function prettyDestination(
  out: NodeJS.WritableStream | DestinationStream,
  colorize: boolean,
): DestinationStream {
  const { prettyFactory } = requireModule("pino-pretty") as PinoPretty;
  const prettify = prettyFactory({
    colorize,
    translateTime: "SYS:yyyy-mm-dd HH:MM:ss.l",
    // The module and UPS lead the message; the constant name and process fields are noise here.
    ignore: "pid,hostname,name,module,ups",
    messageFormat: "{if ups}[{ups}] {end}{if module}{module}: {end}{msg}",
    // The remaining fields as compact JSON on the same line: one record, one line.
    singleLine: true,
  });
  return { write: (line: string) => out.write(prettify(line)) };
}

export function createLogger(options: LoggerOptions): Logger {
  const terminal = isTerminal(options.destination);
  const format = resolveLogFormat(options.format, terminal);
  const raw = options.destination ?? pino.destination({ fd: LOG_FD, sync: true });
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
    format === "pretty" ? prettyDestination(raw, terminal) : raw,
  );
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
