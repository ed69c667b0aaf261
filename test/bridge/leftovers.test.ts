// Issue 12 (6): retained per-key topics an earlier run left stay forever: an old serial stayed on
// `ups_serial_number` while the new unit's `n` never answered. At start the bridge reads its
// retained topics under `<base>/<ups>/` back and clears what the current UPS does not publish; a
// key it has but that got no value becomes `null`; its own topics and live values stay.
import { afterEach, describe, expect, it } from "vitest";
import { Leftovers, leftoverTopics } from "../../src/bridge/leftovers.js";
import { bridgeTopics } from "../../src/bridge/topics.js";
import { silentLogger } from "../../src/log.js";
import { connectClient, retainedNow, startTestBroker, type TestBroker } from "../helpers/broker.js";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe("retained topics an earlier run left", () => {
  it("are cleared when this UPS lacks the key, nulled when it has no value, and live ones stay", async () => {
    const broker: TestBroker = await startTestBroker();
    const base = `lo${Math.random().toString(16).slice(2, 8)}`;
    const ups = `${base}/ups`;
    let harness: Harness | null = null;
    cleanup = async () => {
      await harness?.stop();
      await broker.stop();
    };
    // What an earlier run (another unit on the same id) left retained.
    const earlier: Record<string, string> = {
      [`${ups}/no_such_key`]: "42", // a key no catalogue row makes
      [`${ups}/ambient_temperature`]: "21.5", // a Measure-UPS key: this profile has none
      [`${ups}/ups_serial_number`]: "OLDSERIAL1", // listed in `a`, but this unit's `n` answers NA
      [`${ups}/battery_capacity_percent`]: "12", // a live key: ends at the live value
      [`${ups}/response/battery_test`]: "kept", // not a per-key topic: never touched
      [`${base}/other/ups_serial_number`]: "OTHER", // another UPS id: not ours to clear
    };
    const seeder = await connectClient(broker.url);
    for (const [topic, payload] of Object.entries(earlier))
      await seeder.publishAsync(topic, payload, { qos: 1, retain: true });
    await seeder.endAsync();

    harness = await startHarness({
      broker,
      baseTopic: base,
      onSimulator: (_id, sim) => {
        expect(sim.control("fault na-to n")).toMatch(/^ok/);
      },
    });
    const h = harness;
    await waitReady(h);
    await h.waitFor(`${ups}/no_such_key`, (p) => p === "");
    await h.waitFor(`${ups}/ambient_temperature`, (p) => p === "");
    await h.waitFor(`${ups}/ups_serial_number`, (p) => p === "null");
    await h.barrier();

    const now = await retainedNow(broker.url, [`${base}/#`]);
    expect(now.has(`${ups}/no_such_key`)).toBe(false);
    expect(now.has(`${ups}/ambient_temperature`)).toBe(false);
    expect(now.get(`${ups}/ups_serial_number`)).toBe("null");
    expect(now.get(`${ups}/response/battery_test`)).toBe("kept");
    expect(now.get(`${base}/other/ups_serial_number`)).toBe("OTHER");
    // The live value, never cleared on the way.
    const live = h.bridge.runtimes.get("ups")?.model.store.get("battery_capacity_percent");
    expect(typeof live).toBe("number");
    expect(now.get(`${ups}/battery_capacity_percent`)).toBe(String(live));
    // The bridge's own topics are there, and no key the UPS has was ever cleared.
    for (const own of ["state", "availability", "info", "pending", "power_state"])
      expect(now.get(`${ups}/${own}`), own).toBeDefined();
    const keys = new Set<string>(h.bridge.runtimes.get("ups")?.model.keys.map((k) => k.key));
    const clearedOwn = h.messages.filter(
      (m) => m.payload === "" && m.topic.startsWith(`${ups}/`) && keys.has(m.topic.slice(ups.length + 1)),
    );
    expect(clearedOwn).toEqual([]);
  });
});

