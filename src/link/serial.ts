// A real serial port: 2400 8N1, raw, no flow control (seeds/003 "Transport"). DTR and RTS are left
// as the OS sets them unless the cable needs otherwise: some cables wire those lines to the UPS's
// power-off input (PROTOCOL-NOTES "Wire"), so toggling them by default is unsafe.
import { readFile, stat } from "node:fs/promises";
import { SerialPort } from "serialport";
import type { Logger } from "../log.js";
import { UpsLinkError } from "../protocol/errors.js";
import { TypedEmitter } from "../util/emitter.js";
import type { Cable, Transport, TransportEvents } from "./transport.js";

/** What the transport uses of a serialport stream (SerialPort, SerialPortMock, any binding). */
export interface SerialPortLike {
  readonly isOpen: boolean;
  open(callback: (error: Error | null) => void): void;
  write(data: Buffer, callback: (error: Error | null | undefined) => void): boolean;
  drain(callback: (error: Error | null) => void): void;
  close(callback: (error: Error | null) => void): void;
  set(options: { dtr?: boolean; rts?: boolean }, callback: (error: Error | null) => void): void;
  on(event: "data", listener: (chunk: Buffer) => void): this;
  on(event: "close", listener: (error: Error | null) => void): this;
  on(event: "error", listener: (error: Error) => void): this;
  removeAllListeners(): this;
}

/** The options every serial port is opened with. */
export interface SerialOpenOptions {
  readonly path: string;
  readonly baudRate: 2400;
  readonly dataBits: 8;
  readonly parity: "none";
  readonly stopBits: 1;
  readonly rtscts: false;
  readonly xon: false;
  readonly xoff: false;
  /** Closing must not drop DTR: on some cables that is a power-off signal. */
  readonly hupcl: false;
  readonly autoOpen: false;
}

/** Builds the port object; tests inject `(o) => new SerialPortMock(o)` (@serialport/binding-mock). */
export type SerialPortFactory = (options: SerialOpenOptions) => SerialPortLike;

export interface SerialTransportOptions {
  readonly path: string;
  readonly cable?: Cable;
  readonly logger: Logger;
  readonly portFactory?: SerialPortFactory;
}

const defaultFactory: SerialPortFactory = (options) => new SerialPort({ ...options });

