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
    const fresh = await connectClient(broker.url);
    try {
      const retained = await collect(fresh, `${base}/#`);
      const discovery = await collect(fresh, "homeassistant/device/+/config");
      const has = (topic: string) => retained.messages.some((m) => m.topic === topic && m.retain);
      await waitUntil(
        "everything retained again",
        () =>
          has(`${base}/rack/availability`) &&
          has(`${base}/rack/state`) &&
          has(`${base}/bridge/state`) &&
          discovery.messages.some((m) => m.retain && m.payload.includes(`${base}/rack/`)),
        {
          timeoutMs: 20_000,
          intervalMs: 50,
          context: () =>
            `not republished: availability ${has(`${base}/rack/availability`)}, state ${has(`${base}/rack/state`)}, bridge ${has(`${base}/bridge/state`)}, discovery ${JSON.stringify(discovery.messages.map((m) => [m.topic, m.retain, m.payload.length, m.payload.slice(0, 300)]))}`,
        },
      );
      expect(retained.messages.find((m) => m.topic === `${base}/bridge/state`)?.payload).toBe("online");
      expect(retained.messages.find((m) => m.topic === `${base}/rack/availability`)?.payload).toBe("online");

      const before = seen.messages.length;
      await fresh.publishAsync("homeassistant/status", "online", { qos: 1 });
      await waitFor(
        "homeassistant/device/upslink2mqtt_as0931234567/config",
        (p) => p.includes(`${base}/rack/`),
        before,
      );
      await waitFor(`${base}/rack/state`, () => true, before);
      await waitFor(`${base}/rack/availability`, (p) => p === "online", before);
      await retained.stop();
      await discovery.stop();
    } finally {
      await fresh.endAsync(true);
    }
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
