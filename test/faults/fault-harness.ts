// An in-process bridge for fault tests: the real Bridge, MqttConnection and LinkSession, a real
// broker, and the simulated UPS behind a transport whose port can vanish and come back (as a USB
// adapter that is pulled and plugged in again). Unlike test/helpers/harness.ts it exposes the
// transport and the session, and it can route the bridge's MQTT connection through another URL
// (a proxy the test can cut) while the observing client talks to the broker directly.
import type { MqttClient } from "mqtt";
import { Bridge } from "../../src/bridge/bridge.js";
import { createMqttConnection } from "../../src/bridge/mqtt-factory.js";
import { valuePayload } from "../../src/bridge/payload.js";
import { type Config, loadConfig } from "../../src/config/index.js";
import type { LinkOptions } from "../../src/link/options.js";
import { LinkSession } from "../../src/link/session.js";
import { SimTransport } from "../../src/link/sim.js";
import type { TransportEvents } from "../../src/link/transport.js";
import { type Logger, silentLogger } from "../../src/log.js";
import type { MqttConnection } from "../../src/mqtt/connection.js";
import { EVENTS, rowById } from "../../src/protocol/catalogue/index.js";
import { UpsLinkError } from "../../src/protocol/errors.js";
import type { Value } from "../../src/protocol/types.js";
import { type Profile, type ProfileName, SmartUpsSimulator } from "../../src/simulator/index.js";
import { CatalogueLink } from "../../src/ups/catalogue-link.js";
import {
  collect,
  connectClient,
  type ReceivedMessage,
  startTestBroker,
  type TestBroker,
  waitInRecorded,
} from "../helpers/broker.js";
import { powerOnAlert } from "../helpers/harness.js";
import { sleep, waitUntil } from "../helpers/wait.js";

export { sleep };

/** A simulated port that can disappear (open fails, the open port closes) and return. */
export class VanishingTransport extends SimTransport {
  #gone = false;
  /** Called with every write after it went out; used to pull the port at a chosen moment. */
  afterWrite: ((bytes: Uint8Array) => void) | null = null;
  /** Successful opens so far (the first connect and every reconnect). */
  opens = 0;
  /** Opens refused because the port was gone. */
  failedOpens = 0;
  /** Rewrites what the unit sends before the session sees it (a line that garbles bytes). */
  corrupt: ((bytes: Uint8Array) => Uint8Array) | null = null;

  get gone(): boolean {
    return this.#gone;
  }

  override async open(): Promise<void> {
    if (this.#gone) {
      this.failedOpens++;
      throw new UpsLinkError("port_not_found", `${this.description} does not exist (unplugged).`);
    }
    await super.open();
    this.opens++;
  }

  override async write(bytes: Uint8Array): Promise<void> {
    await super.write(bytes);
    this.afterWrite?.(bytes);
  }

  protected override emit<E extends keyof TransportEvents>(
    event: E,
    ...args: Parameters<TransportEvents[E]>
  ): void {
    const [bytes] = args;
    if (event === "data" && this.corrupt !== null && bytes instanceof Uint8Array) {
      super.emit("data", this.corrupt(bytes));
      return;
    }
    super.emit(event, ...args);
  }

  /** Bytes on the line as if the unit had sent them (noise while the port is open). */
  inject(bytes: Uint8Array): void {
    if (this.isOpen) super.emit("data", Uint8Array.from(bytes));
  }

  /** The device node disappears: the open port reports a close, and reopening fails until `plugIn`. */
  vanish(): void {
    this.#gone = true;
    this.unplug();
  }

  plugIn(): void {
    this.#gone = false;
  }
}

export interface FaultHarnessOptions {
  /** A named profile, or one built by the test (a unit with its own quirks). */
  readonly profile?: ProfileName | Profile;
  /** Extra UPSLINK_* environment. */
  readonly env?: Readonly<Record<string, string>>;
  readonly link?: Partial<LinkOptions>;
  /** The bridge connects here instead of the broker (a proxy); the observer always uses the broker. */
  readonly bridgeMqttUrl?: (broker: TestBroker) => Promise<string> | string;
  readonly broker?: TestBroker;
  readonly logger?: Logger;
  /** The bridge starts only after the UPS sent its power-on alert (see test/helpers/harness.ts). */
  readonly upsOnBeforeConnect?: boolean;
}

