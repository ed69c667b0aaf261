// The bridge and the simulator as child processes from dist/ (what users run), for end-to-end
// tests. `npm test` builds dist/ before running the suite.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { scratchStateHome } from "./state-home.js";

export const MAIN = resolve(import.meta.dirname, "../../dist/main.js");

export function requireBuild(): void {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test builds it first).`);
}

export interface SimProcess {
  readonly child: ChildProcess;
  /** Sends a control line and resolves with its one-line answer. */
  control(line: string): Promise<string>;
  stop(): Promise<void>;
}

/** `upslink2mqtt simulate --pty LINK`: resolves once the pseudo-terminal is ready. */
export async function startSimulator(link: string, profile = "smartups-3g-120"): Promise<SimProcess> {
  requireBuild();
  const child = spawn(process.execPath, [MAIN, "simulate", "--pty", link, "--profile", profile], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  if (child.stdout === null) throw new Error("no stdout");
  createInterface({ input: child.stdout }).on("line", (line) => {
    const waiter = waiters.shift();
    if (waiter !== undefined) waiter(line);
    else lines.push(line);
  });
  const nextLine = (timeoutMs = 15_000) =>
    new Promise<string>((resolveLine, reject) => {
      const queued = lines.shift();
      if (queued !== undefined) {
        resolveLine(queued);
        return;
      }
      const timer = setTimeout(
        () => reject(new Error(`simulator said nothing within ${timeoutMs} ms; stderr: ${stderr}`)),
        timeoutMs,
      );
      waiters.push((line) => {
        clearTimeout(timer);
        resolveLine(line);
      });
    });
  const ready = await nextLine();
  if (!ready.startsWith("ready")) throw new Error(`simulator did not start: ${ready} ${stderr}`);
  let stopped: Promise<void> | null = null;
  return {
    child,
    async control(line) {
      child.stdin?.write(`${line}\n`);
      return nextLine();
    },
    stop() {
      stopped ??= new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          done();
          return;
        }
        child.once("exit", () => done());
        child.kill("SIGTERM");
      });
      return stopped;
    },
  };
}

export interface BridgeProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `upslink2mqtt` (run) with the given UPSLINK_* environment. */
export function startBridge(
  env: Readonly<Record<string, string>>,
  args: readonly string[] = [],
): BridgeProcess {
  requireBuild();
  const child = spawn(process.execPath, [MAIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      XDG_STATE_HOME: scratchStateHome(),
      ...env,
    },
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once("exit", (code, signal) => done({ code, signal }));
  });
  return {
    child,
    exited,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
