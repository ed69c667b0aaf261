// The MQTT connection: MQTT.js with the bridge's habits. A retained `offline` last will and a
// retained `online` after every connect on <base>/bridge/state; subscriptions kept here and made
// again after every reconnect; publications queued while the broker is away (MQTT.js offline queue);
// reconnect delays that double up to a maximum; MQTT 5 requests answered on their response topic.
// Knows nothing of the UPS.
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from "mqtt";
import { redactUrl } from "../config/redact.js";
import type { MqttConfig } from "../config/types.js";
import type { Logger } from "../log.js";
import { UpsLinkError } from "../protocol/errors.js";
import { bridgeState, responseTopicProblem, topicMatches } from "./topics.js";

export type QoS = 0 | 1 | 2;

export interface IncomingMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly retain: boolean;
  /** MQTT 5 request/response: where the requester wants the answer, and what to echo. */
  readonly responseTopic?: string;
  readonly correlationData?: Buffer;
}

export type MessageHandler = (message: IncomingMessage) => void | Promise<void>;

export interface PublishOptions {
  readonly retain?: boolean;
  readonly qos?: QoS;
}

export interface MqttConnectionEvents {
  connect: [];
  offline: [];
  error: [UpsLinkError];
}

export interface MqttConnectionOptions {
  readonly mqtt: MqttConfig;
  readonly logger: Logger;
  /** How long close() waits for the `offline` publication to be acknowledged. */
  readonly closeTimeoutMs?: number;
}

export const ONLINE = "online";
export const OFFLINE = "offline";

