// The configuration: convict schema (source of truth), loading, env names, JSON Schema, redaction.
export { MQTT_URL_SCHEMES, RESERVED_UPS_IDS, SHUTDOWN_METHODS, UPS_ID_PATTERN } from "./formats.js";
export { configJsonSchema, configJsonSchemaText } from "./json-schema.js";
export { loadConfig } from "./load.js";
export { REDACTED, redactConfig, redactUrl } from "./redact.js";
export {
  CONFIG_FILE_ENV,
  CONFIG_FILE_FLAG,
  CONFIG_KEYS,
  type ConfigKey,
  envNameFor,
  flagFor,
} from "./schema.js";
export type {
  Cable,
  CommandsConfig,
  Config,
  LinkConfig,
  LoadConfigInput,
  MqttConfig,
  NutConfig,
  NutUserConfig,
  ShutdownMethod,
  ShutdownPolicyConfig,
  UpsConfig,
} from "./types.js";