export class SerialTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly description: string;
  readonly #path: string;
  readonly #cable: Cable;
  readonly #log: Logger;
  readonly #factory: SerialPortFactory;
  #port: SerialPortLike | null = null;

  constructor(options: SerialTransportOptions) {
    super();
    this.#path = options.path;
    this.description = options.path;
    this.#cable = options.cable ?? "940-0024C";
    this.#log = options.logger.child({ module: "serial", port: options.path });
    this.#factory = options.portFactory ?? defaultFactory;
  }

  get isOpen(): boolean {
    return this.#port?.isOpen ?? false;
  }

  async open(): Promise<void> {
    if (this.#port !== null) return;
    let port: SerialPortLike;
    try {
      port = this.#factory({
        path: this.#path,
        baudRate: 2400,
        dataBits: 8,
        parity: "none",
        stopBits: 1,
        rtscts: false,
        xon: false,
        xoff: false,
        hupcl: false,
        autoOpen: false,
      });
    } catch (error) {
      throw await mapSerialError(error, this.#path);
    }
    const opened = await new Promise<Error | null>((resolve) => port.open(resolve));
    if (opened !== null) {
      port.removeAllListeners();
      throw await mapSerialError(opened, this.#path);
    }
    if (this.#cable === "940-0095B") {
      // 940-0095B: DTR=1, RTS=0 powers the cable's level shifter (NUT apcsmart `cable=940-0095B`).
      const set = await new Promise<Error | null>((resolve) => port.set({ dtr: true, rts: false }, resolve));
      if (set !== null) {
        await new Promise<Error | null>((resolve) => port.close(resolve));
        throw new UpsLinkError(
          "port_closed",
          `Could not set DTR/RTS on ${this.#path} for the 940-0095B cable: ${set.message}.`,
          { port: this.#path },
          { cause: set },
        );
      }
    }
    this.#port = port;
    port.on("data", (chunk: Buffer) => {
      this.emit("data", new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    port.on("error", (error: Error) => this.#log.debug({ err: error.message }, "serial port error"));
    port.on("close", (error: Error | null) => {
      // Our own close() detaches first, so this is the port going away by itself.
      const reason = new UpsLinkError(
        "port_closed",
        `The serial port ${this.#path} went away${error ? ` (${error.message})` : ""}; check that the USB adapter or cable is still plugged in.`,
        { port: this.#path },
        error ? { cause: error } : undefined,
      );
      this.#vanished(port, reason);
    });
    this.#log.debug({ cable: this.#cable }, "serial port open");
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = this.#port;
    if (port === null || !port.isOpen) {
      throw new UpsLinkError("port_closed", `The serial port ${this.#path} is not open.`, {
        port: this.#path,
      });
    }
    try {
      await new Promise<void>((resolve, reject) => {
        port.write(Buffer.from(bytes), (error) => {
          if (error) reject(error);
        });
        port.drain((error) => (error ? reject(error) : resolve()));
      });
    } catch (error) {
      // A port that cannot be written to is gone (unplugged adapter, EIO from a hung-up tty): some
      // drivers never report that on the read side, so the write side reports it.
      const reason = new UpsLinkError(
        "port_closed",
        `Writing to ${this.#path} failed (${error instanceof Error ? error.message : String(error)}); check that the USB adapter or cable is still plugged in.`,
        { port: this.#path },
        { cause: error },
      );
      this.#vanished(port, reason);
      throw reason;
    }
  }

  #vanished(port: SerialPortLike, reason: UpsLinkError): void {
    if (this.#port !== port) return;
    this.#port = null;
    port.removeAllListeners();
    port.on("error", () => undefined);
    if (port.isOpen) port.close(() => undefined);
    this.emit("close", reason);
  }

  async close(): Promise<void> {
    const port = this.#port;
    this.#port = null;
    if (port === null) return;
    port.removeAllListeners();
    // A close error (the device already gone) leaves nothing to clean up.
    port.on("error", () => undefined);
    if (port.isOpen) await new Promise<Error | null>((resolve) => port.close(resolve));
  }
}

/** Turns an open error from any binding into an UpsLinkError with a sentence the user can act on. */
export async function mapSerialError(error: unknown, path: string): Promise<UpsLinkError> {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const context = { port: path, cause: message };
  const options = { cause: error };
  if (code === "ENOENT" || /no such file|does not exist|not found|cannot find/i.test(message)) {
    return new UpsLinkError(
      "port_not_found",
      `Serial port ${path} does not exist: check the path (ls /dev/serial/by-id/ lists USB adapters by a stable name).`,
      context,
      options,
    );
  }
  if (code === "EACCES" || code === "EPERM" || /permission denied|access denied|EACCES/i.test(message)) {
    const group = (await deviceGroup(path)) ?? "dialout";
    return new UpsLinkError(
      "permission_denied",
      `No permission to open ${path}: it belongs to the group '${group}'; add this user to it (sudo usermod -aG ${group} $USER, then log in again) or run as a user in that group.`,
      { ...context, group },
      options,
    );
  }
  if (code === "EBUSY" || code === "EAGAIN" || /busy|lock|temporarily unavailable|in use/i.test(message)) {
    return new UpsLinkError(
      "port_busy",
      `Serial port ${path} is in use by another program (such as NUT's apcsmart driver or apcupsd): stop it or point it at another port.`,
      context,
      options,
    );
  }
  return new UpsLinkError("port_closed", `Could not open serial port ${path}: ${message}.`, context, options);
}

/** The name of the group owning a device, from /etc/group; null when it cannot be told. */
async function deviceGroup(path: string): Promise<string | null> {
  try {
    const { gid } = await stat(path);
    const groups = await readFile("/etc/group", "utf8");
    for (const line of groups.split("\n")) {
      const [name, , id] = line.split(":");
      if (name !== undefined && id !== undefined && Number(id) === gid) return name;
    }
    return null;
  } catch {
    return null;
  }
}