/** The next reconnect delay: doubled after every failed attempt, never above the maximum. */
export function nextReconnectDelay(current: number, base: number, max: number): number {
  return Math.min(Math.max(current, base) * 2, Math.max(base, max));
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

/** The MQTT.js options for a configuration (TLS material read from its files). */
export function clientOptions(config: MqttConfig): IClientOptions {
  const ca = readPem(config.ca, "mqtt.ca");
  const cert = readPem(config.cert, "mqtt.cert");
  const key = readPem(config.key, "mqtt.key");
  return {
    clientId: config.client_id,
    protocolVersion: config.protocol_version,
    keepalive: config.keepalive_s,
    reconnectPeriod: config.reconnect_period_ms,
    connectTimeout: 30_000,
    // A request queued while the bridge was away could run a UPS command hours late: no persistent
    // session. Subscriptions are made again by this class after every connect.
    clean: true,
    resubscribe: false,
    // A refused CONNACK (bad password, not authorized) may be a broker still starting its auth
    // plugin: keep trying with backoff, and say clearly what the broker answered.
    reconnectOnConnackError: true,
    manualConnect: true,
    // mqtt-packet otherwise pre-builds a Buffer for every 16-bit number (65,536 of them, ~6.5 MB
    // of heap): worth it for brokers, not for a bridge that publishes a few messages a second.
    writeCache: false,
    will: { topic: bridgeState(config.base_topic), payload: Buffer.from(OFFLINE), qos: 1, retain: true },
    rejectUnauthorized: config.reject_unauthorized,
    ...(config.username === null ? {} : { username: config.username }),
    ...(config.password === null ? {} : { password: config.password }),
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(config.key_passphrase === null ? {} : { passphrase: config.key_passphrase }),
  };
}

// CONNACK return codes (3.1.1) and reason codes (5) that need the user to act.
const CONNACK_ADVICE: Readonly<Record<number, string>> = {
  2: "the broker rejected the client id: set mqtt.client_id (UPSLINK_MQTT_CLIENT_ID) to another value",
  133: "the broker rejected the client id: set mqtt.client_id (UPSLINK_MQTT_CLIENT_ID) to another value",
  4: "the broker refused the user name or password: check mqtt.username and mqtt.password (UPSLINK_MQTT_USERNAME, UPSLINK_MQTT_PASSWORD)",
  134: "the broker refused the user name or password: check mqtt.username and mqtt.password (UPSLINK_MQTT_USERNAME, UPSLINK_MQTT_PASSWORD)",
  // mosquitto answers a wrong user name or password with "not authorized", not with code 4/134.
  5: "the broker does not authorize this client: check mqtt.username and mqtt.password (UPSLINK_MQTT_USERNAME, UPSLINK_MQTT_PASSWORD), then the broker's ACL for this user and client id",
  135: "the broker does not authorize this client: check mqtt.username and mqtt.password (UPSLINK_MQTT_USERNAME, UPSLINK_MQTT_PASSWORD), then the broker's ACL for this user and client id",
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

/** An MQTT.js or socket error as one sentence a user can act on. */
export function describeMqttError(error: Error, url: string): string {
  const code = "code" in error ? (error as { code: unknown }).code : undefined;
  const where = redactUrl(url);
  if (typeof code === "number") {
    const advice = CONNACK_ADVICE[code];
    return `Broker ${where} refused the connection (${error.message}, code ${code})${advice === undefined ? "." : `: ${advice}.`}`;
  }
  if (typeof code === "string" && TLS_CODES.has(code)) {
    return `TLS with ${where} failed (${code}: ${error.message}): set mqtt.ca (UPSLINK_MQTT_CA) to the CA that signed the broker's certificate, or mqtt.reject_unauthorized=false for testing only.`;
  }
  if (code === "ECONNREFUSED")
    return `Broker ${where} refused the TCP connection: is it running, and is the port right?`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return `Cannot resolve the broker host of ${where}: check mqtt.url (UPSLINK_MQTT_URL).`;
  if (typeof code === "string" && code.startsWith("ERR_SSL")) {
    return `TLS with ${where} failed (${code}): check the URL scheme (mqtts:// needs a TLS port) and mqtt.cert / mqtt.key.`;
  }
  return `MQTT connection to ${where} failed: ${error.message}${typeof code === "string" ? ` (${code})` : ""}.`;
}

/** The private MQTT.js methods that (re)arm its reconnect timer; used only to change its period. */
interface ReconnectTimerControl {
  readonly _clearReconnect?: () => void;
  readonly _setupReconnect?: () => void;
}

export class MqttConnection extends EventEmitter<MqttConnectionEvents> {
  readonly baseTopic: string;
  readonly qos: QoS;
  private readonly config: MqttConfig;
  private readonly log: Logger;
  private readonly client: MqttClient;
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  private readonly closeTimeoutMs: number;
  private protocolVersion: 4 | 5;
  private reconnectDelay: number;
  private closed = false;
  private failedAttempts = 0;
  private started: Promise<void> | null = null;
  /** Error sentences already logged during the current outage (one line per distinct problem). */
  private readonly reported = new Set<string>();

  constructor(options: MqttConnectionOptions) {
    super();
    this.config = options.mqtt;
    this.baseTopic = options.mqtt.base_topic;
    this.qos = options.mqtt.qos;
    this.log = options.logger.child({ module: "mqtt" });
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    this.protocolVersion = options.mqtt.protocol_version;
    this.reconnectDelay = options.mqtt.reconnect_period_ms;
    this.client = mqtt.connect(options.mqtt.url, clientOptions(options.mqtt));
    this.client.on("connect", (connack) => this.onConnect(connack.sessionPresent));
    this.client.on("close", () => this.onClose());
    this.client.on("offline", () => {
      this.log.warn(
        { url: redactUrl(this.config.url) },
        "MQTT broker unreachable; publications are queued until it is back",
      );
      this.emit("offline");
    });
    this.client.on("error", (error) => this.onError(error));
    this.client.on("message", (topic, payload, packet) => this.onMessage(topic, payload, packet));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** The protocol version in use (5 falls back to 4 when the broker refuses MQTT 5). */
  get version(): 4 | 5 {
    return this.protocolVersion;
  }

  /** Starts connecting; resolves at the first successful connection (it keeps retrying until then). */
  start(): Promise<void> {
    if (this.started !== null) return this.started;
    this.started = new Promise<void>((resolve, reject) => {
      const onConnect = (): void => {
        this.off("connect", onConnect);
        resolve();
      };
      this.on("connect", onConnect);
      this.client.once("end", () => {
        if (!this.client.connected)
          reject(new UpsLinkError("connect_failed", "The MQTT connection was closed before it connected."));
      });
    });
    // A caller that does not wait for the first connection must not see an unhandled rejection.
    this.started.catch(() => {});
    this.log.info(
      { url: redactUrl(this.config.url), clientId: this.config.client_id },
      "connecting to the MQTT broker",
    );
    this.client.connect();
    return this.started;
  }

  /**
   * Publishes; resolves when the broker acknowledged it (QoS 1/2) or it was written (QoS 0). While the
   * broker is away the message waits in the offline queue and the promise stays pending.
   */
  async publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<void> {
    const qos = options.qos ?? this.qos;
    const retain = options.retain ?? false;
    this.log.debug({ topic, retain, qos, bytes: payload.length }, "publish");
    await this.client.publishAsync(topic, payload, { qos, retain });
  }

  /** Subscribes `handler` to `filter`; made again after every reconnect. */
  async subscribe(filter: string, handler: MessageHandler): Promise<void> {
    let set = this.handlers.get(filter);
    const isNew = set === undefined;
    if (set === undefined) {
      set = new Set();
      this.handlers.set(filter, set);
    }
    set.add(handler);
    if (isNew && this.client.connected) await this.subscribeOnBroker([filter]);
  }

  async unsubscribe(filter: string, handler?: MessageHandler): Promise<void> {
    const set = this.handlers.get(filter);
    if (set === undefined) return;
    if (handler !== undefined) set.delete(handler);
    if (handler !== undefined && set.size > 0) return;
    this.handlers.delete(filter);
    if (this.client.connected) await this.client.unsubscribeAsync(filter);
  }

  /**
   * Answers a request: on `topic` (the contract's response topic) and, when the request came with an
   * MQTT 5 response topic, there as well with its correlation data. A response topic that
   * `responseTopicProblem` refuses is never published to (the caller should have refused the
   * request already; this keeps the connection safe whatever the caller does).
   */
  async respond(request: IncomingMessage, topic: string, payload: string | Buffer): Promise<void> {
    const sends = [this.publish(topic, payload, { retain: false })];
    const problem =
      request.responseTopic === undefined
        ? null
        : responseTopicProblem(request.responseTopic, [this.baseTopic]);
    if (problem !== null) this.log.warn({ topic: request.topic, problem }, "MQTT 5 response topic not used");
    if (request.responseTopic !== undefined && problem === null && this.protocolVersion === 5) {
      const properties =
        request.correlationData === undefined ? {} : { correlationData: request.correlationData };
      sends.push(
        this.client
          .publishAsync(request.responseTopic, payload, { qos: this.qos, retain: false, properties })
          .then(() => {}),
      );
    }
    await Promise.all(sends);
  }

  /** Publishes `offline` (retained) while still connected, then disconnects. Idempotent, bounded in time. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.connected) {
      await this.withinCloseTimeout(
        this.publish(bridgeState(this.baseTopic), OFFLINE, { retain: true, qos: 1 }),
      );
      await this.withinCloseTimeout(this.client.endAsync());
    } else {
      // Not connected: nothing can be delivered; drop the offline queue and stop retrying.
      await this.withinCloseTimeout(this.client.endAsync(true));
    }
    this.log.info("MQTT connection closed");
  }

  private async withinCloseTimeout(work: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.closeTimeoutMs);
    });
    await Promise.race([
      work.then(
        () => {},
        () => {},
      ),
      timeout,
    ]);
    clearTimeout(timer);
  }

  private onConnect(sessionPresent: boolean): void {
    this.reconnectDelay = this.config.reconnect_period_ms;
    this.failedAttempts = 0;
    this.client.options.reconnectPeriod = this.config.reconnect_period_ms;
    this.reported.clear();
    this.log.info(
      { url: redactUrl(this.config.url), protocolVersion: this.protocolVersion },
      "connected to the MQTT broker",
    );
    this.publish(bridgeState(this.baseTopic), ONLINE, { retain: true, qos: 1 }).catch((error: unknown) => {
      this.log.warn({ err: error }, "could not publish online state");
    });
    // `connect` is emitted once the subscriptions are back, so a listener that republishes state
    // can rely on receiving requests again.
    const resubscribe =
      !sessionPresent && this.handlers.size > 0
        ? this.subscribeOnBroker([...this.handlers.keys()])
        : Promise.resolve();
    resubscribe.then(
      () => {
        if (this.client.connected) this.emit("connect");
      },
      (error: unknown) => {
        this.report(error instanceof Error ? error.message : String(error));
        if (this.client.connected) this.emit("connect");
      },
    );
  }

  private onClose(): void {
    if (this.closed || !this.client.reconnecting) return;
    // The first retry uses the base period; every failed attempt after it doubles the delay.
    this.failedAttempts += 1;
    if (this.failedAttempts === 1) return;
    // MQTT.js retries on a fixed interval armed when the outage starts; re-arm it with a longer
    // period after each failed attempt (exponential backoff up to mqtt.reconnect_max_ms).
    const control = this.client as unknown as ReconnectTimerControl;
    const next = nextReconnectDelay(
      this.reconnectDelay,
      this.config.reconnect_period_ms,
      this.config.reconnect_max_ms,
    );
    if (typeof control._clearReconnect !== "function" || typeof control._setupReconnect !== "function")
      return;
    if (next === this.client.options.reconnectPeriod) return;
    this.reconnectDelay = next;
    this.client.options.reconnectPeriod = next;
    control._clearReconnect.call(this.client);
    control._setupReconnect.call(this.client);
  }

  private onError(error: Error): void {
    const code = "code" in error ? (error as { code: unknown }).code : undefined;
    // Some brokers (aedes, old mosquitto) speak only MQTT 3.1.1: retry with it rather than fail.
    if (this.protocolVersion === 5 && (code === 1 || code === 132)) {
      this.protocolVersion = 4;
      this.client.options.protocolVersion = 4;
      this.log.warn({ url: redactUrl(this.config.url) }, "the broker refused MQTT 5; using MQTT 3.1.1");
      return;
    }
    this.report(describeMqttError(error, this.config.url), error);
  }

  private report(message: string, cause?: Error): void {
    if (this.reported.has(message)) return;
    this.reported.add(message);
    this.log.error(message);
    const failure = new UpsLinkError(
      "connect_failed",
      message,
      {},
      cause === undefined ? undefined : { cause },
    );
    // An unheard `error` event would crash the process: emit it only to listeners.
    if (this.listenerCount("error") > 0) this.emit("error", failure);
  }

  private async subscribeOnBroker(filters: readonly string[]): Promise<void> {
    // MQTT 5 "retain as published": a broker otherwise clears the retain flag of a message published
    // while we are subscribed, and a retained command (or the empty retained publish that clears
    // one) would then run like a fresh request (CONTRACT.md: retained requests are ignored).
    const options = this.protocolVersion === 5 ? { qos: this.qos, rap: true } : { qos: this.qos };
    const granted = await this.client.subscribeAsync([...filters], options);
    for (const grant of granted) {
      if (grant.qos === 128)
        throw new Error(`The broker refused the subscription to ${grant.topic}: check its ACL.`);
    }
    this.log.debug({ filters }, "subscribed");
  }

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const properties = packet.properties;
    const message: IncomingMessage = {
      topic,
      payload,
      retain: packet.retain,
      ...(properties?.responseTopic === undefined ? {} : { responseTopic: properties.responseTopic }),
      ...(properties?.correlationData === undefined ? {} : { correlationData: properties.correlationData }),
    };
    for (const [filter, set] of this.handlers) {
      if (!topicMatches(filter, topic)) continue;
      for (const handler of set) {
        try {
          const result = handler(message);
          if (result instanceof Promise)
            result.catch((error: unknown) => this.log.error({ err: error, topic }, "message handler failed"));
        } catch (error) {
          this.log.error({ err: error, topic }, "message handler failed");
        }
      }
    }
  }
}
