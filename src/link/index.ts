// The link layer: transports and the session. Knows bytes, framing and timing; nothing of MQTT,
// nor of what the catalogue's rows mean (the UPS layer turns rows into requests).
export { type CreateTransportOptions, createTransport } from "./create.js";
export { DEFAULT_LINK_OPTIONS, LINK_OPTION_RANGES, type LinkOptions, resolveLinkOptions } from "./options.js";
export { mapSerialError, type SerialPortFactory, SerialTransport } from "./serial.js";
export {
  type AlertEvent,
  type ExclusiveLine,
  type LinkExchange,
  type LinkRequest,
  LinkSession,
  type LinkSessionInit,
  type LinkState,
  type Priority,
  type ProbeOptions,
  type ReplyProblem,
} from "./session.js";
export { SimTransport } from "./sim.js";
export { parseTcpUrl, TcpTransport } from "./tcp.js";
export { CABLES, type Cable, type Transport, type TransportEvents } from "./transport.js";
