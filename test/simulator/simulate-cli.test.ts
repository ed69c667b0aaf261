// The `simulate` command end to end: a real pseudo-terminal (socat) opened with serialport, and a
// real TCP socket, driven from the test; control lines on its standard input.
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { SerialPort } from "serialport";
import { afterEach, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { simulateCommand } from "../../src/cli/simulate.js";
import { requireSocat } from "../helpers/pty.js";

interface Running {
  readonly io: CliIo;
  readonly stdin: PassThrough;
  readonly exit: Promise<number>;
  /** Resolves with the first stdout line matching. */
  line(pattern: RegExp): Promise<string>;
  stderr(): string;
  stop(): void;
}

function run(args: readonly string[], env: Record<string, string | undefined> = process.env): Running {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.setEncoding("utf8");
  stderr.setEncoding("utf8");
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  stdout.on("data", (text: string) => {
    out += text;
    for (const waiter of [...waiters]) {
      const found = out.split("\n").find((l) => waiter.pattern.test(l));
      if (found !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(found);
      }
    }
  });
  stderr.on("data", (text: string) => {
    err += text;
  });
  let stop: (signal: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => {
    stop = resolve;
  });
  const io: CliIo = { argv: ["simulate", ...args], env, stdin, stdout, stderr, stopSignal };
  return {
    io,
    stdin,
    exit: simulateCommand(args, io),
    line: (pattern) =>
      new Promise((resolve) => {
        const found = out.split("\n").find((l) => pattern.test(l));
        if (found !== undefined) resolve(found);
        else waiters.push({ pattern, resolve });
      }),
    stderr: () => err,
    stop: () => stop("SIGTERM"),
  };
}

/** Collects bytes from a stream and waits until some text has arrived. */
function collector(): { push(bytes: Uint8Array): void; waitFor(text: string): Promise<string> } {
  let seen = "";
  let pending: { text: string; resolve: (all: string) => void } | null = null;
  return {
    push(bytes) {
      seen += Buffer.from(bytes).toString("latin1");
      if (pending !== null && seen.includes(pending.text)) {
        const { resolve } = pending;
        pending = null;
        resolve(seen);
      }
    },
    waitFor(text) {
      return new Promise((resolve) => {
        if (seen.includes(text)) resolve(seen);
        else pending = { text, resolve };
      });
    },
  };
}

let dir: string | null = null;
afterEach(() => {
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe("upslink2mqtt simulate", () => {
  it("serves a pseudo-terminal that a serial port client can drive", async () => {
    requireSocat();
    dir = mkdtempSync(join(tmpdir(), "upslink-sim-"));
    const link = join(dir, "ups0");
    const sim = run(["--pty", link, "--profile", "smartups-3g-230"]);
    try {
      expect(await sim.line(/^ready:/)).toBe(`ready: pty ${link} profile smartups-3g-230`);
      const port = new SerialPort({ path: link, baudRate: 2400, autoOpen: false });
      await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
      const bytes = collector();
      port.on("data", (chunk: Buffer) => bytes.push(chunk));
      try {
        port.write("Y");
        await bytes.waitFor("SM\r\n");
        port.write("b");
        expect(await bytes.waitFor("601.3.I\r\n")).toContain("601.3.I\r\n");
        sim.stdin.write("power fail\n");
        expect(await sim.line(/utility failed/)).toMatch(/^ok/);
        await bytes.waitFor("!");
        port.write("Q");
        expect(await bytes.waitFor("10\r\n")).toContain("10\r\n");
      } finally {
        await new Promise<void>((resolve) => port.close(() => resolve()));
      }
    } finally {
      sim.stop();
    }
    expect(await sim.exit).toBe(0);
  });

  it("serves TCP, one client at a time, and answers control lines", async () => {
    const sim = run(["--tcp", "0"]);
    let socket: Socket | null = null;
    try {
      const ready = await sim.line(/^ready:/);
      const port = Number.parseInt(/127\.0\.0\.1:(\d+)/.exec(ready)?.[1] ?? "", 10);
      expect(port).toBeGreaterThan(0);
      const client = connect(port, "127.0.0.1");
      socket = client;
      const bytes = collector();
      client.on("data", (chunk: Buffer) => bytes.push(chunk));
      await new Promise<void>((resolve) => client.once("connect", () => resolve()));
      client.write("Y");
      await bytes.waitFor("SM\r\n");
      client.write("\x01");
      expect(await bytes.waitFor("Smart-UPS 1500\r\n")).toContain("Smart-UPS 1500\r\n");
      const second = collector();
      const other = connect(port, "127.0.0.1");
      other.on("data", (chunk: Buffer) => second.push(chunk));
      expect(await second.waitFor("busy")).toMatch(/busy/);
      other.destroy();
      sim.stdin.write("nonsense here\n");
      expect(await sim.line(/^error:/)).toMatch(/unknown control line/);
      sim.stdin.write("status\n");
      const status = JSON.parse(await sim.line(/^\{/)) as { smartMode: boolean };
      expect(status.smartMode).toBe(true);
    } finally {
      socket?.destroy();
      sim.stop();
    }
    expect(await sim.exit).toBe(0);
  });

  it("bad usage exits 2 and lists the profiles", async () => {
    const bad = run(["--tcp", "0", "--profile", "nope"]);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toContain("smartups-3g-120");
    expect(bad.stderr()).toContain("smt-ap9620");
    const neither = run([]);
    expect(await neither.exit).toBe(2);
    expect(neither.stderr()).toMatch(/--pty LINK or --tcp PORT/);
  });

  it("says clearly when socat is missing", async () => {
    dir = mkdtempSync(join(tmpdir(), "upslink-sim-"));
    const sim = run(["--pty", join(dir, "ups0")], { PATH: join(dir, "no-such-bin") });
    expect(await sim.exit).toBe(1);
    expect(sim.stderr()).toMatch(/socat is not installed/);
  });
});
