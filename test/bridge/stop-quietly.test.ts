// A stop (Ctrl-C, SIGTERM) while the bridge is still publishing everything after a connect: the
// publications the closing connection drops are expected, not warnings (the demo's first run showed
// a dozen "publish failed: client disconnecting" lines when stopped in its first second).
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { Bridge } from "../../src/bridge/bridge.js";
import { createMqttConnection } from "../../src/bridge/mqtt-factory.js";
import { loadConfig } from "../../src/config/index.js";
import { LinkSession } from "../../src/link/session.js";
import { SimTransport } from "../../src/link/sim.js";
import { createLogger } from "../../src/log.js";
import { SmartUpsSimulator } from "../../src/simulator/index.js";
import { CatalogueLink } from "../../src/ups/catalogue-link.js";
import { startTestBroker, type TestBroker } from "../helpers/broker.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";

let broker: TestBroker | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await broker?.stop();
  proxy = undefined;
  broker = undefined;
});

describe("bridge stop", () => {
  it("logs no warning for publications dropped because it is stopping", async () => {
    broker = await startTestBroker();
    // The bridge reaches the broker through a proxy, so the test can break its connection.
    proxy = await startTcpProxy(broker.host, broker.port);
    const lines = new PassThrough();
    let log = "";
    lines.on("data", (chunk: Buffer) => {
      log += chunk.toString("utf8");
    });
    const logger = createLogger({ level: "warn", format: "json", destination: lines });
    const config = loadConfig({
      argv: [],
      env: {
        UPSLINK_MQTT_URL: proxy.url,
        UPSLINK_MQTT_RECONNECT_PERIOD_MS: "100",
        UPSLINK_MQTT_BASE_TOPIC: `stop${Math.random().toString(16).slice(2, 8)}`,
        UPSLINK_UPS_PORT: "sim://smartups-3g-120",
      },
    });
    const mqtt = createMqttConnection(config.mqtt, logger);
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
    // The bridge listened for `connect` first: its republish is under way when this one runs.
    const reconnected = new Promise<void>((resolve) => mqtt.once("connect", () => resolve()));
    proxy.drop();
    await reconnected;
    await bridge.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Only the outage the test made is logged: the reset connection and the broker unreachable.
    const records = log
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as { module?: string; msg: string });
    const unexpected = records.filter(
      (line) => !(line.module === "mqtt" && /ECONNRESET|MQTT broker unreachable/.test(line.msg)),
    );
    expect(unexpected).toEqual([]);
    expect(records.length).toBeLessThanOrEqual(2);
  }, 30_000);
});
