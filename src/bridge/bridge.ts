// The composition root: one MQTT connection, and per configured UPS a link, a UPS model and a
// command service (ups-runtime.ts). The UPS side and the MQTT side never import each other; they
// meet here: model changes and command reports become retained topics and events, Home Assistant
// discovery goes through discovery-publisher.ts, and everything is republished on every connect.
import type { Config, UpsConfig } from "../config/index.js";
import { redactConfig } from "../config/index.js";
import { humanize } from "../homeassistant/names.js";
import type { Logger } from "../log.js";
import type { MqttConnection } from "../mqtt/connection.js";
import { RetainedPublisher } from "../mqtt/retained-publisher.js";
import { RetainedReader } from "../mqtt/retained-read.js";
import { bridgeInfo } from "../mqtt/topics.js";
import { findFirmwareAdvice } from "../protocol/firmware.js";
import type { Value } from "../protocol/types.js";
import type { CommandService } from "../ups/commands.js";
import type { UpsLink } from "../ups/link.js";
import type { KeySpec, UpsEvent, UpsModel } from "../ups/model.js";
import { Timers } from "../util/timers.js";
import { VERSION } from "../version.js";
import { DiscoveryPublisher } from "./discovery-publisher.js";
import type { HealthStatus } from "./health.js";
import { Leftovers } from "./leftovers.js";
import { valuePayload } from "./payload.js";
import { RequestHandler } from "./request-handler.js";
import { FIRMWARE_UPDATE_KEY } from "./topics.js";
import { createUpsRuntime, type UpsRuntime } from "./ups-runtime.js";

export interface BridgeDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly mqtt: MqttConnection;
  /** Builds the link for one UPS (a LinkSession over the transport its port names). */
  readonly createLink: (ups: UpsConfig) => UpsLink;
  /** How long to wait after Home Assistant's birth before republishing (tests shorten it). */
  readonly birthDelayMs?: () => number;
}

/**
 * Home Assistant's documentation asks publishers to wait a short random time after its birth
 * message, so that every device does not republish in the same instant while HA starts.
 */
const BIRTH_DELAY_MIN_MS = 1000;
const BIRTH_DELAY_SPREAD_MS = 4000;
const birthDelay = (): number => BIRTH_DELAY_MIN_MS + Math.random() * BIRTH_DELAY_SPREAD_MS;

export class Bridge {
  private readonly upses = new Map<string, UpsRuntime>();
  private readonly log: Logger;
  private readonly timers = new Timers();
  /** Cancels the pending republish after a Home Assistant birth; null when none is pending. */
  private birthPending: (() => void) | null = null;
  private stopped = false;
  /**
   * Every retained topic goes through it: one publication in flight per topic, the latest value
   * sent again when it changed meanwhile, so a slow broker never ends with an older value.
   */
  private readonly retained: RetainedPublisher;
  private readonly requests: RequestHandler;
  /** Reads retained topics back after every connect: discovery configs, per-key leftovers. */
  private readonly reader: RetainedReader;
  private readonly leftovers: Leftovers;
  private readonly discovery: DiscoveryPublisher;
  private readonly onMqttConnect = (): void => {
    void this.republishAll("mqtt connected");
    this.readBack();
  };

  constructor(private readonly deps: BridgeDeps) {
    this.log = deps.logger.child({ module: "bridge" });
    this.requests = new RequestHandler({ config: deps.config, mqtt: deps.mqtt, log: this.log });
    this.retained = new RetainedPublisher(
      (topic, payload) => deps.mqtt.publish(topic, payload, { retain: true, qos: deps.config.mqtt.qos }),
      (topic, error) => this.publishFailed(topic, error),
    );
    this.reader = new RetainedReader(deps.mqtt);
    this.leftovers = new Leftovers({
      reader: this.reader,
      clear: (topic) => void this.publish(topic, "", true),
      refresh: (id, key) => {
        const runtime = this.upses.get(id);
        const values: Record<string, Value> | undefined = runtime?.model.store.snapshot();
        const value = values?.[key];
        if (runtime !== undefined && value !== undefined)
          void this.publish(runtime.topics.key(key), valuePayload(value), true);
      },
      log: this.log,
    });
    this.discovery = new DiscoveryPublisher({
      config: deps.config,
      reader: this.reader,
      publish: (topic, payload, force = false) => this.publish(topic, payload, true, force),
      runtimes: () => this.upses.values(),
      log: this.log,
    });
    for (const ups of deps.config.upses) this.upses.set(ups.id, this.createRuntime(ups));
  }

