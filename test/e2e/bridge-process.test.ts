// Issue 4 end to end: the bridge as a child process from dist/, the simulator on a real
// pseudo-terminal (`upslink2mqtt simulate --pty`), a real broker. Covers what only a real process
// shows: serial I/O, signals, the last will, a vanishing port, a broker restart.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  collect,
  connectClient,
  type ReceivedMessage,
  retainedNow,
  startTestBroker,
  type TestBroker,
  waitInRecorded,
} from "../helpers/broker.js";
import { type BridgeProcess, type SimProcess, startBridge, startSimulator } from "../helpers/processes.js";
import { waitUntil } from "../helpers/wait.js";

let broker: TestBroker;
let client: MqttClient;
let seen: { readonly messages: ReceivedMessage[]; stop(): Promise<void> };
const running: { bridge?: BridgeProcess | undefined; sim?: SimProcess | undefined } = {};

beforeAll(async () => {
  broker = await startTestBroker({ restartable: true });
  client = await connectClient(broker.url);
  seen = await collect(client, "#");
});

afterAll(async () => {
  await seen.stop();
  await client.endAsync(true);
  await broker.stop();
});

afterEach(async () => {
  await running.bridge?.stop("SIGKILL");
  await running.sim?.stop();
  running.bridge = undefined;
  running.sim = undefined;
});

function waitFor(
  topic: string,
  predicate: (payload: string) => boolean = () => true,
  since = 0,
  timeoutMs = 20_000,
): Promise<ReceivedMessage> {
  return waitInRecorded(seen.messages, topic, predicate, {
    since,
    timeoutMs,
    context: () => `bridge output:\n${running.bridge?.output().slice(-3000)}`,
  });
}

async function start(base: string): Promise<{ link: string }> {
  const link = join(mkdtempSync(join(tmpdir(), "upslink-e2e-")), "ups");
  running.sim = await startSimulator(link);
  running.bridge = startBridge({
    UPSLINK_UPS_PORT: link,
    UPSLINK_UPS_ID: "rack",
    UPSLINK_MQTT_URL: broker.url,
    UPSLINK_MQTT_BASE_TOPIC: base,
    UPSLINK_MQTT_RECONNECT_PERIOD_MS: "200",
    UPSLINK_POLL_INTERVAL_MS: "500",
    UPSLINK_LINK_RECONNECT_MIN_MS: "200",
    UPSLINK_LINK_RECONNECT_MAX_MS: "1000",
    UPSLINK_LOG_LEVEL: "warn",
  });
  await waitFor(`${base}/rack/availability`, (p) => p === "online");
  await waitFor(`${base}/rack/power_state`, (p) => p === "on_line");
  return { link };
}

const uid = () => `e2e${Math.random().toString(16).slice(2, 8)}`;

