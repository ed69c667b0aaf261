// A real pseudo-terminal made by socat, for tests that need a serial-port path: the simulator (or
// anything speaking bytes) on one side, a program opening LINK like a serial port on the other.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";

export interface Pty {
  /** The symlink to the pseudo-terminal's slave side (what a client opens as its serial port). */
  readonly link: string;
  /** Bytes to the program that opened LINK. */
  write(bytes: Uint8Array): void;
  /** Bytes from the program that opened LINK. */
  onData(listener: (bytes: Uint8Array) => void): void;
  /** Kills socat (and waits for it). Idempotent. */
  close(): Promise<void>;
}

/** Throws a clear error when socat is not installed. */
export function requireSocat(): void {
  const probe = spawnSync("socat", ["-V"], { stdio: "ignore" });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      "socat is required for pseudo-terminal tests: install it (Debian: apt-get install socat)",
    );
  }
}

/** Starts `socat PTY,link=LINK,rawer,echo=0 STDIO` and resolves once the terminal exists. */
export function openPty(link: string): Promise<Pty> {
  requireSocat();
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn("socat", ["-d", "-d", `PTY,link=${link},rawer,echo=0`, "STDIO"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const { stdin, stdout, stderr } = child;
    if (stdin === null || stdout === null || stderr === null) {
      reject(new Error("socat started without pipes"));
      return;
    }
    stdin.on("error", () => undefined);
    let log = "";
    let ready = false;
    stderr.setEncoding("utf8");
    stderr.on("data", (text: string) => {
      log += text;
      if (!ready && log.includes("starting data transfer loop")) {
        ready = true;
        resolve(pty);
      }
    });
    child.once("exit", (code) => {
      if (!ready)
        reject(new Error(`socat exited (${code}) before the pseudo-terminal was ready: ${log.trim()}`));
    });
    child.once("error", reject);
    const pty: Pty = {
      link,
      write: (bytes) => {
        if (child.exitCode === null) stdin.write(bytes);
      },
      onData: (listener) => {
        stdout.on("data", (chunk: Buffer) => listener(new Uint8Array(chunk)));
      },
      close: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((done) => child.once("exit", () => done()));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
        await exited;
        clearTimeout(timer);
      },
    };
  });
}

/** Something that speaks bytes like the simulator (`write` in, `data` out). */
export interface ByteDevice {
  write(bytes: Uint8Array): void;
  on(event: "data", listener: (bytes: Uint8Array) => void): unknown;
  off(event: "data", listener: (bytes: Uint8Array) => void): unknown;
}

/** Serves a device on a new pseudo-terminal at LINK; close() detaches it and kills socat. */
export async function serveOnPty(device: ByteDevice, link: string): Promise<Pty> {
  const pty = await openPty(link);
  const toHost = (bytes: Uint8Array): void => pty.write(bytes);
  device.on("data", toHost);
  pty.onData((bytes) => device.write(bytes));
  return {
    ...pty,
    close: async () => {
      device.off("data", toHost);
      await pty.close();
    },
  };
}