  async start(): Promise<void> {
    const { mqtt, config } = this.deps;
    // A broker that restarted without persistence has lost every retained message.
    mqtt.on("connect", this.onMqttConnect);
    for (const runtime of this.upses.values()) {
      const base = runtime.topics;
      await mqtt.subscribe(
        base.commandFilter,
        (m) => void this.requests.handle(runtime.topics, runtime.commands, m),
      );
      await mqtt.subscribe(
        base.setFilter,
        (m) => void this.requests.handle(runtime.topics, runtime.commands, m),
      );
    }
    if (config.homeassistant.enabled) {
      await mqtt.subscribe(config.homeassistant.birth_topic, (m) => {
        if (m.payload.toString("utf8").trim() === "online") this.onHomeAssistantBirth();
      });
    }
    // Not awaited: QoS 1 publications resolve on the broker's acknowledgement, and the UPS must be
    // polled (and its alerts queued) while the broker is unreachable. Everything is published again
    // on every connect.
    void this.publishInfo();
    // The bridge device before any UPS device, which names it as `via_device`.
    void this.discovery.publishBridgeDevice();
    for (const runtime of this.upses.values()) {
      void this.publish(runtime.topics.availability, "offline", true);
      void this.publish(runtime.topics.pending, "[]", true);
    }
    if (config.mqtt.refresh_interval_s > 0) {
      this.timers.every(
        config.mqtt.refresh_interval_s * 1000,
        () => void this.republishAll("periodic refresh", false),
      );
    }
    // What an earlier run left retained is read back now, and again after every reconnect.
    if (mqtt.connected) this.readBack();
    // Links start in the background: a UPS that is not there yet is retried by its link.
    for (const runtime of this.upses.values()) {
      runtime.model.start().catch((error: unknown) => {
        this.log.error(
          { ups: runtime.config.id, err: error instanceof Error ? error.message : String(error) },
          "UPS link failed to start",
        );
      });
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timers.clearAll();
    this.deps.mqtt.off("connect", this.onMqttConnect);
    this.leftovers.stop();
    this.reader.close();
    for (const runtime of this.upses.values()) {
      runtime.commands.dispose();
      if (runtime.stateTimer !== null) clearImmediate(runtime.stateTimer);
      await runtime.model.stop().catch(() => undefined);
      await runtime.historyFile.stop();
      // Only a connected client can deliver it; a stop must not wait for a broker that is away.
      if (this.deps.mqtt.connected)
        await this.timers.within(this.publish(runtime.topics.availability, "offline", true), STOP_PUBLISH_MS);
    }
    await this.deps.mqtt.close();
  }

  /** What the container health check reads: the broker connection and every UPS link. */
  health(): HealthStatus {
    return {
      mqttConnected: this.deps.mqtt.connected,
      upses: [...this.upses.values()].map((r) => ({ id: r.config.id, linkState: r.link.state })),
    };
  }

  /**
   * Publishes an event of another part of the bridge (the NUT server) on `<base>/<ups>/event`,
   * stamped with the time now. Unknown UPS ids are ignored.
   */
  publishUpsEvent(upsId: string, event: { readonly event_type: string } & Record<string, Value>): void {
    const runtime = this.upses.get(upsId);
    if (runtime === undefined || this.stopped) return;
    const { event_type, ...rest } = event;
    void this.publishEvent(runtime, { event_type, at: new Date().toISOString(), ...rest });
  }

  /** The UPS runtimes, for tests and the health check. */
  get runtimes(): ReadonlyMap<string, { readonly model: UpsModel; readonly commands: CommandService }> {
    return this.upses;
  }

  /** One UPS's runtime (ups-runtime.ts), its reports and model changes wired to its topics. */
  private createRuntime(ups: UpsConfig): UpsRuntime {
    const runtime = createUpsRuntime(ups, this.deps, {
      outcome: (r, outcome) => void this.requests.respond(r.topics, outcome, null),
      event: (r, event) => void this.publishEvent(r, event),
      pendingChanged: (r) => this.schedulePending(r),
    });
    const { model, topics } = runtime;
    this.leftovers.add(ups.id, topics);

    model.on("change", (key, value) => {
      runtime.publishedKeys.add(key);
      void this.publish(topics.key(key), valuePayload(value), true);
      this.scheduleState(runtime);
      // A setting's choices always include the value it holds: a value outside them (a ring the
      // catalogue lacks) republishes the discovery with it.
      this.discovery.refresh(runtime, key);
    });
    model.on("event", (event) => void this.publishEvent(runtime, event));
    model.on("availability", (online) => {
      void this.publish(topics.availability, online ? "online" : "offline", true);
      void this.publishInfo();
    });
    model.on("capabilities", (_caps, keys) => void this.onCapabilities(runtime, keys));
    model.on("firstRead", () => this.leftovers.firstReadDone(ups.id));
    return runtime;
  }

  /** One republish per burst of birth messages, after a random delay. */
  private onHomeAssistantBirth(): void {
    if (this.stopped || this.birthPending !== null) return;
    this.birthPending = this.timers.after((this.deps.birthDelayMs ?? birthDelay)(), () => {
      this.birthPending = null;
      void this.republishAll("homeassistant online");
    });
  }

  /**
   * Publishes every retained topic again with its value now. Nothing is awaited between topics: a
   * value that changes meanwhile is published by its own change, and the publisher sends it after
   * (never before) any republication of the topic still in flight. Republishes that overlap
   * coalesce per topic.
   */
  private async republishAll(reason: string, withDiscovery = true): Promise<void> {
    if (this.stopped) return;
    this.log.debug({ reason }, "republishing");
    // The bridge device first: the UPS devices name it as `via_device`. Every connect publishes it,
    // before any UPS's discovery (capabilities take seconds), and every Home Assistant birth again.
    const sends = [
      this.publishInfo(true),
      ...(withDiscovery ? [this.discovery.publishBridgeDevice(true)] : []),
    ];
    for (const runtime of this.upses.values()) {
      const { topics } = runtime;
      if (withDiscovery && runtime.discovery !== null) {
        const { deviceId, payload } = runtime.discovery;
        sends.push(this.publish(topics.discovery(deviceId), JSON.stringify(payload), true, true));
      }
      sends.push(
        this.publish(topics.availability, runtime.model.isAvailable ? "online" : "offline", true, true),
      );
      for (const [key, value] of Object.entries(runtime.model.store.snapshot())) {
        sends.push(this.publish(topics.key(key), valuePayload(value), true, true));
      }
      sends.push(this.publishState(runtime, true));
      sends.push(this.publish(topics.pending, JSON.stringify(runtime.pending), true, true));
      if (runtime.model.caps !== null) sends.push(this.publishUpsInfo(runtime, true));
    }
    await Promise.all(sends);
    this.log.debug({ reason }, "republished");
  }

  private scheduleState(runtime: UpsRuntime): void {
    // Coalesce a burst of key changes (one poll cycle, one alert) into one `state` message.
    if (runtime.stateTimer !== null) return;
    runtime.stateTimer = setImmediate(() => {
      runtime.stateTimer = null;
      void this.publishState(runtime);
    });
  }

  /**
   * Coalesces changes of the pending list made in one tick (requests handled in one go, a cancel
   * of several) into one publication of the latest list. A microtask, not the next turn of the
   * event loop: the list still goes out before the response that changed it (README order).
   */
  private schedulePending(runtime: UpsRuntime): void {
    if (runtime.pendingQueued) return;
    runtime.pendingQueued = true;
    queueMicrotask(() => {
      runtime.pendingQueued = false;
      if (this.stopped) return;
      void this.publish(runtime.topics.pending, JSON.stringify(runtime.pending), true);
    });
  }

  private async publishState(runtime: UpsRuntime, force = false): Promise<void> {
    await this.publish(runtime.topics.state, JSON.stringify(runtime.model.store.snapshot()), true, force);
  }

  private async publishEvent(runtime: UpsRuntime, event: UpsEvent | Record<string, Value>): Promise<void> {
    await this.publish(runtime.topics.event, JSON.stringify(event), false);
  }

  private async onCapabilities(runtime: UpsRuntime, keys: readonly KeySpec[]): Promise<void> {
    const current = new Set(keys.map((k) => k.key));
    const caps = runtime.model.caps;
    const firmwareTopic =
      this.deps.config.homeassistant.enabled &&
      caps !== null &&
      findFirmwareAdvice(caps.identity.upsFirmwareId, caps.identity.firmware) !== null;
    this.leftovers.keysKnown(runtime.config.id, firmwareTopic ? [...current, FIRMWARE_UPDATE_KEY] : current);
    // Keys this UPS no longer has: clear their retained topics.
    for (const key of runtime.publishedKeys) {
      if (!current.has(key)) await this.publish(runtime.topics.key(key), "", true);
    }
    runtime.publishedKeys = new Set([...runtime.publishedKeys].filter((k) => current.has(k)));
    runtime.keys = keys;
    await this.publishUpsInfo(runtime);
    if (this.deps.config.homeassistant.enabled) await this.discovery.publish(runtime, keys);
  }

  private async publishUpsInfo(runtime: UpsRuntime, force = false): Promise<void> {
    const caps = runtime.model.caps;
    if (caps === null) return;
    const info = {
      id: runtime.config.id,
      name: this.upsName(runtime),
      model: caps.identity.model,
      serial: caps.identity.serial,
      firmware: caps.identity.firmware,
      manufacture_date: caps.identity.manufactureDate,
      locale: caps.identity.localeLetter,
      protocol_level: caps.protocolLevel,
      capabilities_source: caps.source,
      measure_ups: caps.measureUps,
      capabilities: {
        supported: [...caps.supported],
        alerts: [...caps.alerts],
        settings: caps.settingValues,
      },
      firmware_advice: adviceJson(caps.identity.upsFirmwareId, caps.identity.firmware),
    };
    await this.publish(runtime.topics.info, JSON.stringify(info), true, force);
  }

  /**
   * Reads back what an earlier run left retained: device configs (their components are cleared when
   * no longer offered, as after a restart with allow_destructive switched off) while a UPS has not
   * published its discovery yet, and every UPS's per-key topics (leftovers.ts).
   */
  private readBack(): void {
    if (this.stopped) return;
    this.discovery.readBack();
    this.leftovers.readBackAll();
  }

  private upsName(runtime: UpsRuntime): string {
    return runtime.config.name ?? runtime.model.caps?.identity.model ?? humanize(runtime.config.id);
  }

  private async publishInfo(force = false): Promise<void> {
    const { config } = this.deps;
    const upses = [...this.upses.values()].map((r) => ({
      id: r.config.id,
      name: this.upsName(r),
      port: redactPort(r.config.port),
      online: r.model.isAvailable,
      model: r.model.caps?.identity.model ?? null,
      serial: r.model.caps?.identity.serial ?? null,
    }));
    await this.publish(
      bridgeInfo(config.mqtt.base_topic),
      JSON.stringify({ version: VERSION, upses, config: redactConfig(config) as Value }),
      true,
      force,
    );
  }

  /**
   * Retained topics go through the publisher (the latest value always last; `force`: again even if
   * the value in flight is this one, for a republish); events straight out.
   */
  private async publish(topic: string, payload: string, retain: boolean, force = false): Promise<void> {
    if (retain) {
      this.leftovers.noteRetained(topic);
      await this.retained.set(topic, payload, force);
      return;
    }
    try {
      await this.deps.mqtt.publish(topic, payload, { retain, qos: this.deps.config.mqtt.qos });
    } catch (error) {
      this.publishFailed(topic, error);
    }
  }

  private publishFailed(topic: string, error: unknown): void {
    // Stopping closes the connection under publications still in flight (a republish after a
    // connect, a state update): losing them is what a stop means, not something to warn about.
    const level = this.stopped ? "debug" : "warn";
    this.log[level]({ topic, err: error instanceof Error ? error.message : String(error) }, "publish failed");
  }
}

/** How long a stop waits for each `offline` publication to be acknowledged. */
const STOP_PUBLISH_MS = 2000;

function redactPort(port: string): string {
  return port.replace(/\/\/[^@/]*@/, "//");
}

function adviceJson(upsId: number | null, firmware: string | null): Value {
  const advice = findFirmwareAdvice(upsId, firmware);
  if (advice === null) return null;
  return {
    ups_id: advice.upsId,
    installed: advice.installed,
    latest: advice.latest,
    up_to_date: advice.upToDate,
    summary: advice.details,
    images: advice.releases.map((r) => r.image),
  };
}