describe("the bridge process against the simulator on a pseudo-terminal", () => {
  it("discovers the UPS, publishes its state, follows power fail → on battery → low battery → restore", async () => {
    const base = uid();
    await start(base);
    const discovery = await waitFor("homeassistant/device/upslink2mqtt_as0931234567/config", (p) =>
      p.includes(`${base}/rack/`),
    );
    const payload = JSON.parse(discovery.payload) as {
      device: { identifiers: string[] };
      components: Record<string, { unique_id: string }>;
    };
    expect(payload.device.identifiers).toEqual(["upslink2mqtt_as0931234567"]);
    expect(payload.components.line_voltage_vac?.unique_id).toBe("upslink2mqtt_as0931234567_line_voltage_vac");
    expect(discovery.retain).toBe(false); // live delivery; the retained copy is checked after the broker restart test

    const since = seen.messages.length;
    expect(await running.sim?.control("power fail")).toMatch(/^ok/);
    await waitFor(`${base}/rack/event`, (p) => JSON.parse(p).event_type === "line_fail", since);
    await waitFor(`${base}/rack/power_state`, (p) => p === "on_battery", since);
    await running.sim?.control("battery 2");
    await waitFor(`${base}/rack/low_battery_condition`, (p) => p === "true", since);
    await waitFor(`${base}/rack/shutdown_recommended`, (p) => p === "true", since);
    await running.sim?.control("power restore");
    await waitFor(`${base}/rack/power_state`, (p) => p === "on_line", since);
    await waitFor(`${base}/rack/event`, (p) => JSON.parse(p).event_type === "return_from_line_fail", since);
  });

  it("reports a lost port as offline and recovers by itself as the same device when it returns", async () => {
    const base = uid();
    const first = seen.messages.length;
    const { link } = await start(base);
    const since = seen.messages.length;
    await running.sim?.stop(); // the pseudo-terminal vanishes, as an unplugged USB adapter
    await waitFor(`${base}/rack/availability`, (p) => p === "offline", since);
    expect(running.bridge?.child.exitCode).toBeNull(); // never crashes
    const back = seen.messages.length;
    running.sim = await startSimulator(link);
    await waitFor(`${base}/rack/availability`, (p) => p === "online", back, 30_000);
    // The recovered link really works: an alert on the new port moves the state.
    expect(await running.sim?.control("power fail")).toMatch(/^ok/);
    await waitFor(`${base}/rack/power_state`, (p) => p === "on_battery", back);
    // Same serial, same device id: no duplicate device in Home Assistant. Every device config the
    // bridge published for this base counts, before and after the loss (the first one may come
    // before or after `power_state`, and the recovered link need not publish it again).
    const devices = new Set(
      seen.messages
        .slice(first)
        .filter((m) => m.topic.startsWith("homeassistant/device/") && m.payload.includes(`${base}/rack/`))
        .map((m) => m.topic),
    );
    expect([...devices]).toEqual(["homeassistant/device/upslink2mqtt_as0931234567/config"]);
  });

  it("republishes discovery, availability and state after a broker restart without persistence, and on homeassistant/status online", async () => {
    const base = uid();
    await start(base);
    const restartAt = seen.messages.length;
    await broker.restart();
    // Once the bridge is back (its `online` after reconnecting), a fresh client sees only what is
    // retained now: everything must have been published again.
    await waitFor(`${base}/bridge/state`, (p) => p === "online", restartAt);
    await waitFor(`${base}/rack/state`, () => true, restartAt);
    // A subscriber arriving once the republication is over must find every topic retained with
    // its current value. One subscription opened earlier would not do: what the bridge publishes
    // after it arrives live, without the retain flag, though the broker retains it.
    const device = "homeassistant/device/upslink2mqtt_as0931234567/config";
    let retained = new Map<string, string>();
    await waitUntil(
      "everything retained again",
      async () => {
        retained = await retainedNow(broker.url, [`${base}/#`, device]);
        return (
          retained.get(`${base}/rack/availability`) === "online" &&
          retained.has(`${base}/rack/state`) &&
          retained.get(`${base}/bridge/state`) === "online" &&
          (retained.get(device)?.includes(`${base}/rack/`) ?? false)
        );
      },
      {
        timeoutMs: 20_000,
        intervalMs: 200,
        context: () =>
          `retained now: ${JSON.stringify([...retained].map(([topic, payload]) => [topic, payload.slice(0, 80)]))}\nbridge output:\n${running.bridge?.output().slice(-3000)}`,
      },
    );
    // The retained state is the UPS's current one, not an earlier snapshot.
    expect(JSON.parse(retained.get(`${base}/rack/state`) ?? "{}").power_state).toBe("on_line");
    expect(retained.get(`${base}/rack/power_state`)).toBe("on_line");

    const before = seen.messages.length;
    await client.publishAsync("homeassistant/status", "online", { qos: 1 });
    await waitFor(device, (p) => p.includes(`${base}/rack/`), before);
    await waitFor(`${base}/rack/state`, () => true, before);
    await waitFor(`${base}/rack/availability`, (p) => p === "online", before);
  });

  it("publishes offline and exits 0 on SIGTERM", async () => {
    const base = uid();
    await start(base);
    const since = seen.messages.length;
    const result = await running.bridge?.stop("SIGTERM");
    expect(result?.code).toBe(0);
    await waitFor(`${base}/bridge/state`, (p) => p === "offline", since);
    await waitFor(`${base}/rack/availability`, (p) => p === "offline", since);
  });

  it("leaves the last will (offline) when killed", async () => {
    const base = uid();
    await start(base);
    const since = seen.messages.length;
    const result = await running.bridge?.stop("SIGKILL");
    expect(result?.signal).toBe("SIGKILL");
    // The broker publishes the will once it notices the dead connection (keepalive or socket close).
    await waitFor(`${base}/bridge/state`, (p) => p === "offline", since, 60_000);
  });
});
