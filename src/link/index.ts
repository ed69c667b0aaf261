// The link layer: transports and the session. Knows nothing of MQTT.
export type { Capabilities, UpsIdentity } from "./capabilities.js";
export { type CreateTransportOptions, createTransport } from "./create.js";
export { DEFAULT_LINK_OPTIONS, LINK_OPTION_RANGES, type LinkOptions, resolveLinkOptions } from "./options.js";
export { mapSerialError, type SerialPortFactory, SerialTransport } from "./serial.js";
export {
  type AlertEvent,
  type ExclusiveLine,
  LinkSession,
  type LinkSessionInit,
  type LinkState,
  type Priority,
} from "./session.js";
export { SimTransport } from "./sim.js";
export { parseTcpUrl, TcpTransport } from "./tcp.js";
export { CABLES, type Cable, type Transport, type TransportEvents } from "./transport.js";
