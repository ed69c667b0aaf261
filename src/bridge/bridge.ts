// The composition root: one MQTT connection, and per configured UPS a link, a UPS model and a
// command service. The UPS side and the MQTT side never import each other; they meet here.
import type { Config, UpsConfig } from "../config/index.js";
import { redactConfig } from "../config/index.js";
import {
  bridgeDiscovery,
  type DeviceDiscovery,
  discoverUps,
  retainedComponents,
} from "../homeassistant/discovery.js";
import { bridgeDeviceId, humanize } from "../homeassistant/names.js";
import type { Logger } from "../log.js";
import type { MqttConnection } from "../mqtt/connection.js";
import { RetainedPublisher } from "../mqtt/retained-publisher.js";
import { RetainedReader } from "../mqtt/retained-read.js";
import { bridgeInfo, bridgeState } from "../mqtt/topics.js";
import type { KeyId } from "../protocol/catalogue/index.js";
import { findFirmwareAdvice } from "../protocol/firmware.js";
import type { Value } from "../protocol/types.js";
import { CommandService } from "../ups/commands.js";
import type { UpsLink } from "../ups/link.js";
import { type KeySpec, type UpsEvent, UpsModel } from "../ups/model.js";
import { Timers } from "../util/timers.js";
import { SUPPORT_URL, VERSION } from "../version.js";
import type { HealthStatus } from "./health.js";
import { openHistory } from "./history-file.js";
import { Leftovers } from "./leftovers.js";
import { valuePayload } from "./payload.js";
import { RequestHandler } from "./request-handler.js";
import { type BridgeTopics, bridgeTopics, FIRMWARE_UPDATE_KEY } from "./topics.js";

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

/** `M`/`N` are read once a minute: they reset on every read. */
const MINMAX_INTERVAL_MS = 60_000;

