// The UPS behind a serial-to-TCP bridge (ser2net, a terminal server): `tcp://host:port`. The bytes
// are the same as on the serial line; the serial settings are the bridge's business.
import { createConnection, type Socket } from "node:net";
import type { Logger } from "../log.js";
import { UpsLinkError } from "../protocol/errors.js";
import { TypedEmitter } from "../util/emitter.js";
import type { Transport, TransportEvents } from "./transport.js";

export interface TcpTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** How long a connection attempt may take (default 5000 ms). */
  readonly connectTimeoutMs?: number;
}

/** `tcp://host:port` → host and port; null when the string is not one. */
export function parseTcpUrl(url: string): { host: string; port: number } | null {
  if (!url.startsWith("tcp://")) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const port = Number(parsed.port);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "" || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host, port };
}

export class TcpTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly description: string;
  readonly #host: string;
  readonly #port: number;
  readonly #log: Logger;
  readonly #connectTimeoutMs: number;
  #socket: Socket | null = null;

  constructor(options: TcpTransportOptions) {
    super();
    this.#host = options.host;
    this.#port = options.port;
    this.description = `tcp://${options.host.includes(":") ? `[${options.host}]` : options.host}:${options.port}`;
    this.#log = options.logger.child({ module: "tcp", port: this.description });
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  }

  get isOpen(): boolean {
    return this.#socket !== null;
  }

  async open(): Promise<void> {
    if (this.#socket !== null) return;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const candidate = createConnection({ host: this.#host, port: this.#port });
      const fail = (error: Error): void => {
        candidate.destroy();
        reject(
          new UpsLinkError(
            "connect_failed",
            `Could not connect to ${this.#host} port ${this.#port} (${error.message}): check that the serial server (ser2net) is running there and the port is right.`,
            { host: this.#host, port: this.#port },
            { cause: error },
          ),
        );
      };
      candidate.setTimeout(this.#connectTimeoutMs, () =>
        fail(new Error(`no answer in ${this.#connectTimeoutMs} ms`)),
      );
      candidate.once("error", fail);
      candidate.once("connect", () => {
        candidate.off("error", fail);
        candidate.setTimeout(0);
        resolve(candidate);
      });
    });
    // Keepalive notices a terminal server that vanished without a FIN; no Nagle so a lone alert
    // or command byte goes out at once.
    socket.setKeepAlive(true, 10_000);
    socket.setNoDelay(true);
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.emit("data", new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    let lastError: Error | null = null;
    socket.on("error", (error: Error) => {
      lastError = error;
      this.#log.debug({ err: error.message }, "tcp error");
    });
    socket.on("close", () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      socket.removeAllListeners();
      const detail: Error | null = lastError;
      this.emit(
        "close",
        new UpsLinkError(
          "port_closed",
          `The connection to ${this.description} closed${detail ? ` (${detail.message})` : ""}.`,
          { host: this.#host, port: this.#port },
          detail ? { cause: detail } : undefined,
        ),
      );
    });
    this.#log.debug("tcp connected");
  }

  async write(bytes: Uint8Array): Promise<void> {
    const socket = this.#socket;
    if (socket === null) {
      throw new UpsLinkError("port_closed", `The connection to ${this.description} is not open.`, {
        host: this.#host,
        port: this.#port,
      });
    }
    await new Promise<void>((resolve, reject) => {
      socket.write(Buffer.from(bytes), (error) =>
        error
          ? reject(
              new UpsLinkError(
                "port_closed",
                `Writing to ${this.description} failed: ${error.message}.`,
                {},
                { cause: error },
              ),
            )
          : resolve(),
      );
    });
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = null;
    if (socket === null) return;
    socket.removeAllListeners();
    socket.on("error", () => undefined);
    await new Promise<void>((resolve) => {
      // A peer that never acknowledges the FIN must not hold us up.
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1000);
      timer.unref();
      socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }
}
