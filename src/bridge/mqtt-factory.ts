// Builds the MQTT connection from the configuration: the TLS files read, the broker named without
// its password, and the sentences users see when the broker refuses us, naming the configuration
// keys and environment variables to change (the MQTT layer knows neither).
import { readFileSync } from "node:fs";
import { envNameFor, type MqttConfig, redactUrl } from "../config/index.js";
import type { Logger } from "../log.js";
import { MqttConnection, type MqttConnectionOptions } from "../mqtt/connection.js";
import { UpsLinkError } from "../protocol/errors.js";

/** `mqtt.password (UPSLINK_MQTT_PASSWORD)`. */
function keyText(path: string): string {
  return `${path} (${envNameFor(path)})`;
}

function readPem(path: string | null, key: string): Buffer | undefined {
  if (path === null) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new UpsLinkError(
      "config_invalid",
      `Cannot read ${key} file ${path} (${reason}).`,
      { key, path },
      { cause: error },
    );
  }
}

const CLIENT_ID_ADVICE = `the broker rejected the client id: set ${keyText("mqtt.client_id")} to another value`;
const CREDENTIALS = "mqtt.username and mqtt.password (UPSLINK_MQTT_USERNAME, UPSLINK_MQTT_PASSWORD)";

// CONNACK return codes (3.1.1) and reason codes (5) that need the user to act.
const CONNACK_ADVICE: Readonly<Record<number, string>> = {
  2: CLIENT_ID_ADVICE,
  133: CLIENT_ID_ADVICE,
  4: `the broker refused the user name or password: check ${CREDENTIALS}`,
  134: `the broker refused the user name or password: check ${CREDENTIALS}`,
  // mosquitto answers a wrong user name or password with "not authorized", not with code 4/134.
  5: `the broker does not authorize this client: check ${CREDENTIALS}, then the broker's ACL for this user and client id`,
  135: `the broker does not authorize this client: check ${CREDENTIALS}, then the broker's ACL for this user and client id`,
  138: "the broker has banned this client",
};

const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_SIGNATURE_FAILURE",
]);

/** An MQTT.js or socket error as one sentence a user can act on (the URL without its password). */
export function describeMqttError(error: Error, url: string): string {
  const code = "code" in error ? error.code : undefined;
  const where = redactUrl(url);
  if (typeof code === "number") {
    const advice = CONNACK_ADVICE[code];
    return `Broker ${where} refused the connection (${error.message}, code ${code})${advice === undefined ? "." : `: ${advice}.`}`;
  }
  if (typeof code === "string" && TLS_CODES.has(code)) {
    return `TLS with ${where} failed (${code}: ${error.message}): set ${keyText("mqtt.ca")} to the CA that signed the broker's certificate, or mqtt.reject_unauthorized=false for testing only.`;
  }
  if (code === "ECONNREFUSED")
    return `Broker ${where} refused the TCP connection: is it running, and is the port right?`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return `Cannot resolve the broker host of ${where}: check ${keyText("mqtt.url")}.`;
  if (typeof code === "string" && code.startsWith("ERR_SSL")) {
    return `TLS with ${where} failed (${code}): check the URL scheme (mqtts:// needs a TLS port) and mqtt.cert / mqtt.key.`;
  }
  return `MQTT connection to ${where} failed: ${error.message}${typeof code === "string" ? ` (${code})` : ""}.`;
}

/** The connection's options for a configuration (TLS material read from its files). */
/** Knobs that are not configuration keys (tests and tools set them). */
export interface MqttExtras {
  readonly closeTimeoutMs?: number;
  readonly offlineQueueLimit?: number;
}

export function mqttConnectionOptions(
  config: MqttConfig,
  logger: Logger,
  extra: MqttExtras = {},
): MqttConnectionOptions {
  const ca = readPem(config.ca, "mqtt.ca");
  const cert = readPem(config.cert, "mqtt.cert");
  const key = readPem(config.key, "mqtt.key");
  return {
    url: config.url,
    displayUrl: redactUrl(config.url),
    clientId: config.client_id,
    username: config.username,
    password: config.password,
    protocolVersion: config.protocol_version,
    keepaliveS: config.keepalive_s,
    baseTopic: config.base_topic,
    qos: config.qos,
    reconnect: { minMs: config.reconnect_period_ms, maxMs: config.reconnect_max_ms },
    tls: {
      rejectUnauthorized: config.reject_unauthorized,
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(config.key_passphrase === null ? {} : { passphrase: config.key_passphrase }),
    },
    logger,
    describeError: (error) => describeMqttError(error, config.url),
    failure: (sentence, cause) =>
      new UpsLinkError("connect_failed", sentence, {}, cause === undefined ? undefined : { cause }),
    ...(extra.closeTimeoutMs === undefined ? {} : { closeTimeoutMs: extra.closeTimeoutMs }),
    ...(extra.offlineQueueLimit === undefined ? {} : { offlineQueueLimit: extra.offlineQueueLimit }),
  };
}

export function createMqttConnection(
  config: MqttConfig,
  logger: Logger,
  extra: MqttExtras = {},
): MqttConnection {
  return new MqttConnection(mqttConnectionOptions(config, logger, extra));
}
