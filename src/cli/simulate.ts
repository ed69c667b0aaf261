// `upslink2mqtt simulate`: a simulated Smart-UPS on a pseudo-terminal (made by socat, symlinked at
// LINK) or on a TCP port, so real clients (the bridge, NUT's apcsmart, apcupsd) can talk to it.
// Control lines on standard input (`power fail`, `power restore`, `battery N`, …), one answer each
// on standard output.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { UpsLinkError } from "../protocol/errors.js";
import { isProfileName, PROFILE_NAMES, type ProfileName, SmartUpsSimulator } from "../simulator/index.js";
import { Timers } from "../util/timers.js";
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, writeLine } from "./io.js";

const USAGE = [
  "Usage: upslink2mqtt simulate (--pty LINK | --tcp PORT) [--host HOST] [--profile NAME] [--pacing]",
  "",
  "  --pty LINK      a pseudo-terminal (made by socat) symlinked at LINK, e.g. /tmp/ups0",
  "  --tcp PORT      serve one client at a time on HOST:PORT (0 picks a free port)",
  "  --host HOST     address for --tcp (default 127.0.0.1)",
  `  --profile NAME  ${PROFILE_NAMES.join(", ")} (default smartups-3g-120)`,
  "  --pacing        send at true 2400 baud with realistic reply latency",
  "",
  "Control lines on standard input: power fail, power restore, battery N, load N, line V,",
  "fault …, silent on|off, status, help.",
].join("\n");

interface SimulateOptions {
  readonly pty: string | null;
  readonly tcp: number | null;
  readonly host: string;
  readonly profile: ProfileName;
  readonly pacing: boolean;
}

type Parsed =
  | { readonly ok: true; readonly options: SimulateOptions }
  | { readonly ok: false; readonly error: string };

function parseArgs(args: readonly string[]): Parsed | "help" {
  let pty: string | null = null;
  let tcp: number | null = null;
  let host = "127.0.0.1";
  let profile: ProfileName = "smartups-3g-120";
  let pacing = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? arg.split("=", 2) : [arg, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    switch (flag) {
      case "--help":
      case "-h":
        return "help";
      case "--pty": {
        const link = value();
        if (link === undefined || link === "")
          return { ok: false, error: "--pty needs a path, e.g. /tmp/ups0" };
        pty = link;
        break;
      }
      case "--tcp": {
        const text = value() ?? "";
        const port = /^\d+$/.test(text) ? Number.parseInt(text, 10) : Number.NaN;
        if (!(port >= 0 && port <= 65535))
          return { ok: false, error: `--tcp needs a port 0-65535, not '${text}'` };
        tcp = port;
        break;
      }
      case "--host": {
        const text = value();
        if (text === undefined || text === "") return { ok: false, error: "--host needs an address" };
        host = text;
        break;
      }
      case "--profile": {
        const name = value() ?? "";
        if (!isProfileName(name)) {
          return { ok: false, error: `unknown profile '${name}'; profiles: ${PROFILE_NAMES.join(", ")}` };
        }
        profile = name;
        break;
      }
      case "--pacing":
        pacing = true;
        break;
      default:
        return { ok: false, error: `unknown option '${arg}'` };
    }
  }
  if ((pty === null) === (tcp === null))
    return { ok: false, error: "give exactly one of --pty LINK or --tcp PORT" };
  return { ok: true, options: { pty, tcp, host, profile, pacing } };
}

/** Bytes both ways between the simulator and one byte stream (socat's stdio or a TCP client). */
function attach(
  sim: SmartUpsSimulator,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): () => void {
  const toHost = (bytes: Uint8Array): void => {
    output.write(bytes);
  };
  const fromHost = (chunk: Buffer | string): void => {
    sim.write(typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk);
  };
  sim.on("data", toHost);
  input.on("data", fromHost);
  return () => {
    sim.off("data", toHost);
    input.off("data", fromHost);
  };
}

/**
 * Runs socat for the pseudo-terminal, and again whenever it ends while we are still running: socat
 * exits when the client closes the terminal, and clients such as apcupsd reopen the port.
 */
class PtyBridge {
  #child: ChildProcess | null = null;
  #detach: (() => void) | null = null;
  #stopping = false;
  #quickExits = 0;
  readonly #failed: Promise<UpsLinkError>;
  #fail: (error: UpsLinkError) => void = () => undefined;