export interface FaultHarness {
  readonly broker: TestBroker;
  readonly config: Config;
  readonly bridge: Bridge;
  readonly mqtt: MqttConnection;
  readonly client: MqttClient;
  readonly base: string;
  readonly sim: SmartUpsSimulator;
  readonly transport: VanishingTransport;
  readonly session: LinkSession;
  readonly messages: ReceivedMessage[];
  /** `<base>/ups/<rest>` */
  topic(rest: string): string;
  waitFor(
    topic: string,
    predicate?: (payload: string) => boolean,
    options?: { since?: number; timeoutMs?: number },
  ): Promise<ReceivedMessage>;
  /** The UPS model's current values. */
  snapshot(): { [key: string]: Value };
  request(topic: string, payload: string, responseId: string): Promise<Record<string, unknown>>;
  /**
   * Resolves once everything the bridge published before now has reached the observing client: a
   * request for an unknown action (answered with an error, nothing sent to the UPS) is answered
   * after it, over the same connections, in order.
   */
  barrier(): Promise<void>;
  stop(): Promise<void>;
}

/** Link timings short enough for tests, long enough for a loaded 2-core machine. */
export const FAST_LINK: Partial<LinkOptions> = {
  reconnectMinMs: 200,
  reconnectMaxMs: 1000,
  queryTimeoutMs: 800,
  handshakeTimeoutMs: 800,
};

export async function startFaultHarness(options: FaultHarnessOptions = {}): Promise<FaultHarness> {
  const broker = options.broker ?? (await startTestBroker());
  const base = `f${Math.random().toString(16).slice(2, 8)}`;
  const bridgeUrl = options.bridgeMqttUrl === undefined ? broker.url : await options.bridgeMqttUrl(broker);
  const config = loadConfig({
    argv: [],
    env: {
      UPSLINK_MQTT_URL: bridgeUrl,
      UPSLINK_MQTT_BASE_TOPIC: base,
      UPSLINK_MQTT_RECONNECT_PERIOD_MS: "200",
      UPSLINK_MQTT_RECONNECT_MAX_MS: "1000",
      UPSLINK_POLL_INTERVAL_MS: "250",
      UPSLINK_UPS_ID: "ups",
      // The bridge's link is built below; the port names a profile only for the configuration.
      UPSLINK_UPS_PORT: `sim://${typeof options.profile === "string" ? options.profile : "smartups-3g-120"}`,
      UPSLINK_LOG_LEVEL: "silent",
      ...options.env,
    },
  });
  const logger = options.logger ?? silentLogger();
  const sim = new SmartUpsSimulator({ profile: options.profile ?? "smartups-3g-120" });
  const poweredOn = powerOnAlert(sim);
  const transport = new VanishingTransport({ simulator: sim });
  const session = new LinkSession({ transport, logger, options: { ...FAST_LINK, ...options.link } });
  const mqtt = createMqttConnection(config.mqtt, logger, { closeTimeoutMs: 2000 });
  const client = await connectClient(broker.url);
  const seen = await collect(client, "#");
  const bridge = new Bridge({ config, logger, mqtt, createLink: () => new CatalogueLink(session) });
  await mqtt.start();
  if (options.upsOnBeforeConnect === true) await poweredOn;
  await bridge.start();

  const h: FaultHarness = {
    broker,
    config,
    bridge,
    mqtt,
    client,
    base,
    sim,
    transport,
    session,
    messages: seen.messages,
    topic: (rest) => `${base}/ups/${rest}`,
    waitFor(topic, predicate = () => true, { since = 0, timeoutMs = 20_000 } = {}) {
      return waitInRecorded(seen.messages, topic, predicate, { since, timeoutMs });
    },
    snapshot() {
      return bridge.runtimes.get("ups")?.model.store.snapshot() ?? {};
    },
    async request(topic, payload, responseId) {
      const since = seen.messages.length;
      await client.publishAsync(topic, payload, { qos: 1 });
      const response = await h.waitFor(h.topic(`response/${responseId}`), () => true, { since });
      return JSON.parse(response.payload) as Record<string, unknown>;
    },
    async barrier() {
      const reply = await h.request(h.topic("command/no_such_action"), "", "no_such_action");
      if ((reply.error as { code?: string } | null)?.code !== "unknown_action")
        throw new Error(`the barrier request got ${JSON.stringify(reply)}`);
    },
    async stop() {
      await bridge.stop();
      sim.stop();
      await seen.stop();
      await client.endAsync(true);
      if (options.broker === undefined) await broker.stop();
    },
  };
  return h;
}

