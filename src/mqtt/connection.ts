// The MQTT connection: MQTT.js with the bridge's habits. A retained `offline` last will and a
// retained `online` after every connect on <base>/bridge/state; subscriptions kept here and made
// again after every reconnect; publications queued while the broker is away; reconnect delays that
// double up to a maximum, driven by our own timer (MQTT.js's own reconnect is off); MQTT 5 requests
// answered on their response topic.
//
// Knows nothing of the UPS or of the configuration: the caller maps its settings to
// `MqttConnectionOptions` and supplies the sentences and errors users see.
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient, Store } from "mqtt";
import type { Logger } from "../log.js";
import { TypedEmitter } from "../util/emitter.js";
import { Timers } from "../util/timers.js";
import { OfflineQueue, type QueuedPublication } from "./offline-queue.js";
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
  /** Connected and subscribed again (after the first connect and after every reconnect). */
  connect: () => void;
  /** The broker became unreachable (once per outage). */
  offline: () => void;
  /** A connection problem, as the caller's error (one per distinct problem and outage). */
  error: (error: Error) => void;
}

/** TLS material, already read: PEM contents, not paths. */
export interface MqttTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly passphrase?: string;
  readonly rejectUnauthorized: boolean;
}

export interface MqttConnectionOptions {
  /** mqtt://, mqtts://, ws:// or wss://, credentials included if any. */
  readonly url: string;
  /** The broker as logs name it: the URL without its password. */
  readonly displayUrl: string;
  readonly clientId: string;
  readonly username: string | null;
  readonly password: string | null;
  /** 5 falls back to 4 when the broker refuses MQTT 5. */
  readonly protocolVersion: 4 | 5;
  readonly keepaliveS: number;
  /** <base>/bridge/state carries the retained online/offline state. */
  readonly baseTopic: string;
  /** QoS of publications and subscriptions unless a call says otherwise. */
  readonly qos: QoS;
  /** The first reconnect delay; it doubles after every failed attempt up to `maxMs`. */
  readonly reconnect: { readonly minMs: number; readonly maxMs: number };
  readonly tls: MqttTls;
  readonly logger: Logger;
  /** An MQTT.js or socket error as a sentence the user can act on. */
  readonly describeError: (error: Error) => string;
  /** The error `error` listeners receive, and `start()` rejects with, for such a sentence. */
  readonly failure: (sentence: string, cause?: Error) => Error;
  /** How long close() waits for the `offline` publication to be acknowledged. */
  readonly closeTimeoutMs?: number;
  /** Non-retained publications kept while the broker is away (default 1000; the oldest go first). */
  readonly offlineQueueLimit?: number;
}

export const ONLINE = "online";
export const OFFLINE = "offline";

/** Non-retained publications kept while the broker is away, unless the options say otherwise. */
export const DEFAULT_OFFLINE_QUEUE_LIMIT = 1000;

/** The next reconnect delay: doubled after every failed attempt, never above the maximum. */
export function nextReconnectDelay(current: number, base: number, max: number): number {
  return Math.min(Math.max(current, base) * 2, Math.max(base, max));
}

/** The MQTT.js options for a connection speaking `protocolVersion`. */
export function clientOptions(options: MqttConnectionOptions, protocolVersion: 4 | 5): IClientOptions {
  const { tls } = options;
  return {
    clientId: options.clientId,
    protocolVersion,
    keepalive: options.keepaliveS,
    // Reconnecting is ours (MqttConnection.scheduleReconnect): MQTT.js retries only on a fixed
    // period, and its timer cannot be re-armed through its public API.
    reconnectPeriod: 0,
    connectTimeout: 30_000,
    // A request queued while the bridge was away could run a UPS command hours late: no persistent
    // session. Subscriptions are made again by this class after every connect.
    clean: true,
    resubscribe: false,
    manualConnect: true,
    // mqtt-packet otherwise pre-builds a Buffer for every 16-bit number (65,536 of them, ~6.5 MB
    // of heap): worth it for brokers, not for a bridge that publishes a few messages a second.
    writeCache: false,
    will: { topic: bridgeState(options.baseTopic), payload: Buffer.from(OFFLINE), qos: 1, retain: true },
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(options.username === null ? {} : { username: options.username }),
    ...(options.password === null ? {} : { password: options.password }),
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
  };
}

/** CONNACK codes that mean "this broker does not speak MQTT 5" (3.1.1 code 1, MQTT 5 code 132). */
const UNSUPPORTED_PROTOCOL_CODES: ReadonlySet<unknown> = new Set([1, 132]);

function errorCode(error: Error): unknown {
  return "code" in error ? error.code : undefined;
}

