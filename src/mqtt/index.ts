// MQTT: the connection, the typed topic map and the request/response envelope. No UPS knowledge.
export {
  clientOptions,
  type IncomingMessage,
  type MessageHandler,
  MqttConnection,
  type MqttConnectionEvents,
  type MqttConnectionOptions,
  type MqttTls,
  nextReconnectDelay,
  OFFLINE,
  ONLINE,
  type PublishOptions,
  type QoS,
} from "./connection.js";
export {
  DEFAULT_MQTT_PORT,
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  startEmbeddedBroker,
} from "./embedded-broker.js";
export * from "./envelope.js";
export {
  DEFAULT_READ_BACK_TIMEOUT_MS,
  type ReadBackConnection,
  RetainedReader,
  type RetainedSnapshot,
} from "./retained-read.js";
export * from "./topics.js";