/**
 * The query that marks poll cycles: line voltage (`L`) is read once in every fast poll and never
 * again on an alert, so two of them on the wire enclose one complete cycle (one request at a time:
 * every query of the cycle was answered before the next `L` went out).
 */
const CYCLE_MARK = rowById("line_voltage");
if (CYCLE_MARK.tier !== "fast" || EVENTS.some((e) => (e.reread as readonly string[]).includes(CYCLE_MARK.id)))
  throw new Error("line_voltage no longer marks poll cycles: pick another fast-tier query for CYCLE_MARK");
const CYCLE_BYTE = CYCLE_MARK.wire.bytes[0];

/** Waits until `cycles` complete fast poll cycles have gone over the wire after this call. */
export async function nextPolls(h: FaultHarness, cycles = 1): Promise<void> {
  await nextPollCycles(h.sim, cycles);
}

/** `nextPolls` for any simulator (the plain harness's too). */
export async function nextPollCycles(sim: SmartUpsSimulator, cycles = 1): Promise<void> {
  const from = sim.received.length;
  const count = (): number => sim.received.slice(from).filter((r) => r.byte === CYCLE_BYTE).length;
  await waitUntil(`${cycles} complete poll cycle(s)`, () => count() > cycles, { timeoutMs: 30_000 });
}

/**
 * After a fault: the link polls cleanly again (two complete cycles after this call, so whatever the
 * fault left in flight has been answered and applied), and all the bridge published meanwhile has
 * reached the observer. What it published is then complete for a check.
 */
export async function settled(h: FaultHarness): Promise<void> {
  await nextPolls(h, 2);
  await h.barrier();
}

/**
 * Waits until the first full read is out and the values have settled (two snapshots a full poll
 * cycle apart agree), and returns them: the simulator is idle, so these are its true values.
 */
export async function settledBaseline(h: FaultHarness): Promise<{ [key: string]: Value }> {
  await h.waitFor(h.topic("availability"), (p) => p === "online");
  await h.waitFor(h.topic("state"), (p) => {
    const json = JSON.parse(p) as Record<string, unknown>;
    return json.line_voltage_vac !== null && json.ups_id !== null && json.power_state !== null;
  });
  for (let attempt = 0; attempt < 40; attempt++) {
    const first = JSON.stringify(h.snapshot());
    await nextPolls(h);
    const second = h.snapshot();
    if (JSON.stringify(second) === first) return second;
  }
  throw new Error("the values never settled while the simulator was idle");
}

/**
 * Every value published since `since` (per-key topics and the `state` JSON) that differs from the
 * baseline: with the simulator idle and on line, any difference is a wrong value.
 */
export function wrongValues(
  h: FaultHarness,
  baseline: { readonly [key: string]: Value },
  since: number,
): string[] {
  const wrong: string[] = [];
  const prefix = `${h.base}/ups/`;
  for (const message of h.messages.slice(since)) {
    if (!message.topic.startsWith(prefix)) continue;
    const key = message.topic.slice(prefix.length);
    if (key === "state") {
      const json = JSON.parse(message.payload) as Record<string, Value>;
      for (const [name, value] of Object.entries(json)) {
        if (name in baseline && JSON.stringify(value) !== JSON.stringify(baseline[name]))
          wrong.push(`state.${name} = ${JSON.stringify(value)} (true: ${JSON.stringify(baseline[name])})`);
      }
      continue;
    }
    if (!(key in baseline)) continue;
    const expected = valuePayload(baseline[key] ?? null);
    if (message.payload !== expected) wrong.push(`${key} = ${message.payload} (true: ${expected})`);
  }
  return wrong;
}
