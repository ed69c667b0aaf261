// Shared pieces of the interoperability tests: free ports, temp dirs, child processes that are
// always killed, polling a command until its output satisfies a check.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";

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

/** Runs `read` until `check` passes on its output; throws with the last output after `timeoutMs`. */
export async function pollUntil(
  what: string,
  read: () => Promise<string>,
  check: (output: string) => boolean,
  timeoutMs: number,
  context: () => string,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = await read();
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}; last output:\n${last}\n--- logs ---\n${context()}`);
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
