// The built bridge (`node dist/main.js`) as a child process, for the tests that check what users
// run: the production install, the firmware advisory end to end, the Node-RED examples.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { scratchStateHome } from "../helpers/state-home.js";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const MAIN_JS = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

/** `npm test` builds first; a lone `vitest run` of these files builds once when dist/ is missing. */
export function ensureBuilt(): void {
  if (existsSync(MAIN_JS)) return;
  execFileSync(
    process.execPath,
    [
      fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url)),
      "-p",
      "tsconfig.build.json",
    ],
    {
      cwd: REPO_ROOT,
      stdio: "inherit",
    },
  );
}

export interface BridgeProcess {
  readonly child: ChildProcess;
  /** Everything written to standard error so far (the pino log). */
  output(): string;
  /** Sends the signal and resolves with the exit code once the process has exited. */
  stop(
    signal?: NodeJS.Signals,
  ): Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
}

export function startBridge(options: {
  readonly mainJs?: string;
  readonly cwd?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly args?: readonly string[];
}): BridgeProcess {
  const child = spawn(process.execPath, [options.mainJs ?? MAIN_JS, ...(options.args ?? [])], {
    cwd: options.cwd ?? REPO_ROOT,
    // Only what the bridge needs: no UPSLINK_* leaking in from the developer's shell.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      XDG_STATE_HOME: scratchStateHome(),
      UPSLINK_LOG_LEVEL: "info",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Kills a bridge that a failed test left running (after the real assertions). */
export async function killBridge(bridge: BridgeProcess | undefined): Promise<void> {
  if (bridge === undefined) return;
  const { child } = bridge;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}
