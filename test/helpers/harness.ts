// An in-process bridge for integration tests: a real broker (startTestBroker), the real Bridge, real
// LinkSessions over in-process simulators (one per UPS), and an MQTT client to drive it. The
// simulators stay reachable for control lines and for the bytes they received.
import type { MqttClient } from "mqtt";
import { Bridge } from "../../src/bridge/bridge.js";
import { createMqttConnection } from "../../src/bridge/mqtt-factory.js";
import { type Config, loadConfig } from "../../src/config/index.js";
import type { LinkOptions } from "../../src/link/options.js";
import { LinkSession } from "../../src/link/session.js";
import { SimTransport } from "../../src/link/sim.js";
import { silentLogger } from "../../src/log.js";
import type { MqttConnection } from "../../src/mqtt/connection.js";
import { type Clock, type ProfileName, SmartUpsSimulator } from "../../src/simulator/index.js";
import { CatalogueLink } from "../../src/ups/catalogue-link.js";
import {
  collect,
  connectClient,
  type ReceivedMessage,
  startTestBroker,
  type TestBroker,
  waitInRecorded,
} from "./broker.js";
import { waitForValue, waitUntil } from "./wait.js";
import { firstReadOver } from "./wire.js";

export interface HarnessOptions {
  /** Profile (or profile and serial) per UPS id; one UPS `ups` with the 120 V 3G profile by default. */
  readonly upses?: Readonly<
    Record<string, ProfileName | { readonly profile: ProfileName; readonly serial: string }>
  >;
  /** Extra UPSLINK_* environment (e.g. UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE). */
  readonly env?: Readonly<Record<string, string>>;
  /** Reuse a broker (several bridges on one broker). */
  readonly broker?: TestBroker;
  readonly baseTopic?: string;
  /**
   * The bridge opens each simulated port only after that UPS sent its power-on alert, as when it
   * connects to a unit that has been on for a while: nothing but the bridge's own requests (and
   * what tests make the UPS do) then reaches the wire, which tests that count bytes rely on.
   */
  readonly upsOnBeforeConnect?: boolean;
  /** The simulators' time (default: the real time), e.g. a SkipClock to reach a unit's slow timers. */
  readonly simulatorClock?: Clock;
  /** Link options over the harness's short test timings (e.g. `{}` values from DEFAULT_LINK_OPTIONS). */
  readonly link?: Partial<LinkOptions>;
  /** Called with each simulator as soon as it is made, before the bridge sends it anything. */
  readonly onSimulator?: (ups: string, simulator: SmartUpsSimulator) => void;
}

