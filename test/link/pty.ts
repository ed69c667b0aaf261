// A real pseudo-terminal pair made by socat, for serial I/O without hardware.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitUntil } from "../helpers/wait.js";

export interface PtyPair {
  /** The two ends: what one writes, the other reads. */
  readonly a: string;
  readonly b: string;
  readonly dir: string;
  /** Ends the socat process (the ptys vanish). */
  kill(): Promise<void>;
}

export async function ptyPair(): Promise<PtyPair> {
  const dir = await mkdtemp(join(tmpdir(), "upslink-pty-"));
  // Other users must reach the links (the permission test opens them as `nobody`).
  await chmod(dir, 0o755);
  const a = join(dir, "a");
  const b = join(dir, "b");
  const child: ChildProcess = spawn("socat", [`PTY,link=${a},rawer`, `PTY,link=${b},rawer`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitUntil(
      "socat to create the pty pair",
      () => {
        if (child.exitCode !== null) throw new Error(`socat exited: ${stderr}`);
        return existsSync(a) && existsSync(b);
      },
      { timeoutMs: 10_000, context: () => stderr },
    );
  } catch (error) {
    child.kill();
    throw error;
  }
  let killed = false;
  return {
    a,
    b,
    dir,
    kill: async () => {
      if (!killed) {
        killed = true;
        if (child.exitCode === null) child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