export class MqttConnection extends TypedEmitter<MqttConnectionEvents> {
  readonly baseTopic: string;
  readonly qos: QoS;
  private readonly options: MqttConnectionOptions;
  private readonly log: Logger;
  private readonly timers = new Timers();
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  private readonly closeTimeoutMs: number;
  /**
   * The session stores outlive each connection (and the client made for the MQTT 5 fallback): a
   * QoS 1/2 publication still unacknowledged when the connection broke stays in the outgoing store,
   * and MQTT.js sends that store again after every connect.
   */
  private readonly stores = { incomingStore: new Store(), outgoingStore: new Store() };
  /** Publications made while the broker is away: bounded, sent after the next connect. */
  private readonly offlineQueue: OfflineQueue;
  private client: MqttClient;
  /** The version to speak; `clientVersion` is the one the current client was made with. */
  private protocolVersion: 4 | 5;
  private clientVersion: 4 | 5;
  private reconnectDelay: number;
  private cancelReconnect: (() => void) | null = null;
  /** Between a lost (or failed first) connection and the next successful one. */
  private outage = false;
  private closed = false;
  private started: Promise<void> | null = null;
  private abortStart: ((error: Error) => void) | null = null;
  /** Error sentences already logged during the current outage (one line per distinct problem). */
  private readonly reported = new Set<string>();

