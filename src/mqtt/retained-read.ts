// Reading back what the broker holds retained under a topic filter: subscribe, take the retained
// messages the broker sends for the subscription, and stop when a marker published after the
// subscription comes back (or after a bound, when it does not), then unsubscribe. A broker sends a
// subscription's retained messages as it takes the SUBSCRIBE, so a message published after the
// SUBACK reaches us after them: mosquitto and aedes keep one outgoing queue per client.
//
// One mechanism for every read-back (Home Assistant device configs, per-key topics left by an
// earlier run). Knows nothing of what the topics mean: the caller decides what to do with them.
import { randomUUID } from "node:crypto";
import { Timers } from "../util/timers.js";
import type { IncomingMessage, MessageHandler, PublishOptions } from "./connection.js";
import { bridgeReadBack } from "./topics.js";

/** What the reader needs of the connection (MqttConnection has it). */
export interface ReadBackConnection {
  readonly baseTopic: string;
  readonly connected: boolean;
  subscribe(filter: string, handler: MessageHandler): Promise<void>;
  unsubscribe(filter: string, handler?: MessageHandler): Promise<void>;
  publish(topic: string, payload: string, options?: PublishOptions): Promise<void>;
}

export interface RetainedSnapshot {
  /** Topic → payload of every retained message seen under the filter (cleared ones removed). */
  readonly messages: ReadonlyMap<string, Buffer>;
  /**
   * The marker came back: `messages` is everything the broker held when it was taken. False: the
   * bound passed first, or the broker went away; `messages` may lack some.
   */
  readonly complete: boolean;
}

/** The longest a read-back waits for its marker unless the caller says otherwise. */
export const DEFAULT_READ_BACK_TIMEOUT_MS = 3000;

const EMPTY: RetainedSnapshot = { messages: new Map(), complete: false };

export class RetainedReader {
  /** The read in progress per filter: a second one waits for it (one SUBSCRIBE each). */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly timers = new Timers();

  constructor(
    private readonly connection: ReadBackConnection,
    private readonly timeoutMs = DEFAULT_READ_BACK_TIMEOUT_MS,
  ) {}

  /**
   * The retained messages under `filter` now. The filter must be this reader's alone: the broker
   * sends retained messages only for a new subscription, and a filter that overlaps another
   * subscription would have the broker deliver live messages twice (one copy per subscription).
   * Not connected: an empty, incomplete snapshot at once (read again after connecting).
   */
  async read(filter: string): Promise<RetainedSnapshot> {
    const before = this.inFlight.get(filter);
    const run = (before ?? Promise.resolve()).then(
      () => this.readNow(filter),
      () => this.readNow(filter),
    );
    this.inFlight.set(filter, run);
    try {
      return await run;
    } finally {
      if (this.inFlight.get(filter) === run) this.inFlight.delete(filter);
    }
  }

  /** Ends the waits in progress (their snapshots come back incomplete). */
  close(): void {
    this.timers.clearAll();
  }

  private async readNow(filter: string): Promise<RetainedSnapshot> {
    const { connection } = this;
    if (!connection.connected) return EMPTY;
    const messages = new Map<string, Buffer>();
    const token = randomUUID();
    const markerTopic = bridgeReadBack(connection.baseTopic);
    let markerBack = (): void => {};
    const back = new Promise<void>((resolve) => {
      markerBack = resolve;
    });
    const collect = (message: IncomingMessage): void => {
      // Live messages on a filter without "retain as published" (MQTT 3.1.1) come with the flag
      // cleared: they are not what the broker holds, and a later read sees them if they were.
      if (!message.retain) return;
      if (message.payload.length === 0) messages.delete(message.topic);
      else messages.set(message.topic, message.payload);
    };
    const marker = (message: IncomingMessage): void => {
      if (message.payload.toString("utf8") === token) markerBack();
    };
    try {
      await connection.subscribe(markerTopic, marker);
      await connection.subscribe(filter, collect);
      // Not awaited on its own: a publication made while the broker is away waits for the next
      // connect, and the bound below must hold whatever happens.
      connection.publish(markerTopic, token, { retain: false }).catch(() => undefined);
      const complete = await this.timers.within(back, this.timeoutMs);
      return { messages, complete: complete && connection.connected };
    } catch {
      // The broker went away or refused: what was seen may be partial.
      return { messages, complete: false };
    } finally {
      await connection.unsubscribe(filter, collect).catch(() => undefined);
      await connection.unsubscribe(markerTopic, marker).catch(() => undefined);
    }
  }
}
