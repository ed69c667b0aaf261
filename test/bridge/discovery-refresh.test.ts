// A setting's new value republishes the UPS's device config only when the setting's choices change
// (a ring always offers the value held). The config is not even rebuilt for a value the choices
// already list: at start every setting of every UPS changes once, and rebuilding hundreds of
// kilobytes per change raised the bridge's memory high-water mark with many UPSes.
import { describe, expect, it, vi } from "vitest";
import { DiscoveryPublisher } from "../../src/bridge/discovery-publisher.js";
import { bridgeTopics } from "../../src/bridge/topics.js";
import type { UpsRuntime } from "../../src/bridge/ups-runtime.js";
import { loadConfig } from "../../src/config/index.js";
import { settingChoicesDiffer } from "../../src/homeassistant/setting-entities.js";
import { silentLogger } from "../../src/log.js";
import type { RetainedReader } from "../../src/mqtt/retained-read.js";
import { CATALOGUE, FEEDBACKS, REGISTERS } from "../../src/protocol/catalogue/index.js";
import type { Value } from "../../src/protocol/types.js";
import { type KeySpec, supportedKeys } from "../../src/ups/keys.js";
import { StateStore } from "../../src/ups/state.js";
import { discover } from "../homeassistant/support.js";

type SettingSpec = Extract<KeySpec, { kind: "setting" }>;

const SHUTDOWN_DELAY = "shutdown_delay";

/** The UPS's keys, and the spec of its shutdown delay (a ring of quantities: a number entity). */
async function unit() {
  const { caps } = await discover("smartups-3g-120");
  const keys = supportedKeys({
    rows: CATALOGUE,
    feedbacks: FEEDBACKS,
    registers: REGISTERS,
    supported: caps.supported,
    settingValues: caps.settingValues,
  });
  const spec = keys.find((k): k is SettingSpec => k.kind === "setting" && k.key === SHUTDOWN_DELAY);
  if (spec === undefined) throw new Error(`the profile lacks ${SHUTDOWN_DELAY}`);
  return { caps, keys, spec };
}

/** A ring value as the model stores it (`180` read through the row's decoder is 180). */
function decoded(spec: SettingSpec, raw: string): Value {
  const result = spec.row.decode?.(raw);
  if (result?.ok !== true) throw new Error(`${raw} does not decode`);
  return result.value;
}

describe("settingChoicesDiffer", () => {
  it("says a value the ring lists leaves the choices as they were, and one outside it does not", async () => {
    const { spec } = await unit();
    const ring = spec.allowed ?? [];
    expect(ring.length).toBeGreaterThan(1);
    const [first, second] = [decoded(spec, ring[0] ?? ""), decoded(spec, ring[1] ?? "")];
    expect(settingChoicesDiffer(spec, undefined, first)).toBe(false);
    expect(settingChoicesDiffer(spec, null, first)).toBe(false);
    expect(settingChoicesDiffer(spec, first, second)).toBe(false);
    // 90 s is in no ring: it is offered beside the ring, and leaving it takes it out again.
    expect(settingChoicesDiffer(spec, first, 90)).toBe(true);
    expect(settingChoicesDiffer(spec, 90, first)).toBe(true);
    expect(settingChoicesDiffer(spec, 90, 90)).toBe(false);
  });

  it("says a free-text setting's value never changes its entity", async () => {
    const { keys } = await unit();
    const text = keys.find((k): k is SettingSpec => k.kind === "setting" && k.row.entry === "text");
    if (text === undefined) throw new Error("the profile has no text setting");
    expect(settingChoicesDiffer(text, "UPS_IDEN", "RACK_2")).toBe(false);
  });
});

describe("DiscoveryPublisher.refresh", () => {
  it("rebuilds and republishes the device config only for a value outside the setting's choices", async () => {
    const { caps, keys, spec } = await unit();
    const config = loadConfig({
      argv: [],
      env: { UPSLINK_UPS_PORT: "sim://smartups-3g-120", UPSLINK_UPS_ID: "ups" },
    });
    const store = new StateStore<string>();
    store.declare(keys.map((k) => k.key));
    const runtime = {
      config: config.upses[0],
      topics: bridgeTopics(config.mqtt.base_topic, "ups", config.homeassistant.discovery_prefix),
      model: { caps, store },
      discovery: null,
      keys,
      retainedDiscovery: new Map(),
    } as unknown as UpsRuntime;
    const published: { topic: string; payload: string }[] = [];
    const reader = { read: async () => ({ messages: new Map(), complete: true }) };
    const publisher = new DiscoveryPublisher({
      config,
      reader: reader as unknown as RetainedReader,
      publish: async (topic, payload) => {
        published.push({ topic, payload });
      },
      runtimes: () => [runtime],
      log: silentLogger(),
    });
    await publisher.publish(runtime, keys);
    const discoveryTopic = runtime.topics.discovery(runtime.discovery?.deviceId ?? "");
    const configs = () => published.filter((p) => p.topic === discoveryTopic);
    expect(configs()).toHaveLength(1);
    const builds = vi.spyOn(store, "snapshot");

    // Every ring value in turn (each setting's first reading at start is one of these): no rebuild.
    for (const raw of spec.allowed ?? []) {
      store.set(SHUTDOWN_DELAY, decoded(spec, raw));
      publisher.refresh(runtime, SHUTDOWN_DELAY);
    }
    // A key that is no setting: nothing to rebuild either.
    store.set("line_voltage", 121.5);
    publisher.refresh(runtime, "line_voltage");
    expect(builds).not.toHaveBeenCalled();
    expect(configs()).toHaveLength(1);

    // A value no ring lists: the config is rebuilt and republished with it among the choices.
    store.set(SHUTDOWN_DELAY, 90);
    publisher.refresh(runtime, SHUTDOWN_DELAY);
    await vi.waitFor(() => expect(configs()).toHaveLength(2));
    const component = (JSON.parse(configs()[1]?.payload ?? "{}") as { components: Record<string, Value> })
      .components[SHUTDOWN_DELAY] as { min: number; max: number; step: number };
    expect(component.min).toBeLessThanOrEqual(90);
    expect((90 - component.min) % component.step).toBe(0);

    // Back to a ring value: 90 leaves the choices again, so the config goes out once more.
    store.set(SHUTDOWN_DELAY, decoded(spec, spec.allowed?.[0] ?? ""));
    publisher.refresh(runtime, SHUTDOWN_DELAY);
    await vi.waitFor(() => expect(configs()).toHaveLength(3));
  });
});
