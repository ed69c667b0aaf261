// Issue 7, broker faults: an outage while the UPS goes on battery and back, a broker restart without
// persistence, and a Home Assistant restart.
import { afterEach, describe, expect, it } from "vitest";
import { collect, connectClient, startTestBroker } from "../helpers/broker.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";
import { sleep, waitForValue, waitUntil } from "../helpers/wait.js";
import { type FaultHarness, nextPolls, settledBaseline, startFaultHarness } from "./fault-harness.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function eventTypes(h: FaultHarness, since: number): string[] {
  return h.messages
    .slice(since)
    .filter((m) => m.topic === h.topic("event"))
    .map((m) => (JSON.parse(m.payload) as { event_type: string }).event_type);
}

const until = (what: string, condition: () => boolean): Promise<void> =>
  waitUntil(what, condition, { timeoutMs: 30_000 });

/**
 * What a client connecting now receives as retained on `filter`, once it has a retained message on
 * every topic of `wanted` (a broker sends a topic's retained message once per subscription, so that
 * is the final word on each of them), or `undefined` while one is missing.
 */
async function retainedNow(
  url: string,
  filter: string,
  wanted: readonly string[],
): Promise<Map<string, string> | undefined> {
  const fresh = await connectClient(url);
  try {
    const seen = await collect(fresh, filter);
    const retained = (): Map<string, string> =>
      new Map(seen.messages.filter((m) => m.retain).map((m) => [m.topic, m.payload]));
    try {
      await waitUntil("the retained messages", () => wanted.every((t) => retained().has(t)), {
        timeoutMs: 2000,
      });
    } catch {
      return undefined;
    } finally {
      await seen.stop();
    }
    return retained();
  } finally {
    await fresh.endAsync(true);
  }
}

/**
 * The outage: several times the bridge's longest reconnect delay (1 s in the fault harness), so it
 * retries at its slowest rate for a while, with the UPS going on battery and back meanwhile. Its
 * length is not what is tested (the partition resets the connection; no keepalive is waited out).
 */
const OUTAGE_MS = 5000;

