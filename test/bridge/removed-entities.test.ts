// Issue 4: entities that disappear are cleared. A Measure-UPS unplugged while the bridge runs: after
// the next (re)connect its keys get empty retained payloads and its discovery components are
// removed (a component holding only its platform), on the same device.
import { afterEach, describe, expect, it } from "vitest";
import { Bridge } from "../../src/bridge/bridge.js";
import { createMqttConnection } from "../../src/bridge/mqtt-factory.js";
import { loadConfig } from "../../src/config/index.js";
import { LinkSession } from "../../src/link/session.js";
import { SimTransport } from "../../src/link/sim.js";
import { silentLogger } from "../../src/log.js";
import { findRow } from "../../src/protocol/catalogue/index.js";
import { SmartUpsSimulator } from "../../src/simulator/index.js";
import { CatalogueLink } from "../../src/ups/catalogue-link.js";
import type { Capabilities, UpsLink } from "../../src/ups/link.js";
import { collect, connectClient, startTestBroker, type TestBroker } from "../helpers/broker.js";
import { waitUntil } from "../helpers/wait.js";

/** The real link, with a switch that makes its discoveries report the Measure-UPS gone. */
function detachable(link: CatalogueLink): UpsLink & { detach(): void } {
  let detached = false;
  return {
    detach: () => {
      detached = true;
    },
    start: () => link.start(),
    stop: () => link.stop(),
    get state() {
      return link.state;
    },
    onAlert: (l) => link.onAlert(l),
    onState: (l) => link.onState(l),
    query: (id, p) => link.query(id, p),
    action: (request) => link.action(request),
    exclusive: (fn) => link.exclusive(fn),
    async discover(): Promise<Capabilities> {
      const caps = await link.discover();
      if (!detached) return caps;
      const supported = new Set([...caps.supported].filter((id) => findRow(id)?.needsMeasureUps !== true));
      return { ...caps, supported, measureUps: false };
    },
  };
}

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe("entities that disappear", () => {
  it("clears their retained topics and removes their components from the device", async () => {
    const broker: TestBroker = await startTestBroker();
    const base = `rm${Math.random().toString(16).slice(2, 8)}`;
    const config = loadConfig({
      argv: [],
      env: {
        UPSLINK_MQTT_URL: broker.url,
        UPSLINK_MQTT_BASE_TOPIC: base,
        UPSLINK_UPS_PORT: "sim://smartups-3g-measure",
        UPSLINK_POLL_INTERVAL_MS: "250",
      },
    });
    const logger = silentLogger();
    const simulator = new SmartUpsSimulator({ profile: "smartups-3g-measure" });
    const transport = new SimTransport({ simulator });
    const link = detachable(
      new CatalogueLink(
        new LinkSession({ transport, logger, options: { reconnectMinMs: 100, reconnectMaxMs: 200 } }),
      ),
    );
    const mqtt = createMqttConnection(config.mqtt, logger);
    const client = await connectClient(broker.url);
    const seen = await collect(client, "#");
    const bridge = new Bridge({ config, logger, mqtt, createLink: () => link });
    cleanup = async () => {
      await bridge.stop();
      simulator.stop();
      await seen.stop();
      await client.endAsync();
      await broker.stop();
    };
    await mqtt.start();
    await bridge.start();

    const wait = (pred: () => boolean, what: string) => waitUntil(what, pred);
    const ambient = `${base}/ups/ambient_temperature`;
    await wait(
      () => seen.messages.some((m) => m.topic === ambient && m.payload !== "" && m.payload !== "null"),
      "ambient temperature",
    );
    const deviceTopic = "homeassistant/device/upslink2mqtt_as1115012345/config";
    // The device's discovery goes out once the UPS's info is acknowledged, so under load it can
    // reach the observer after the first readings: wait for it rather than assume it came first.
    await wait(
      () => seen.messages.some((m) => m.topic === deviceTopic && m.payload.includes(`${base}/`)),
      "the device's discovery",
    );
    const devicesBefore = seen.messages.filter(
      (m) => m.topic.startsWith("homeassistant/device/") && m.payload.includes(`${base}/ups/`),
    );
    expect(devicesBefore.map((m) => m.topic)).toContain(deviceTopic);

    const since = seen.messages.length;
    link.detach();
    transport.unplug();
    await wait(
      () => seen.messages.slice(since).some((m) => m.topic === ambient && m.payload === ""),
      "ambient cleared",
    );
    // A new subscriber finds nothing retained there any more. Retained messages arrive right after
    // the subscription; a message of our own on the same connection, received after it, marks that point.
    const fresh = await connectClient(broker.url);
    try {
      const retained = await collect(fresh, ambient);
      const marker = await collect(fresh, `${base}/marker`);
      await fresh.publishAsync(`${base}/marker`, "x", { qos: 1 });
      await wait(() => marker.messages.length > 0, "marker");
      expect(retained.messages).toEqual([]);
    } finally {
      await fresh.endAsync();
    }
    await wait(
      () =>
        seen.messages
          .slice(since)
          .some(
            (m) =>
              m.topic === deviceTopic && m.payload.includes('"ambient_temperature":{"platform":"sensor"}'),
          ),
      "component removal",
    );
    const removal = seen.messages
      .slice(since)
      .find(
        (m) => m.topic === deviceTopic && m.payload.includes('"ambient_temperature":{"platform":"sensor"}'),
      );
    const payload = JSON.parse(removal?.payload ?? "{}") as {
      components: Record<string, Record<string, unknown>>;
    };
    expect(payload.components.ambient_temperature).toEqual({ platform: "sensor" });
    expect(payload.components.line_voltage_vac?.unique_id).toBe("upslink2mqtt_as1115012345_line_voltage_vac");
    // The same device: no other device topic appeared.
    const devices = new Set(
      seen.messages
        .slice(since)
        .filter((m) => m.topic.startsWith("homeassistant/device/") && m.payload.includes(`${base}/ups/`))
        .map((m) => m.topic),
    );
    expect([...devices]).toEqual([deviceTopic]);
  });
});
