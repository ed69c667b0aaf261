// What a command may use of the outside world. Only src/start.ts builds one from `process`, so every
// command can be run in tests with its own streams and environment.
import type { Readable, Writable } from "node:stream";

export interface CliIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Resolves when SIGINT or SIGTERM arrives (long-running commands stop cleanly on it). */
  readonly stopSignal: Promise<string>;
}

/** Exit codes of the contract: 0 clean stop, 1 runtime failure, 2 bad configuration or usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export type Command = (args: readonly string[], io: CliIo) => Promise<number>;

export function writeLine(stream: Writable, text = ""): void {
  stream.write(`${text}\n`);
}
