// Home Assistant discovery as the bridge publishes it: the bridge's own device, each UPS's device
// config (built by homeassistant/discovery.ts from the catalogue and the UPS's capabilities), its
// firmware `update` entity, and what an earlier run left retained. It exists so that bridge.ts
// keeps the wiring and this the lifecycle of device configs: components no longer offered are
// removed (a component with only its platform, HA device discovery), a config under another
// device id is cleared, and a setting's new value outside its choices republishes the config.
import type { Config } from "../config/index.js";
import { bridgeDiscovery } from "../homeassistant/device.js";
import { type DeviceDiscovery, discoverUps } from "../homeassistant/discovery.js";
import { bridgeDeviceId } from "../homeassistant/names.js";
import { retainedComponents } from "../homeassistant/retained.js";
import { settingChoicesDiffer } from "../homeassistant/setting-entities.js";
import type { Logger } from "../log.js";
import type { RetainedReader } from "../mqtt/retained-read.js";
import { bridgeInfo, bridgeState } from "../mqtt/topics.js";
import type { KeyId } from "../protocol/catalogue/index.js";
import { findFirmwareAdvice } from "../protocol/firmware.js";
import type { Value } from "../protocol/types.js";
import type { Capabilities } from "../ups/capabilities.js";
import type { KeySpec } from "../ups/model.js";
import { SUPPORT_URL, VERSION } from "../version.js";
import type { UpsRuntime } from "./ups-runtime.js";

export interface DiscoveryPublisherDeps {
  readonly config: Config;
  readonly reader: RetainedReader;
  /** Publishes a retained message through the bridge's publisher (`force`: again, for a republish). */
  readonly publish: (topic: string, payload: string, force?: boolean) => Promise<void>;
  readonly runtimes: () => Iterable<UpsRuntime>;
  readonly log: Logger;
}

/** What a UPS's discovery held now was built from. */
interface DiscoveryBasis {
  readonly caps: Capabilities;
  readonly keys: readonly KeySpec[];
  /** The values held then: a setting's choices include its value. */
  readonly current: Readonly<Record<string, Value>>;
}

export class DiscoveryPublisher {
  /** The read-back of device configs in progress; discovery waits for it. */
  private discoveryRead: Promise<void> | null = null;
  /** Per UPS, the inputs of `runtime.discovery`. */
  private readonly basis = new WeakMap<UpsRuntime, DiscoveryBasis>();

  constructor(private readonly deps: DiscoveryPublisherDeps) {}

  /** The bridge's own device, which every UPS device names as `via_device`. */
  async publishBridgeDevice(force = false): Promise<void> {
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
    await this.deps.publish(
      `${config.homeassistant.discovery_prefix}/device/${discovery.deviceId}/config`,
      JSON.stringify(discovery.payload),
      force,
    );
  }

  /**
   * A key's value changed: when it is a setting whose choices that can change, the discovery again
   * with the values held now, published only when it changed. A new value the setting's choices
   * already list (every setting's first reading, most edits) leaves the config as it is, and is not
   * rebuilt: a device config is hundreds of kilobytes to build and compare, and at start every
   * setting of every UPS changes once, which with tens of UPSes raised the process's memory
   * high-water mark by tens of megabytes.
   */
  refresh(runtime: UpsRuntime, key: KeyId): void {
    if (!this.deps.config.homeassistant.enabled || runtime.discovery === null) return;
    const spec = runtime.keys.find((s) => s.kind === "setting" && s.key === key);
    if (spec === undefined || spec.kind !== "setting") return;
    const basis = this.basis.get(runtime);
    if (
      basis !== undefined &&
      basis.caps === runtime.model.caps &&
      basis.keys === runtime.keys &&
      !settingChoicesDiffer(spec, basis.current[key], runtime.model.store.get(key))
    )
      return;
    const next = this.build(runtime, runtime.keys);
    if (next === null || JSON.stringify(next.discovery.payload) === JSON.stringify(runtime.discovery.payload))
      return;
    void this.publish(runtime, runtime.keys);
  }

  /**
   * The UPS's device config for `keys`, replacing what was offered before in this run or (retained
   * on the broker) an earlier one, and its firmware advice.
   */
  async publish(runtime: UpsRuntime, keys: readonly KeySpec[]): Promise<void> {
    const { publish } = this.deps;
    const caps = runtime.model.caps;
    const built = this.build(runtime, keys);
    if (caps === null || built === null) return;
    const { discovery } = built;
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
      await publish(topic, JSON.stringify({ ...discovery.payload, components }));
    }
    // Another device id (the serial changed or became known): its config goes.
    const stale = new Set([...runtime.retainedDiscovery.keys()]);
    if (previous !== null) stale.add(runtime.topics.discovery(previous.deviceId));
    stale.delete(topic);
    for (const old of stale) await publish(old, "");
    runtime.retainedDiscovery.clear();
    runtime.discovery = discovery;
    this.basis.set(runtime, built.basis);
    await publish(runtime.topics.discovery(discovery.deviceId), JSON.stringify(discovery.payload));
    if (advice !== null) {
      await publish(
        runtime.topics.firmwareUpdate,
        JSON.stringify({
          installed_version: advice.installed,
          latest_version: advice.latest,
          title: advice.title,
          release_summary: advice.summary,
          release_url: advice.releaseUrl,
        }),
      );
    }
  }

  /**
   * Reads back the device configs an earlier run left retained, while a UPS has not published its
   * discovery yet: their components are cleared when no longer offered (as after a restart with
   * allow_destructive switched off).
   */
  readBack(): void {
    const { homeassistant } = this.deps.config;
    if (!homeassistant.enabled || ![...this.deps.runtimes()].some((r) => r.discovery === null)) return;
    const read: Promise<void> = this.deps.reader
      .read(`${homeassistant.discovery_prefix}/device/+/config`)
      .then((snapshot) => {
        for (const [topic, payload] of snapshot.messages) this.onDeviceConfig(topic, payload);
      })
      .catch((error: unknown) =>
        this.deps.log.warn({ err: String(error) }, "reading device configs back failed"),
      )
      .then(() => {
        if (this.discoveryRead === read) this.discoveryRead = null;
      });
    this.discoveryRead = read;
  }

  private build(
    runtime: UpsRuntime,
    keys: readonly KeySpec[],
  ): { discovery: DeviceDiscovery; basis: DiscoveryBasis } | null {
    const caps = runtime.model.caps;
    if (caps === null) return null;
    const { config } = this.deps;
    const current = runtime.model.store.snapshot();
    const discovery = discoverUps({
      upsId: runtime.config.id,
      name: runtime.config.name,
      caps,
      keys,
      allowDestructive: config.commands.allow_destructive,
      topics: runtime.topics.discoveryTopics,
      origin: { name: "upslink2mqtt", swVersion: VERSION, supportUrl: SUPPORT_URL },
      qos: config.mqtt.qos,
      current,
      nominalPowerW: runtime.config.nominal_power_w,
      bridgeDeviceId: bridgeDeviceId(config.mqtt.base_topic),
    });
    return { discovery, basis: { caps, keys, current } };
  }

  /** A device config on the broker: remembered when it is one of our UPSes', until discovery runs. */
  private onDeviceConfig(topic: string, payload: Buffer): void {
    const text = payload.toString("utf8");
    for (const runtime of this.deps.runtimes()) {
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
}