export interface Harness {
  readonly broker: TestBroker;
  readonly config: Config;
  readonly bridge: Bridge;
  readonly mqtt: MqttConnection;
  readonly client: MqttClient;
  readonly base: string;
  simulator(ups?: string): SmartUpsSimulator;
  /** Every message the client saw since start (topic filter `#`). */
  readonly messages: ReceivedMessage[];
  /** Waits for a message on `topic` matching `predicate`, seen from `since` (index into messages). */
  waitFor(
    topic: string,
    predicate?: (payload: string) => boolean,
    options?: { since?: number; timeoutMs?: number },
  ): Promise<ReceivedMessage>;
  /** The latest payload seen on a topic. */
  last(topic: string): string | undefined;
  publish(topic: string, payload: string, options?: { retain?: boolean }): Promise<void>;
  /** Publishes a request and waits for the response on `response/<responseId>`. */
  request(topic: string, payload: string, responseId: string): Promise<Record<string, unknown>>;
  /**
   * Resolves once everything the bridge published for `ups` before now has reached the client: a
   * request for an unknown action (an error answer, nothing sent to the UPS) is answered after it,
   * over the same connections, in order.
   */
  barrier(ups?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const broker = options.broker ?? (await startTestBroker());
  const upses = options.upses ?? { ups: "smartups-3g-120" };
  const base = options.baseTopic ?? `t${Math.random().toString(16).slice(2, 8)}`;
  const ids = Object.keys(upses);
  const profileOf = (id: string): ProfileName => {
    const spec = upses[id] ?? "smartups-3g-120";
    return typeof spec === "string" ? spec : spec.profile;
  };
  const serialOf = (id: string): string | undefined => {
    const spec = upses[id];
    return typeof spec === "object" ? spec.serial : undefined;
  };
  const env: Record<string, string> = {
    UPSLINK_MQTT_URL: broker.url,
    UPSLINK_MQTT_BASE_TOPIC: base,
    UPSLINK_POLL_INTERVAL_MS: "250",
    UPSLINK_LOG_LEVEL: "silent",
    ...options.env,
  };
  if (ids.length === 1) {
    env.UPSLINK_UPS_ID = ids[0] ?? "ups";
    env.UPSLINK_UPS_PORT = `sim://${profileOf(ids[0] ?? "ups")}`;
  }
  const argv: string[] = [];
  if (ids.length > 1) {
    // Several UPSes come from a config file; write it next to the test.
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "upslink-harness-"));
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ ups: ids.map((id) => ({ id, port: `sim://${profileOf(id)}` })) }));
    argv.push("--config", file);
  }
  const config = loadConfig({ argv, env });
  const logger = silentLogger();
  const simulators = new Map<string, SmartUpsSimulator>();
  const mqtt = createMqttConnection(config.mqtt, logger);
  const client = await connectClient(broker.url);
  const seen = await collect(client, "#");
  const bridge = new Bridge({
    config,
    logger,
    mqtt,
    createLink: (ups) => {
      const serial = serialOf(ups.id);
      const clock = options.simulatorClock;
      const simulator = new SmartUpsSimulator({
        profile: profileOf(ups.id),
        ...(serial === undefined ? {} : { serial }),
        ...(clock === undefined ? {} : { clock }),
      });
      simulators.set(ups.id, simulator);
      options.onSimulator?.(ups.id, simulator);
      const transport =
        options.upsOnBeforeConnect === true
          ? new DeferredSimTransport(simulator, powerOnAlert(simulator))
          : new SimTransport({ simulator });
      return new CatalogueLink(
        new LinkSession({
          transport,
          logger,
          options: {
            reconnectMinMs: 200,
            reconnectMaxMs: 1000,
            queryTimeoutMs: 800,
            handshakeTimeoutMs: 800,
            ...options.link,
          },
        }),
      );
    },
  });
  await mqtt.start();
  await bridge.start();

  const harness: Harness = {
    broker,
    config,
    bridge,
    mqtt,
    client,
    base,
    messages: seen.messages,
    simulator(ups = ids[0] ?? "ups") {
      const sim = simulators.get(ups);
      if (sim === undefined) throw new Error(`no simulator for ${ups}`);
      return sim;
    },
    waitFor(topic, predicate = () => true, { since = 0, timeoutMs = 15_000 } = {}) {
      return waitInRecorded(seen.messages, topic, predicate, { since, timeoutMs });
    },
    last(topic) {
      const list = seen.messages.filter((m) => m.topic === topic);
      return list.at(-1)?.payload;
    },
    async publish(topic, payload, { retain = false } = {}) {
      await client.publishAsync(topic, payload, { qos: 1, retain });
    },
    async request(topic, payload, responseId) {
      const since = seen.messages.length;
      await client.publishAsync(topic, payload, { qos: 1 });
      const ups = topic.slice(base.length + 1).split("/")[0];
      const response = await harness.waitFor(`${base}/${ups}/response/${responseId}`, () => true, { since });
      return JSON.parse(response.payload) as Record<string, unknown>;
    },
    async barrier(ups = ids[0] ?? "ups") {
      const reply = await harness.request(`${base}/${ups}/command/no_such_action`, "", "no_such_action");
      if ((reply.error as { code?: string } | null)?.code !== "unknown_action")
        throw new Error(`the barrier request got ${JSON.stringify(reply)}`);
    },
    async stop() {
      await bridge.stop();
      for (const sim of simulators.values()) sim.stop();
      await seen.stop();
      await client.endAsync();
      if (options.broker === undefined) await broker.stop();
    },
  };
  return harness;
}

/** Waits until the UPS is online and its first full read is published. */
export async function waitReady(h: Harness, ups = "ups"): Promise<void> {
  await h.waitFor(`${h.base}/${ups}/availability`, (p) => p === "online");
  await h.waitFor(`${h.base}/${ups}/power_state`, (p) => p !== "null");
}

/**
 * Resolves when the simulator sends the `?` a Smart-UPS sends at power-on (it does so a moment after
 * it is made): call it right after making the simulator.
 */
export function powerOnAlert(sim: SmartUpsSimulator): Promise<void> {
  return new Promise((resolve) => {
    const onData = (bytes: Uint8Array): void => {
      if (!bytes.includes(0x3f)) return;
      sim.off("data", onData);
      resolve();
    };
    sim.on("data", onData);
  });
}

/** A simulated port that opens only once `ready` resolves. */
class DeferredSimTransport extends SimTransport {
  readonly #ready: Promise<void>;

  constructor(simulator: SmartUpsSimulator, ready: Promise<void>) {
    super({ simulator });
    this.#ready = ready;
  }

  override async open(): Promise<void> {
    await this.#ready;
    await super.open();
  }
}

/**
 * Waits until the bridge's first full read of the UPS is over. With the UPS on before the bridge
 * connects (`upsOnBeforeConnect`) and polls far apart, nothing else reaches the wire after it.
 */
export async function firstReadDone(bridge: Bridge, sim: SmartUpsSimulator, ups = "ups"): Promise<void> {
  const caps = await waitForValue(
    "the capabilities",
    () => bridge.runtimes.get(ups)?.model.caps ?? undefined,
  );
  await waitUntil("the first full read", () => firstReadOver(sim, caps.supported));
}

/** Host bytes the simulator received since index `from`, as text (control bytes escaped). */
export function receivedText(sim: SmartUpsSimulator, from = 0): string {
  return sim.received
    .slice(from)
    .map(({ byte }) =>
      byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`,
    )
    .join("");
}
