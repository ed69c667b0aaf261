// The configuration: convict schema (source of truth), loading, env names, JSON Schema, redaction.

export { defaultDataDir, resolveDataDir } from "./data-dir.js";
export {
  describeUnknownVariable,
  KNOWN_VARIABLES,
  type UnknownVariable,
  unknownVariables,
} from "./environment.js";
export { MQTT_URL_SCHEMES, RESERVED_UPS_IDS, SHUTDOWN_METHODS, UPS_ID_PATTERN } from "./formats.js";
export { configJsonSchema, configJsonSchemaText } from "./json-schema.js";
export { loadConfig, loadKeys } from "./load.js";
export { REDACTED, redactConfig, redactUrl } from "./redact.js";
export {
  CONFIG_FILE_ENV,
  CONFIG_FILE_FLAG,
  CONFIG_KEYS,
  type ConfigKey,
  type ConfigPath,
  type ConfigValues,
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
  NisConfig,
  NutConfig,
  NutUserConfig,
  ShutdownMethod,
  ShutdownPolicyConfig,
  UpsConfig,
} from "./types.js";
