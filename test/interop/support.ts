// Shared pieces of the interoperability tests: free ports, temp dirs, child processes that are
// always killed, and reading a program's view of the UPS until it shows every expected value.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { waitForValue } from "../helpers/wait.js";

export { freePort } from "../helpers/broker.js";

/** Fails with a clear message when a program the test needs is not there (CI installs them). */
export function requireExecutable(path: string, hint: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing or not executable: ${hint}`);
  }
  return path;
}

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  output(): string;
  kill(): Promise<void>;
}

/** Starts a program; its output is kept (last 64 kB) for failure messages. */
export function start(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString("latin1")).slice(-65536);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.on("error", (error) => {
    log += `\n[spawn error] ${error.message}`;
  });
  return {
    name,
    child,
    output: () => log,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 10_000 }, (error, stdout, stderr) => {
      resolve(error === null ? stdout : `${stdout}${stderr}[exit] ${error.message}`);
    });
  });
}

/** Runs a program to its end: exit code, standard output and standard error. */
export function runFull(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ readonly code: number; readonly stdout: string; readonly stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 10_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** What one value read from a third-party program must be. */
export interface ValueCheck {
  /** For the failure message: "OB", "a number above 99", … */
  readonly expected: string;
  test(value: string | undefined): boolean;
}

/** Exactly `wanted`; `null` (a profile without that value) can never be met, so the test fails. */
export const is = (wanted: string | null): ValueCheck => ({
  expected:
    wanted === null ? "a value the simulator's profile does not have (fix the test)" : JSON.stringify(wanted),
  test: (value) => wanted !== null && value === wanted,
});

export const matches = (pattern: RegExp): ValueCheck => ({
  expected: `matching ${pattern}`,
  test: (value) => value !== undefined && pattern.test(value),
});

/** A space-separated status (`OB LB`, `ONBATT`) holding `word`. */
export const hasWord = (word: string): ValueCheck => ({
  expected: `a status with ${word}`,
  test: (value) => (value ?? "").split(" ").includes(word),
});

export const present: ValueCheck = {
  expected: "any value",
  test: (value) => value !== undefined && value !== "",
};

/**
 * Not reported at all. Only meaningful once the program has demonstrably read what it would have
 * reported it from: the caller says why that holds where it uses this.
 */
export const absent: ValueCheck = { expected: "no value", test: (value) => value === undefined };

/** A number (the leading number of texts such as `120.0 Volts`) within `tolerance` of `wanted`. */
export const near = (wanted: number, tolerance: number): ValueCheck => ({
  expected: `a number within ${tolerance} of ${wanted}`,
  test: (value) => Math.abs(Number.parseFloat(value ?? "") - wanted) <= tolerance,
});

export const above = (limit: number): ValueCheck => ({
  expected: `a number above ${limit}`,
  test: (value) => Number.parseFloat(value ?? "") > limit,
});

/**
 * Reads `read` (upsc, apcaccess) until one reading satisfies every check, and returns that reading.
 * Third-party programs read the UPS in their own order and publish each value as they get it, so a
 * test asserts a value only by waiting for it: it never assumes that one value being there means
 * another is. A value that never becomes right fails the test with every check that still fails.
 */
export async function expectValues(
  what: string,
  read: () => Promise<string>,
  checks: Readonly<Record<string, ValueCheck>>,
  timeoutMs: number,
  context: () => string,
): Promise<Map<string, string>> {
  let last = "";
  const failing = (values: Map<string, string>): string[] =>
    Object.entries(checks)
      .filter(([key, check]) => !check.test(values.get(key)))
      .map(([key, check]) => `${key}: expected ${check.expected}, got ${JSON.stringify(values.get(key))}`);
  return waitForValue(
    `${what} (a reading with every expected value)`,
    async () => {
      last = await read();
      const values = parseKeyValues(last);
      return failing(values).length === 0 ? values : undefined;
    },
    {
      timeoutMs,
      intervalMs: 250,
      context: () =>
        `still wrong in the last reading:\n  ${failing(parseKeyValues(last)).join("\n  ")}\nlast output:\n${last}\n--- logs ---\n${context()}`,
    },
  );
}

/** `key: value` lines (upsc) or `KEY : value` lines (apcaccess) as a map. */
export function parseKeyValues(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split("\n")) {
    const at = line.indexOf(":");
    if (at > 0) map.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return map;
}