interface UpsRuntime {
  readonly config: UpsConfig;
  readonly topics: BridgeTopics;
  readonly link: UpsLink;
  readonly model: UpsModel;
  readonly commands: CommandService;
  /** Saves the model's history in `data_dir` (history-file.ts). */
  readonly historyFile: { stop(): Promise<void> };
  discovery: DeviceDiscovery | null;
  /** The keys of the last capabilities, for rebuilding discovery when a setting's value is new. */
  keys: readonly KeySpec[];
  /** Device configs of this UPS retained on the broker (device topic → component id → platform). */
  retainedDiscovery: Map<string, Record<string, string>>;
  stateTimer: NodeJS.Immediate | null;
  publishedKeys: Set<KeyId>;
  pending: readonly Record<string, Value>[];
  /** A `pending` publication is scheduled for the end of this tick. */
  pendingQueued: boolean;
}

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
  /** The read-back of device configs in progress; discovery waits for it. */
  private discoveryRead: Promise<void> | null = null;
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
    void this.publishBridgeDevice();
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

  private createRuntime(ups: UpsConfig): UpsRuntime {
    const { config, logger } = this.deps;
    const topics = bridgeTopics(config.mqtt.base_topic, ups.id, config.homeassistant.discovery_prefix);
    const link = this.deps.createLink(ups);
    this.leftovers.add(ups.id, topics);
    const { history, file: historyFile } = openHistory({ dir: config.data_dir, upsId: ups.id, logger });
    const model = new UpsModel(link, {
      history,
      id: ups.id,
      pollIntervalMs: ups.poll_interval_ms,
      minmaxIntervalMs: MINMAX_INTERVAL_MS,
      slowIntervalS: config.slow_poll_interval_s,
      thresholds: {
        chargeBelowPercent: config.shutdown_policy.charge_below_percent,
        runtimeBelowMinutes: config.shutdown_policy.runtime_below_minutes,
        honourLowBatteryFlag: true,
      },
      logger,
    });
    // The command service reports into this runtime; the object is complete before any report.
    let runtime: UpsRuntime;
    const commands = new CommandService(
      link,
      model,
      {
        upsId: ups.id,
        allowDestructive: config.commands.allow_destructive,
        confirmTimeoutS: config.commands.confirm_timeout_s,
        shutdownReturn: {
          order: config.commands.shutdown_return.order,
          wakeDelayTenths: config.commands.shutdown_return.wake_delay_tenths,
          csDelayMs: config.commands.shutdown_return.cs_delay_ms,
        },
        logger,
      },
      {
        outcome: (outcome) => void this.requests.respond(topics, outcome, null),
        event: (eventType, data) =>
          void this.publishEvent(runtime, { event_type: eventType, at: new Date().toISOString(), ...data }),
        pending: (list) => {
          runtime.pending = list;
          this.schedulePending(runtime);
        },
      },
    );
    runtime = {
      config: ups,
      topics,
      link,
      model,
      commands,
      historyFile,
      discovery: null,
      keys: [],
      retainedDiscovery: new Map(),
      stateTimer: null,
      publishedKeys: new Set(),
      pending: [],
      pendingQueued: false,
    };

    model.on("change", (key, value) => {
      runtime.publishedKeys.add(key);
      void this.publish(topics.key(key), valuePayload(value), true);
      this.scheduleState(runtime);
      // A setting's choices always include the value it holds: a value outside them (a ring the
      // catalogue lacks) republishes the discovery with it.
      if (runtime.keys.some((spec) => spec.kind === "setting" && spec.key === key))
        void this.refreshDiscovery(runtime);
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
    const sends = [this.publishInfo(true), ...(withDiscovery ? [this.publishBridgeDevice(true)] : [])];
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
    if (this.deps.config.homeassistant.enabled) await this.publishDiscovery(runtime, keys);
  }

  /** The bridge's own device, which every UPS device names as `via_device`. */
  private async publishBridgeDevice(force = false): Promise<void> {
    const { config } = this.deps;
    if (!config.homeassistant.enabled) return;
    const discovery = bridgeDiscovery({
      deviceId: bridgeDeviceId(config.mqtt.base_topic),
      baseTopic: config.mqtt.base_topic,
      bridgeState: bridgeState(config.mqtt.base_topic),
      bridgeInfo: bridgeInfo(config.mqtt.base_topic),
      origin: { name: "upslink2mqtt", swVersion: VERSION, supportUrl: SUPPORT_URL },
      qos: config.mqtt.qos,
    });
    await this.publish(
      `${config.homeassistant.discovery_prefix}/device/${discovery.deviceId}/config`,
      JSON.stringify(discovery.payload),
      true,
      force,
    );
  }

  /** The discovery again with the values held now, published only when it changed. */
  private async refreshDiscovery(runtime: UpsRuntime): Promise<void> {
    if (!this.deps.config.homeassistant.enabled || runtime.discovery === null) return;
    const next = this.buildDiscovery(runtime, runtime.keys);
    if (next === null || JSON.stringify(next.payload) === JSON.stringify(runtime.discovery.payload)) return;
    await this.publishDiscovery(runtime, runtime.keys);
  }

  private buildDiscovery(runtime: UpsRuntime, keys: readonly KeySpec[]): DeviceDiscovery | null {
    const caps = runtime.model.caps;
    if (caps === null) return null;
    const { config } = this.deps;
    return discoverUps({
      upsId: runtime.config.id,
      name: runtime.config.name,
      caps,
      keys,
      allowDestructive: config.commands.allow_destructive,
      topics: runtime.topics.discoveryTopics,
      origin: { name: "upslink2mqtt", swVersion: VERSION, supportUrl: SUPPORT_URL },
      qos: config.mqtt.qos,
      current: runtime.model.store.snapshot(),
      nominalPowerW: runtime.config.nominal_power_w,
      bridgeDeviceId: bridgeDeviceId(config.mqtt.base_topic),
    });
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

  private async publishDiscovery(runtime: UpsRuntime, keys: readonly KeySpec[]): Promise<void> {
    const caps = runtime.model.caps;
    const discovery = this.buildDiscovery(runtime, keys);
    if (caps === null || discovery === null) return;
    const advice = findFirmwareAdvice(caps.identity.upsFirmwareId, caps.identity.firmware);
    // The configs an earlier run left (a read-back in progress is bounded in time).
    if (runtime.discovery === null) await this.discoveryRead;
    const previous = runtime.discovery;
    const topic = runtime.topics.discovery(discovery.deviceId);
    // What was offered before, in this run or (retained on the broker) an earlier one.
    const before: Record<string, string> = { ...runtime.retainedDiscovery.get(topic) };
    if (previous !== null && previous.deviceId === discovery.deviceId) {
      const prevComponents = previous.payload.components as Record<string, { platform: string }>;
      for (const id of previous.componentIds) before[id] = prevComponents[id]?.platform ?? "sensor";
    }
    // Entities that disappeared: a component with only its platform removes it (HA device discovery).
    const removed = Object.keys(before).filter((id) => !discovery.componentIds.includes(id));
    if (removed.length > 0) {
      const components = { ...(discovery.payload.components as Record<string, Value>) };
      for (const id of removed) components[id] = { platform: before[id] ?? "sensor" };
      await this.publish(topic, JSON.stringify({ ...discovery.payload, components }), true);
    }
    // Another device id (the serial changed or became known): its config goes.
    const stale = new Set([...runtime.retainedDiscovery.keys()]);
    if (previous !== null) stale.add(runtime.topics.discovery(previous.deviceId));
    stale.delete(topic);
    for (const old of stale) await this.publish(old, "", true);
    runtime.retainedDiscovery.clear();
    runtime.discovery = discovery;
    await this.publish(runtime.topics.discovery(discovery.deviceId), JSON.stringify(discovery.payload), true);
    if (advice !== null) {
      await this.publish(
        runtime.topics.firmwareUpdate,
        JSON.stringify({
          installed_version: advice.installed,
          latest_version: advice.latest,
          title: advice.title,
          release_summary: advice.summary,
          release_url: advice.releaseUrl,
        }),
        true,
      );
    }
  }

  /**
   * Reads back what an earlier run left retained: device configs (their components are cleared when
   * no longer offered, as after a restart with allow_destructive switched off) while a UPS has not
   * published its discovery yet, and every UPS's per-key topics (leftovers.ts).
   */
  private readBack(): void {
    if (this.stopped) return;
    const { homeassistant } = this.deps.config;
    if (homeassistant.enabled && [...this.upses.values()].some((r) => r.discovery === null)) {
      const read: Promise<void> = this.reader
        .read(`${homeassistant.discovery_prefix}/device/+/config`)
        .then((snapshot) => {
          for (const [topic, payload] of snapshot.messages) this.onDeviceConfig(topic, payload);
        })
        .catch((error: unknown) =>
          this.log.warn({ err: String(error) }, "reading device configs back failed"),
        )
        .then(() => {
          if (this.discoveryRead === read) this.discoveryRead = null;
        });
      this.discoveryRead = read;
    }
    this.leftovers.readBackAll();
  }

  /** A device config on the broker: remembered when it is one of our UPSes', until discovery runs. */
  private onDeviceConfig(topic: string, payload: Buffer): void {
    const text = payload.toString("utf8");
    for (const runtime of this.upses.values()) {
      // Once this run published its own discovery, the broker only echoes it back.
      if (runtime.discovery !== null) continue;
      if (text === "") {
        runtime.retainedDiscovery.delete(topic);
        continue;
      }
      const components = retainedComponents(text, runtime.topics.availability);
      if (components !== null) runtime.retainedDiscovery.set(topic, components);
    }
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
