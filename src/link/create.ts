// Picks the transport from the port string (`ups.port`): a device path, `tcp://host:port` or
// `sim://PROFILE`.
import type { Logger } from "../log.js";
import { UpsLinkError } from "../protocol/errors.js";
import { type SerialPortFactory, SerialTransport } from "./serial.js";
import { parseSimUrl, SimTransport } from "./sim.js";
import { parseTcpUrl, TcpTransport } from "./tcp.js";
import type { Cable, Transport } from "./transport.js";

export interface CreateTransportOptions {
  readonly cable?: Cable;
  readonly logger: Logger;
  /** Serial only: build the port object (tests use @serialport/binding-mock). */
  readonly portFactory?: SerialPortFactory;
  /** sim:// only: true 2400 baud pacing. */
  readonly pacing?: boolean;
}

export function createTransport(port: string, options: CreateTransportOptions): Transport {
  const profile = parseSimUrl(port);
  if (profile !== null) {
    return new SimTransport(options.pacing === undefined ? { profile } : { profile, pacing: options.pacing });
  }
  if (port.startsWith("tcp://")) {
    const target = parseTcpUrl(port);
    if (target === null) {
      throw new UpsLinkError(
        "config_invalid",
        `'${port}' is not a valid tcp://host:port address (e.g. tcp://10.0.0.5:4001).`,
        {
          port,
        },
      );
    }
    return new TcpTransport({ ...target, logger: options.logger });
  }
  if (port.trim() === "" || port.includes("://")) {
    throw new UpsLinkError(
      "config_invalid",
      `'${port}' is not a port: use a device path (/dev/ttyS0, /dev/serial/by-id/…), tcp://host:port or sim://PROFILE.`,
      { port },
    );
  }
  return new SerialTransport({
    path: port,
    logger: options.logger,
    ...(options.cable === undefined ? {} : { cable: options.cable }),
    ...(options.portFactory === undefined ? {} : { portFactory: options.portFactory }),
  });
}
