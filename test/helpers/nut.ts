// The bridge as its composition root runs it (runBridge, with nut.listen) over in-process simulators
// and a real broker, plus a plain-text NUT client that keeps its connection (what upsmon does).
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import type { MqttClient } from "mqtt";
import { runBridge } from "../../src/cli/run.js";
import { type Config, loadConfig } from "../../src/config/index.js";
import { LinkSession } from "../../src/link/session.js";
import { SimTransport } from "../../src/link/sim.js";
import { silentLogger } from "../../src/log.js";
import { type ProfileName, SmartUpsSimulator } from "../../src/simulator/index.js";
import { CatalogueLink } from "../../src/ups/catalogue-link.js";
import {
  collect,
  connectClient,
  freePort,
  type ReceivedMessage,
  startTestBroker,
  type TestBroker,
  waitInRecorded,
} from "./broker.js";

export interface NutBridgeOptions {
  readonly profile?: ProfileName;
  /** The configuration file's `nut` group (listen is added). */
  readonly nut?: Record<string, unknown>;
  readonly allowDestructive?: boolean;
  readonly pollIntervalMs?: number;
  /** The configuration file's `nis` group, when the apcupsd NIS server is wanted too. */
  readonly nis?: Record<string, unknown>;
  /** Top-level `shutdown_policy`. */
  readonly shutdownPolicy?: Record<string, unknown>;
}

export interface NutBridge {
  readonly port: number;
  readonly base: string;
  readonly config: Config;
  readonly simulator: SmartUpsSimulator;
  readonly messages: ReceivedMessage[];
  waitFor(topic: string, predicate?: (payload: string) => boolean, since?: number): Promise<ReceivedMessage>;
  stop(): Promise<void>;
}

/** Users most tests log in as. */
export const USERS = [
  { username: "monuser", password: 'p#ss "w" \\ord', upsmon: "secondary" },
  { username: "primary", password: "primary-secret", upsmon: "primary" },
  {
    username: "admin",
    password: "admin-secret",
    instcmds: ["ALL", "load.off"],
    actions: ["SET", "FSD"],
  },
  { username: "viewer", password: "viewer-secret", instcmds: ["ALL"] },
] as const;

export async function startNutBridge(options: NutBridgeOptions = {}): Promise<NutBridge> {
  const broker: TestBroker = await startTestBroker();
  const port = await freePort();
  const base = `nut${Math.random().toString(16).slice(2, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), "upslink-nut-"));
  const file = join(dir, "config.json");
  writeFileSync(
    file,
    JSON.stringify({
      mqtt: { url: broker.url, base_topic: base },
      ups: { id: "ups", port: `sim://${options.profile ?? "smartups-3g-120"}` },
      poll_interval_ms: options.pollIntervalMs ?? 250,
      commands: { allow_destructive: options.allowDestructive ?? false },
      nut: { listen: `127.0.0.1:${port}`, users: USERS, ...options.nut },
      ...(options.nis === undefined ? {} : { nis: options.nis }),
      ...(options.shutdownPolicy === undefined ? {} : { shutdown_policy: options.shutdownPolicy }),
      log: { level: "silent" },
      // Its own history, not the developer's per-user one.
      data_dir: join(dir, "data"),
    }),
  );
  const config = loadConfig({ argv: ["--config", file], env: {} });
  const client: MqttClient = await connectClient(broker.url);
  const seen = await collect(client, `${base}/#`);
  let simulator: SmartUpsSimulator | null = null;
  let stop: (signal: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => {
    stop = resolve;
  });
  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const logger = silentLogger();
  const running = runBridge(
    config,
    logger,
    {
      argv: [],
      env: {},
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      stopSignal,
    },
    {
      onReady: ready,
      createLink: () => {
        simulator = new SmartUpsSimulator({ profile: options.profile ?? "smartups-3g-120" });
        return new CatalogueLink(
          new LinkSession({
            transport: new SimTransport({ simulator }),
            logger,
            options: {
              reconnectMinMs: 200,
              reconnectMaxMs: 1000,
              queryTimeoutMs: 800,
              handshakeTimeoutMs: 800,
            },
          }),
        );
      },
    },
  );
  await Promise.race([
    started,
    running.then((code) => {
      throw new Error(`the bridge exited with ${code} before it was ready`);
    }),
  ]);
  const sim = simulator as SmartUpsSimulator | null;
  if (sim === null) throw new Error("no simulator was created");
  return {
    port,
    base,
    config,
    simulator: sim,
    messages: seen.messages,
    waitFor: (topic, predicate = () => true, since = 0) =>
      waitInRecorded(seen.messages, topic, predicate, { since, timeoutMs: 15_000 }),
    async stop() {
      stop("SIGTERM");
      await running;
      sim.stop();
      await seen.stop();
      await client.endAsync();
      await broker.stop();
    },
  };
}

/** A NUT client on one kept connection: one request line, its reply lines. */
export interface NutTextClient {
  readonly socket: Socket;
  /** Sends a line and resolves with the next reply line. */
  request(line: string): Promise<string>;
  /** Sends a LIST request and resolves with every line up to its END LIST (or an ERR). */
  list(line: string): Promise<string[]>;
  /** Sends raw bytes (no newline added). */
  send(bytes: string | Buffer): void;
  /** The next reply line. */
  next(timeoutMs?: number): Promise<string>;
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;
  close(): void;
}

export async function nutClient(port: number, socket?: Socket): Promise<NutTextClient> {
  const sock =
    socket ??
    (await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: "127.0.0.1", port }, () => resolve(s));
      s.once("error", reject);
    }));
  return textClient(sock);
}

/** Reads reply lines from any duplex socket (plain or TLS). */
export function textClient(sock: Socket): NutTextClient {
  sock.setNoDelay(true);
  const lines: string[] = [];
  const waiters: ((line: string | null) => void)[] = [];
  let buffer = "";
  let ended = false;
  const closed = new Promise<void>((resolve) => {
    sock.once("close", () => {
      ended = true;
      for (const waiter of waiters.splice(0)) waiter(null);
      resolve();
    });
  });
  sock.on("error", () => undefined);
  sock.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("latin1");
    for (let at = buffer.indexOf("\n"); at >= 0; at = buffer.indexOf("\n")) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      const waiter = waiters.shift();
      if (waiter !== undefined) waiter(line);
      else lines.push(line);
    }
  });
  const next = (timeoutMs = 10_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const queued = lines.shift();
      if (queued !== undefined) {
        resolve(queued);
        return;
      }
      if (ended) {
        reject(new Error("the server closed the connection"));
        return;
      }
      const timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
      waiters.push((line) => {
        clearTimeout(timer);
        if (line === null) reject(new Error("the server closed the connection"));
        else resolve(line);
      });
    });
  return {
    socket: sock,
    next,
    send: (bytes) => sock.write(bytes),
    async request(line) {
      sock.write(`${line}\n`);
      return next();
    },
    async list(line) {
      sock.write(`${line}\n`);
      const out: string[] = [];
      for (;;) {
        const reply = await next();
        out.push(reply);
        if (reply.startsWith("END LIST") || reply.startsWith("ERR ")) return out;
      }
    },
    closed,
    close: () => sock.destroy(),
  };
}

/** `VAR ups name "value"` → value (unescaped), or the line itself when it is not a VAR line. */
export function varValue(line: string): string {
  const match = /^VAR \S+ \S+ "((?:[^"\\]|\\.)*)"$/.exec(line);
  return match?.[1] === undefined ? line : match[1].replace(/\\(.)/g, "$1");
}
