// A stop (Ctrl-C, SIGTERM) while the bridge is still publishing everything after a connect: the
// publications the closing connection drops are expected, not warnings (the demo's first run showed
// a dozen "publish failed: client disconnecting" lines when stopped in its first second).
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { Bridge } from "../../src/bridge/bridge.js";
import { loadConfig } from "../../src/config/index.js";
import { LinkSession } from "../../src/link/session.js";
import { SimTransport } from "../../src/link/sim.js";
import { createLogger } from "../../src/log.js";
import { MqttConnection } from "../../src/mqtt/connection.js";
import { SmartUpsSimulator } from "../../src/simulator/index.js";
import { CatalogueLink } from "../../src/ups/catalogue-link.js";
import { startTestBroker, type TestBroker } from "../helpers/broker.js";

let broker: TestBroker | undefined;
afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});

describe("bridge stop", () => {
  it("logs no warning for publications dropped because it is stopping", async () => {
    broker = await startTestBroker();
    const lines = new PassThrough();
    let log = "";
    lines.on("data", (chunk: Buffer) => {
      log += chunk.toString("utf8");
    });
    const logger = createLogger({ level: "warn", format: "json", destination: lines });
    const config = loadConfig({
      argv: [],
      env: {
        UPSLINK_MQTT_URL: broker.url,
        UPSLINK_MQTT_BASE_TOPIC: `stop${Math.random().toString(16).slice(2, 8)}`,
        UPSLINK_UPS_PORT: "sim://smartups-3g-120",
      },
    });
    const mqtt = new MqttConnection({ mqtt: config.mqtt, logger });
    const bridge = new Bridge({
      config,
      logger,
      mqtt,
      createLink: () =>
        new CatalogueLink(
          new LinkSession({
            transport: new SimTransport({ simulator: new SmartUpsSimulator({ profile: "smartups-3g-120" }) }),
            logger,
          }),
        ),
    });
    await mqtt.start();
    await bridge.start();
    // Every key of the UPS is known once the model has read it; then a republish has a lot to send.
    await new Promise<void>((resolve) => {
      const check = () => {
        const model = bridge.runtimes.get("ups")?.model;
        if (model !== undefined && Object.keys(model.store.snapshot()).length > 20) resolve();
        else setTimeout(check, 20);
      };
      check();
    });
    // A reconnect starts the full republish (one awaited publication after the other); stop at once.
    mqtt.emit("connect");
    await bridge.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(log).toBe("");
  }, 30_000);
});