  constructor(options: MqttConnectionOptions) {
    super();
    this.options = options;
    this.baseTopic = options.baseTopic;
    this.qos = options.qos;
    this.log = options.logger.child({ module: "mqtt" });
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    this.protocolVersion = options.protocolVersion;
    this.clientVersion = options.protocolVersion;
    this.reconnectDelay = options.reconnect.minMs;
    this.offlineQueue = new OfflineQueue(options.offlineQueueLimit ?? DEFAULT_OFFLINE_QUEUE_LIMIT);
    this.client = this.createClient(this.clientVersion);
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
      const cancel = this.once("connect", () => {
        this.abortStart = null;
        resolve();
      });
      this.abortStart = (error) => {
        cancel();
        reject(error);
      };
    });
    // A caller that does not wait for the first connection must not see an unhandled rejection.
    this.started.catch(() => {});
    this.log.info(
      { url: this.options.displayUrl, clientId: this.options.clientId },
      "connecting to the MQTT broker",
    );
    this.client.connect();
    return this.started;
  }

  /**
   * Publishes; resolves when the broker acknowledged it (QoS 1/2) or it was written (QoS 0). While the
   * broker is away the message waits in the offline queue and the promise stays pending until it is
   * sent, replaced by a newer retained value on its topic, or dropped to keep the queue bounded.
   */
  async publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<void> {
    const qos = options.qos ?? this.qos;
    const retain = options.retain ?? false;
    this.log.debug({ topic, retain, qos, bytes: payload.length }, "publish");
    await this.send(topic, payload, { qos, retain });
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
      sends.push(this.send(request.responseTopic, payload, { qos: this.qos, retain: false, properties }));
    }
    await Promise.all(sends);
  }

  /** Publishes `offline` (retained) while still connected, then disconnects. Idempotent, bounded in time. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // No reconnect after this, and a start() still waiting learns why it never connects.
    this.timers.clearAll();
    this.cancelReconnect = null;
    this.abortStart?.(this.options.failure("The MQTT connection was closed before it connected."));
    this.abortStart = null;
    this.offlineQueue.abandon(new Error("The MQTT connection was closed before this could be published."));
    if (this.started === null) return;
    if (this.client.connected) {
      const acknowledged = await this.timers.within(
        this.send(bridgeState(this.baseTopic), OFFLINE, { retain: true, qos: 1 }),
        this.closeTimeoutMs,
      );
      // A broker that acknowledged is there to receive a DISCONNECT; one that did not gets its
      // socket closed, so nothing waits on it.
      await this.timers.within(this.client.endAsync(!acknowledged), this.closeTimeoutMs);
    } else {
      // Not connected: nothing can be delivered; drop the offline queue.
      await this.timers.within(this.client.endAsync(true), this.closeTimeoutMs);
    }
    this.timers.clearAll();
    this.log.info("MQTT connection closed");
  }

  private createClient(protocolVersion: 4 | 5): MqttClient {
    const client = mqtt.connect(this.options.url, {
      ...clientOptions(this.options, protocolVersion),
      ...this.stores,
    });
    // A client replaced by the MQTT 3.1.1 fallback is abandoned: its late events are not ours.
    client.on("connect", (connack) => {
      if (client === this.client) this.onConnect(connack.sessionPresent);
    });
    client.on("close", () => {
      if (client === this.client) this.onClose();
    });
    client.on("error", (error) => {
      if (client === this.client) this.onError(error);
    });
    client.on("message", (topic, payload, packet) => {
      if (client === this.client) this.onMessage(topic, payload, packet);
    });
    return client;
  }

  private send(
    topic: string,
    payload: string | Buffer,
    options: { qos: QoS; retain: boolean; properties?: { correlationData?: Buffer } },
  ): Promise<void> {
    const publication: QueuedPublication = { topic, payload, ...options };
    if (this.client.connected || this.closed) return this.sendNow(publication);
    // MQTT.js would keep every publication until the broker is back: ours keeps what is worth it.
    const dropped = this.offlineQueue.dropped;
    const queued = this.offlineQueue.add(publication);
    if (dropped === 0 && this.offlineQueue.dropped > 0) {
      this.log.warn(
        { limit: this.offlineQueue.limit },
        `the broker is still away: dropped the oldest event or response; the ${this.offlineQueue.limit} most recent are kept (and the latest value of every retained topic)`,
      );
    }
    return queued;
  }

  private sendNow(publication: QueuedPublication): Promise<void> {
    const { topic, payload, ...options } = publication;
    return new Promise<void>((resolve, reject) => {
      this.client.publish(topic, payload, options, (error) => {
        if (error === undefined || error === null) resolve();
        else if (!this.closed && options.qos > 0 && error.message === "Connection closed") {
          // A forced disconnect (keep-alive or CONNACK timeout) fails the callbacks of publications
          // in flight, but they stay in the outgoing store and go out again after the reconnect.
          this.log.debug({ topic }, "in flight when the connection broke; sent again after reconnecting");
          resolve();
        } else reject(error);
      });
    });
  }

  private onConnect(sessionPresent: boolean): void {
    this.reconnectDelay = this.options.reconnect.minMs;
    this.outage = false;
    this.reported.clear();
    this.log.info(
      { url: this.options.displayUrl, protocolVersion: this.protocolVersion },
      "connected to the MQTT broker",
    );
    this.publish(bridgeState(this.baseTopic), ONLINE, { retain: true, qos: 1 }).catch((error: unknown) => {
      this.log.warn({ err: error }, "could not publish online state");
    });
    this.sendQueued();
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

  /** What was published while the broker was away, in order (MQTT.js keeps the order it is given). */
  private sendQueued(): void {
    const dropped = this.offlineQueue.dropped;
    const entries = this.offlineQueue.take();
    if (entries.length === 0) return;
    this.log.info(
      { messages: entries.length, dropped },
      "sending what was published while the broker was away",
    );
    if (dropped > 0) {
      this.log.warn(
        { dropped, limit: this.offlineQueue.limit },
        `${dropped} events or responses were dropped while the broker was away (the ${this.offlineQueue.limit} most recent were kept)`,
      );
    }
    for (const { publication, waiters } of entries) {
      this.sendNow(publication).then(
        () => {
          for (const waiter of waiters) waiter.resolve();
        },
        (error: Error) => {
          for (const waiter of waiters) waiter.reject(error);
        },
      );
    }
  }

  private onClose(): void {
    if (this.closed) return;
    if (!this.outage) {
      this.outage = true;
      this.log.warn(
        { url: this.options.displayUrl },
        "MQTT broker unreachable; publications are queued until it is back",
      );
      this.emit("offline");
    }
    this.scheduleReconnect();
  }

  /**
   * The first attempt after a loss waits the base period; every failed attempt doubles the wait up
   * to the maximum (a successful connect starts over).
   */
  private scheduleReconnect(): void {
    if (this.cancelReconnect !== null) return;
    const delay = this.reconnectDelay;
    const { minMs, maxMs } = this.options.reconnect;
    this.reconnectDelay = nextReconnectDelay(delay, minMs, maxMs);
    this.log.debug({ delayMs: delay }, "reconnecting to the MQTT broker after a pause");
    this.cancelReconnect = this.timers.after(delay, () => {
      this.cancelReconnect = null;
      this.reconnect();
    });
  }

  private reconnect(): void {
    if (this.closed) return;
    if (this.clientVersion !== this.protocolVersion) {
      // MQTT.js takes the protocol version when a client is made: make one that speaks 3.1.1. The
      // old one is closed already; ending it would close the stores the new one shares.
      this.clientVersion = this.protocolVersion;
      this.client = this.createClient(this.clientVersion);
      this.client.connect();
      return;
    }
    this.client.reconnect(this.stores);
  }

  private onError(error: Error): void {
    // Some brokers (aedes, old mosquitto) speak only MQTT 3.1.1: retry with it rather than fail.
    if (this.protocolVersion === 5 && UNSUPPORTED_PROTOCOL_CODES.has(errorCode(error))) {
      this.protocolVersion = 4;
      this.log.warn({ url: this.options.displayUrl }, "the broker refused MQTT 5; using MQTT 3.1.1");
      return;
    }
    this.report(this.options.describeError(error), error);
  }

  private report(message: string, cause?: Error): void {
    if (this.reported.has(message)) return;
    this.reported.add(message);
    this.log.error(message);
    // Nobody listening is fine: the sentence is logged.
    if (this.listenerCount("error") > 0) this.emit("error", this.options.failure(message, cause));
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