describe("the broker goes away", () => {
  it("an outage while the UPS goes on battery and back: both events delivered once, in order; state current", async () => {
    // Design: the outage is a partition between the bridge and the broker (a proxy that resets the
    // bridge's connection and refuses its reconnects for OUTAGE_MS). The observing client keeps its own
    // connection to the broker throughout, so it is subscribed the whole time and must receive
    // whatever the bridge delivers once it is back: the events published during the outage exist
    // only in the bridge's offline queue (MQTT.js keeps QoS 1 publications made while disconnected
    // and sends them after reconnecting). A broker that really stopped would also drop the
    // observer's session (mosquitto without persistence), which could not prove delivery.
    const broker = await startTestBroker();
    const proxy = await startTcpProxy(broker.host, broker.port);
    const h = await startFaultHarness({ broker, bridgeMqttUrl: () => proxy.url });
    cleanups.push(async () => {
      await h.stop();
      await proxy.close();
      await broker.stop();
    });
    await settledBaseline(h);
    const since = h.messages.length;
    const cutAt = Date.now();
    proxy.cut();
    // The broker noticed: the bridge's last will.
    await h.waitFor(`${h.base}/bridge/state`, (p) => p === "offline", { since });
    await until("the bridge to see the outage", () => !h.mqtt.connected);

    h.sim.control("power fail");
    await until("the bridge to take the UPS on battery", () => h.snapshot().power_state === "on_battery");
    // On battery for a full poll cycle: the polls confirm what the alert said.
    await nextPolls(h);
    h.sim.control("power restore");
    await until("the bridge to take the UPS back on line", () => h.snapshot().power_state === "on_line");
    // Honest outage: nothing the bridge published reached the broker meanwhile.
    expect(eventTypes(h, since)).toEqual([]);
    expect(h.mqtt.connected).toBe(false);

    // The outage goes on (a pause that is the fault itself, not a wait for something to happen).
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - cutAt)));
    const attemptsDuringOutage = proxy.attempts;
    proxy.restore();
    await h.waitFor(`${h.base}/bridge/state`, (p) => p === "online", { since, timeoutMs: 30_000 });
    await until("both events", () => eventTypes(h, since).length >= 2);
    // Anything else the bridge had queued is delivered before the answer to a later request.
    await h.barrier();
    expect(eventTypes(h, since)).toEqual(["line_fail", "return_from_line_fail"]);
    // Retried all along (a first connection plus several refused attempts), not given up.
    expect(attemptsDuringOutage).toBeGreaterThan(3);

    const wanted = [
      `${h.base}/bridge/state`,
      h.topic("availability"),
      h.topic("power_state"),
      h.topic("on_battery_mode"),
      h.topic("state"),
    ];
    const retained = await waitForValue(
      "the retained state",
      () => retainedNow(broker.url, `${h.base}/#`, wanted),
      {
        timeoutMs: 30_000,
      },
    );
    expect(retained.get(`${h.base}/bridge/state`)).toBe("online");
    expect(retained.get(h.topic("availability"))).toBe("online");
    expect(retained.get(h.topic("power_state"))).toBe("on_line");
    expect(retained.get(h.topic("on_battery_mode"))).toBe("false");
    const state = JSON.parse(retained.get(h.topic("state")) ?? "{}") as Record<string, unknown>;
    expect(state.power_state).toBe("on_line");
    expect(state.transfer_cause_state).toBe("low_line");
  }, 120_000);

  it("broker restart without persistence: discovery, availability and current state are back", async () => {
    const broker = await startTestBroker({ restartable: true });
    const h = await startFaultHarness({ broker });
    cleanups.push(async () => {
      await h.stop();
      await broker.stop();
    });
    await settledBaseline(h);
    await broker.pause();
    await until("the bridge to see the outage", () => !h.mqtt.connected);
    // The UPS changes while the broker is down.
    h.sim.control("load 61");
    await until("the new load", () => h.snapshot().load_power_percent === 61);
    await broker.resume();
    await until("the bridge to reconnect", () => h.mqtt.connected);
    // The broker lost every retained message; a client connecting now sees only what was published again.
    const discoveryTopic = "homeassistant/device/upslink2mqtt_as0931234567/config";
    const wanted = [
      discoveryTopic,
      `${h.base}/bridge/state`,
      `${h.base}/bridge/info`,
      h.topic("availability"),
      h.topic("load_power_percent"),
      h.topic("state"),
    ];
    let last = new Map<string, string>();
    await waitUntil(
      "everything published again",
      async () => {
        const retained = await retainedNow(broker.url, "#", wanted);
        if (retained === undefined) return false;
        last = retained;
        const state = JSON.parse(retained.get(h.topic("state")) ?? "{}") as Record<string, unknown>;
        return (
          retained.get(`${h.base}/bridge/state`) === "online" &&
          retained.get(h.topic("availability")) === "online" &&
          retained.get(h.topic("load_power_percent")) === "61" &&
          state.load_power_percent === 61
        );
      },
      { timeoutMs: 30_000, intervalMs: 100, context: () => `retained: ${JSON.stringify([...last.keys()])}` },
    );
    const discovery = [...last.entries()].filter(
      ([topic, payload]) => topic.startsWith("homeassistant/device/") && payload.includes(`${h.base}/ups/`),
    );
    expect(discovery.map(([topic]) => topic)).toEqual([discoveryTopic]);
  }, 120_000);

  it("Home Assistant restart (homeassistant/status offline, then online): everything republished", async () => {
    const h = await startFaultHarness();
    cleanups.push(() => h.stop());
    await settledBaseline(h);
    const discoveryTopic = "homeassistant/device/upslink2mqtt_as0931234567/config";
    await h.waitFor(discoveryTopic, (p) => p.includes(`${h.base}/ups/`));
    const offlineAt = h.messages.length;
    await h.client.publishAsync("homeassistant/status", "offline", { qos: 1 });
    // The bridge takes messages in order: once it answers a later request, it has handled `offline`.
    await h.barrier();
    // Going offline clears nothing.
    expect(h.messages.slice(offlineAt).filter((m) => m.topic === discoveryTopic && m.payload === "")).toEqual(
      [],
    );
    const onlineAt = h.messages.length;
    await h.client.publishAsync("homeassistant/status", "online", { qos: 1 });
    await h.waitFor(discoveryTopic, (p) => p.includes(`${h.base}/ups/`), { since: onlineAt });
    await h.waitFor(h.topic("availability"), (p) => p === "online", { since: onlineAt });
    await h.waitFor(h.topic("state"), (p) => JSON.parse(p).power_state === "on_line", { since: onlineAt });
    await h.waitFor(h.topic("power_state"), (p) => p === "on_line", { since: onlineAt });
    await h.waitFor(`${h.base}/bridge/info`, () => true, { since: onlineAt });
  }, 60_000);
});