  readonly #sim: SmartUpsSimulator;
  readonly #link: string;
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(sim: SmartUpsSimulator, link: string, env: Readonly<Record<string, string | undefined>>) {
    this.#sim = sim;
    this.#link = link;
    this.#env = env;
    this.#failed = new Promise((resolve) => {
      this.#fail = resolve;
    });
  }

  /** Resolves when the pseudo-terminal is there; rejects when socat cannot run. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      let ready = false;
      const startedAt = Date.now();
      const child = spawn("socat", ["-d", "-d", `PTY,link=${this.#link},rawer,echo=0`, "STDIO"], {
        stdio: ["pipe", "pipe", "pipe"],
        // socat is looked up on the command's own PATH.
        env: { ...this.#env },
      });
      this.#child = child;
      this.#detach = attach(this.#sim, child.stdout, child.stdin);
      child.stdin.on("error", () => undefined);
      let log = "";
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (text: string) => {
        log = (log + text).slice(-2000);
        if (!ready && text.includes("starting data transfer loop")) {
          ready = true;
          resolve();
        }
      });
      child.on("error", (error: NodeJS.ErrnoException) => {
        const message =
          error.code === "ENOENT"
            ? "socat is not installed: install it (Debian: apt-get install socat) or use --tcp PORT"
            : `cannot run socat: ${error.message}`;
        const failure = new UpsLinkError("connect_failed", message, { link: this.#link });
        if (!ready) reject(failure);
        else this.#fail(failure);
      });
      child.on("exit", (code) => {
        this.#detach?.();
        this.#detach = null;
        if (this.#stopping) return;
        if (!ready) {
          reject(
            new UpsLinkError(
              "connect_failed",
              `socat could not create the pseudo-terminal ${this.#link}: ${lastLine(log)}`,
              {
                code,
              },
            ),
          );
          return;
        }
        // The client closed the terminal: make a new one at the same link.
        this.#quickExits = Date.now() - startedAt < 1000 ? this.#quickExits + 1 : 0;
        if (this.#quickExits >= 5) {
          this.#fail(new UpsLinkError("connect_failed", `socat keeps exiting: ${lastLine(log)}`, { code }));
          return;
        }
        this.start().catch((error: unknown) =>
          this.#fail(
            error instanceof UpsLinkError ? error : new UpsLinkError("connect_failed", String(error)),
          ),
        );
      });
    });
  }

  get failed(): Promise<UpsLinkError> {
    return this.#failed;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timers = new Timers();
    timers.after(2000, () => child.kill("SIGKILL"));
    await exited;
    timers.clearAll();
  }
}

function lastLine(log: string): string {
  const lines = log.trim().split("\n");
  return lines[lines.length - 1] ?? "no output";
}

interface TcpService {
  readonly server: Server;
  close(): Promise<void>;
}

/** One TCP client at a time (like a serial port); a second one is turned away. */
function serveTcp(sim: SmartUpsSimulator, host: string, port: number): Promise<TcpService> {
  let current: Socket | null = null;
  const server = createServer((socket) => {
    if (current !== null) {
      socket.end("busy: one client at a time\r\n");
      return;
    }
    current = socket;
    socket.setNoDelay(true);
    const detach = attach(sim, socket, socket);
    socket.on("error", () => undefined);
    socket.on("close", () => {
      detach();
      current = null;
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new UpsLinkError("connect_failed", `cannot listen on ${host}:${port}: ${error.message}`, {
          host,
          port,
        }),
      ),
    );
    server.listen(port, host, () =>
      resolve({
        server,
        close: () =>
          new Promise<void>((done) => {
            current?.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

export const simulateCommand: Command = async (args: readonly string[], io: CliIo): Promise<number> => {
  const parsed = parseArgs(args);
  if (parsed === "help") {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (!parsed.ok) {
    writeLine(io.stderr, `simulate: ${parsed.error}`);
    writeLine(io.stderr, USAGE);
    return EXIT_USAGE;
  }
  const { options } = parsed;
  const sim = new SmartUpsSimulator({ profile: options.profile, pacing: options.pacing });
  let pty: PtyBridge | null = null;
  let tcp: TcpService | null = null;
  const controls = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  try {
    let failure: Promise<UpsLinkError> = new Promise(() => undefined);
    if (options.pty !== null) {
      pty = new PtyBridge(sim, options.pty, io.env);
      await pty.start();
      failure = pty.failed;
      writeLine(io.stdout, `ready: pty ${options.pty} profile ${options.profile}`);
    } else {
      tcp = await serveTcp(sim, options.host, options.tcp ?? 0);
      const address = tcp.server.address();
      const port = typeof address === "object" && address !== null ? address.port : options.tcp;
      writeLine(io.stdout, `ready: tcp ${options.host}:${port} profile ${options.profile}`);
    }
    controls.on("line", (line) => {
      const answer = sim.control(line);
      if (answer !== "") writeLine(io.stdout, answer);
    });
    const outcome = await Promise.race([io.stopSignal.then(() => null), failure]);
    if (outcome !== null) {
      writeLine(io.stderr, `simulate: ${outcome.message}`);
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  } catch (error) {
    writeLine(io.stderr, `simulate: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILURE;
  } finally {
    controls.close();
    sim.stop();
    await pty?.stop();
    await tcp?.close();
  }
};