describe("retained topics left while the bridge was away from the broker", () => {
  it("are read back and cleared after a reconnect", async () => {
    const broker: TestBroker = await startTestBroker();
    const proxy = await startTcpProxy(broker.host, broker.port);
    const base = `lr${Math.random().toString(16).slice(2, 8)}`;
    const ups = `${base}/ups`;
    let harness: Harness | null = null;
    cleanup = async () => {
      await harness?.stop();
      await proxy.close();
      await broker.stop();
    };
    harness = await startHarness({
      broker,
      baseTopic: base,
      env: { UPSLINK_MQTT_URL: proxy.url, UPSLINK_MQTT_RECONNECT_PERIOD_MS: "100" },
    });
    const h = harness;
    await waitReady(h);
    await h.barrier();
    // Another process (an older bridge, a restored broker snapshot) leaves a key this UPS lacks.
    const other = await connectClient(broker.url);
    await other.publishAsync(`${ups}/humidity`, "55", { qos: 1, retain: true });
    await other.endAsync();
    const since = h.messages.length;
    proxy.drop();
    await h.waitFor(`${ups}/humidity`, (p) => p === "", { since });
    expect((await retainedNow(broker.url, [`${ups}/+`])).has(`${ups}/humidity`)).toBe(false);
  });
});

describe("the leftover sweep", () => {
  const topics = bridgeTopics("base", "ups", "homeassistant");
  const key = (name: string): string => topics.key(name);

  function sweeper(retained: Record<string, string>) {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const cleared: string[] = [];
    const refreshed: string[] = [];
    const leftovers = new Leftovers({
      reader: {
        read: async (filter) => {
          expect(filter).toBe("base/ups/+");
          await gate;
          const messages = new Map(Object.entries(retained).map(([t, p]) => [t, Buffer.from(p)]));
          return { messages, complete: true };
        },
      },
      clear: (topic) => void cleared.push(topic),
      refresh: (_ups, name) => void refreshed.push(name),
      log: silentLogger(),
    });
    leftovers.add("ups", topics);
    return { leftovers, release, cleared, refreshed };
  }

  it("never clears a topic this run published while the read-back was under way", async () => {
    const s = sweeper({ [key("old_key")]: "1", [key("fresh_key")]: "old", [key("state")]: "{}" });
    s.leftovers.readBackAll();
    s.leftovers.keysKnown("ups", ["battery_capacity"]);
    // Published after the broker's snapshot was taken, before the sweep.
    s.leftovers.noteRetained(key("fresh_key"));
    s.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.cleared).toEqual([]); // nothing before the first full read
    s.leftovers.firstReadDone("ups");
    expect(s.cleared).toEqual([key("old_key")]);
    expect(s.refreshed).toEqual([]);
  });

  it("publishes the current value of a key the UPS has but has not published, and clears the rest once", async () => {
    const s = sweeper({ [key("ups_serial_number")]: "OLD", [key("gone")]: "1", [key("pending")]: "[]" });
    s.leftovers.keysKnown("ups", ["ups_serial_number"]);
    s.leftovers.firstReadDone("ups");
    s.leftovers.readBackAll();
    s.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.cleared).toEqual([key("gone")]);
    expect(s.refreshed).toEqual(["ups_serial_number"]);
    // A snapshot is acted on once: the next first read (a reconnected UPS) does not repeat it.
    s.leftovers.keysKnown("ups", ["ups_serial_number"]);
    s.leftovers.firstReadDone("ups");
    expect(s.cleared).toEqual([key("gone")]);
  });

  it("leaves reserved levels, deeper topics and other prefixes alone", () => {
    expect(
      leftoverTopics(
        [
          "base/ups/state",
          "base/ups/availability",
          "base/ups/command/x",
          "base/ups/response/y",
          "base/other/k",
          "base/ups/k",
          "base/ups/",
        ],
        "base/ups/",
        () => false,
      ),
    ).toEqual(["base/ups/k"]);
  });
});
