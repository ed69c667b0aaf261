import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createServer as createTlsServer } from "node:tls";
import { Aedes } from "aedes";
import type { MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createMqttConnection, describeMqttError } from "../../src/bridge/mqtt-factory.js";
import type { MqttConfig } from "../../src/config/types.js";
import { createLogger, silentLogger } from "../../src/log.js";
import { type IncomingMessage, type MqttConnection, nextReconnectDelay } from "../../src/mqtt/connection.js";
import { startEmbeddedBroker } from "../../src/mqtt/embedded-broker.js";
import { bridgeState, command, response } from "../../src/mqtt/topics.js";
import {
  collect,
  connectClient,
  NEEDS_MQTT5,
  startTestBroker,
  type TestBroker,
  waitForMessage,
  waitInRecorded,
} from "../helpers/broker.js";
import { selfSignedCert } from "../helpers/self-signed.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";
import { waitUntil } from "../helpers/wait.js";

let broker: TestBroker;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  broker = await startTestBroker({ restartable: true });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await broker.stop();
});

function uniqueBase(): string {
  return `test_${randomBytes(4).toString("hex")}`;
}

function mqttConfig(overrides: Partial<MqttConfig> = {}): MqttConfig {
  return {
    url: broker.url,
    username: null,
    password: null,
    base_topic: uniqueBase(),
    client_id: `upslink2mqtt_test_${randomBytes(4).toString("hex")}`,
    protocol_version: broker.mqtt5 ? 5 : 4,
    keepalive_s: 30,
    reconnect_period_ms: 100,
    reconnect_max_ms: 400,
    ca: null,
    cert: null,
    key: null,
    key_passphrase: null,
    reject_unauthorized: true,
    refresh_interval_s: 300,
    qos: 1,
    ...overrides,
  };
}

function open(
  config: MqttConfig,
  logger = silentLogger(),
  extra: Parameters<typeof createMqttConnection>[2] = {},
): MqttConnection {
  // Through the composition root's mapping, as the bridge builds it.
  const connection = createMqttConnection(config, logger, extra);
  cleanups.push(() => connection.close());
  return connection;
}

async function client(
  url = broker.url,
  options: Parameters<typeof connectClient>[1] = {},
): Promise<MqttClient> {
  const c = await connectClient(url, options);
  cleanups.push(() => c.endAsync(true));
  return c;
}

describe("bridge state", () => {
  it("publishes online retained after connecting and offline retained on close", async () => {
    const config = mqttConfig();
    const connection = open(config);
    await connection.start();
    expect(connection.connected).toBe(true);

    await waitForMessage(await client(), bridgeState(config.base_topic), (m) => m.payload === "online");
    const retainedOnline = await waitForMessage(await client(), bridgeState(config.base_topic));
    expect(retainedOnline).toMatchObject({ payload: "online", retain: true });

    await connection.close();
    expect(connection.connected).toBe(false);
    const retainedOffline = await waitForMessage(await client(), bridgeState(config.base_topic));
    expect(retainedOffline).toMatchObject({ payload: "offline", retain: true });
  });

  it("leaves a retained offline last will when the connection breaks, and online again after reconnecting", async () => {
    const proxy = await startTcpProxy(broker.host, broker.port);
    cleanups.push(() => proxy.close());
    const config = mqttConfig({ url: proxy.url });
    const connection = open(config);
    await connection.start();
    const observer = await client();
    const seen = await collect(observer, bridgeState(config.base_topic));
    await waitForMessage(observer, bridgeState(config.base_topic), (m) => m.payload === "online");

    const reconnected = next(connection, "connect");
    proxy.drop();
    await waitForMessage(observer, bridgeState(config.base_topic), (m) => m.payload === "offline");
    await reconnected;
    await waitForMessage(
      observer,
      bridgeState(config.base_topic),
      (m) => m.payload === "online" && seen.messages.some((s) => s.payload === "offline"),
    );
    const payloads = seen.messages.map((m) => m.payload);
    expect(payloads.lastIndexOf("online")).toBeGreaterThan(payloads.indexOf("offline"));
  });
});

describe("publish and subscribe", () => {
  it("publishes retained messages and delivers incoming ones with their retain flag", async () => {
    const config = mqttConfig();
    const connection = open(config);
    await connection.start();
    const topic = `${config.base_topic}/ups/battery_capacity`;
    await connection.publish(topic, "100", { retain: true });
    expect(await waitForMessage(await client(), topic)).toMatchObject({ payload: "100", retain: true });

    const publisher = await client();
    const retainedCommand = command(config.base_topic, "ups", "battery_test");
    await publisher.publishAsync(retainedCommand, "PRESS", { qos: 1, retain: true });
    const received = new Promise<IncomingMessage>((resolve) => {
      void connection.subscribe(`${config.base_topic}/+/command/+`, resolve);
    });
    const message = await received;
    expect(message.topic).toBe(retainedCommand);
    expect(message.payload.toString()).toBe("PRESS");
    expect(message.retain).toBe(true);
    await publisher.publishAsync(retainedCommand, "", { qos: 1, retain: true });
  });

  it("subscribes again after the broker restarts", async () => {
    const config = mqttConfig();
    const connection = open(config);
    const messages: IncomingMessage[] = [];
    let arrived: (() => void) | undefined;
    await connection.subscribe(`${config.base_topic}/+/set/+`, (message) => {
      messages.push(message);
      arrived?.();
    });
    await connection.start();

    const offline = next(connection, "offline");
    const reconnected = next(connection, "connect");
    await broker.restart();
    await offline;
    await reconnected;

    const delivered = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const publisher = await client();
    await publisher.publishAsync(`${config.base_topic}/ups/set/sensitivity`, "H", { qos: 1 });
    await delivered;
    expect(messages.map((m) => [m.topic, m.payload.toString(), m.retain])).toEqual([
      [`${config.base_topic}/ups/set/sensitivity`, "H", false],
    ]);
  });

  it("delivers QoS 1 messages published during a broker outage once it is back", async () => {
    const config = mqttConfig();
    const connection = open(config);
    await connection.start();
    const offline = next(connection, "offline");
    await broker.pause();
    await offline;
    expect(connection.connected).toBe(false);

    const topic = `${config.base_topic}/ups/state`;
    const delivered = connection.publish(topic, '{"on_battery_mode":true}', { retain: true, qos: 1 });
    await broker.resume();
    await delivered;
    // The restarted broker kept nothing: only the queued publication can have put this here.
    expect(await waitForMessage(await client(), topic)).toMatchObject({
      payload: '{"on_battery_mode":true}',
      retain: true,
    });
  });
});

// Issue 17, item 7: the offline queue grew without bound while the broker was away (MQTT.js keeps
// every publication). It keeps the latest value per retained topic and every other publication in
// order, up to a limit past which the oldest are dropped and a log line says so.
describe("the offline queue", () => {
  it("keeps the latest value per retained topic and the newest events, in order, and says what it dropped", async () => {
    const proxy = await startTcpProxy(broker.host, broker.port);
    cleanups.push(() => proxy.close());
    const config = mqttConfig({ url: proxy.url, reconnect_period_ms: 100, reconnect_max_ms: 200 });
    const lines = new PassThrough();
    let logged = "";
    lines.on("data", (chunk: Buffer) => {
      logged += chunk.toString();
    });
    const connection = open(config, createLogger({ level: "info", destination: lines }), {
      offlineQueueLimit: 5,
    });
    await connection.start();
    // The observer has its own path to the broker: it receives whatever the bridge delivers later.
    const observer = await client();
    const seen = await collect(observer, `${config.base_topic}/#`);

    const offline = next(connection, "offline");
    proxy.cut();
    await offline;
    const load = `${config.base_topic}/ups/load_power_percent`;
    const state = `${config.base_topic}/ups/state`;
    const event = `${config.base_topic}/ups/event`;
    const published: Promise<void>[] = [];
    for (let i = 1; i <= 20; i++) {
      published.push(connection.publish(load, String(i), { retain: true }));
      published.push(connection.publish(state, `{"n":${i}}`, { retain: true }));
      published.push(connection.publish(event, `e${i}`, { retain: false }));
    }
    expect(logged).toMatch(/dropped/);
    expect(logged).toMatch(/5 most recent/);

    const reconnected = next(connection, "connect");
    proxy.restore();
    await reconnected;
    // Every caller hears back: sent, replaced by a newer value, or dropped.
    await Promise.all(published);
    await waitInRecorded(seen.messages, event, (payload) => payload === "e20");
    const delivered = seen.messages
      .filter((m) => m.topic === load || m.topic === state || m.topic === event)
      .map((m) => m.payload);
    expect(delivered).toEqual(["e16", "e17", "e18", "e19", "20", '{"n":20}', "e20"]);
    expect(logged).toMatch(/15 .*dropped while the broker was away/);
  });
});

describe("MQTT 5 request/response", () => {
  it("answers on the response topic with the correlation data, and on the contract's topic", async (ctx) => {
    // MQTT 3.1.1 (the embedded broker) has no response topics.
    ctx.skip(!broker.mqtt5, NEEDS_MQTT5);
    const config = mqttConfig();
    const connection = open(config);
    const answer = JSON.stringify({
      status: "ok",
      action: "battery_test",
      data: null,
      error: null,
      transaction: null,
    });
    await connection.subscribe(`${config.base_topic}/+/command/+`, (request) =>
      connection.respond(request, response(config.base_topic, "ups", "battery_test"), answer),
    );
    await connection.start();

    const requester = await client(broker.url, { protocolVersion: 5 });
    const replyTopic = `replies/${config.base_topic}`;
    const contractReply = waitForMessage(requester, response(config.base_topic, "ups", "battery_test"));
    const directReply = waitForMessage(requester, replyTopic);
    await requester.publishAsync(command(config.base_topic, "ups", "battery_test"), "PRESS", {
      qos: 1,
      properties: { responseTopic: replyTopic, correlationData: Buffer.from("corr-1") },
    });
    expect((await contractReply).payload).toBe(answer);
    const reply = await directReply;
    expect(reply.payload).toBe(answer);
    expect(reply.correlationData?.toString()).toBe("corr-1");
  });
});

describe("broker compatibility and errors", () => {
  it("falls back to MQTT 3.1.1 when the broker refuses MQTT 5 (the embedded broker)", async () => {
    const embedded = await startEmbeddedBroker({ host: "127.0.0.1", port: 0 });
    cleanups.push(() => embedded.close());
    const config = mqttConfig({ url: embedded.url, protocol_version: 5 });
    const connection = open(config);
    await connection.start();
    expect(connection.version).toBe(4);
    const observer = await client(embedded.url);
    expect(await waitForMessage(observer, bridgeState(config.base_topic))).toMatchObject({
      payload: "online",
      retain: true,
    });
  });

  it("reports a refused password clearly, without the password, and keeps running", async () => {
    const aedes = await Aedes.createBroker({
      authenticate: (_client, _username, _password, done) => {
        done(Object.assign(new Error("bad credentials"), { returnCode: 4 as const }), false);
      },
    });
    const server = createServer(aedes.handle);
    const port = await listen(server);
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => aedes.close(() => resolve()))));

    const lines = new PassThrough();
    let logged = "";
    lines.on("data", (chunk: Buffer) => {
      logged += chunk.toString();
    });
    const connection = open(
      mqttConfig({
        url: `mqtt://127.0.0.1:${port}`,
        protocol_version: 4,
        username: "bridge",
        password: "hunter2",
      }),
      createLogger({ level: "error", destination: lines }),
    );
    const [error] = (await Promise.race([
      nextError(connection).then((error) => [error]),
      (async () => {
        await connection.start();
        return [new Error("connected with a refused password")];
      })(),
    ])) as [Error];
    expect(error.message).toContain("refused the user name or password");
    expect(error.message).toContain("UPSLINK_MQTT_PASSWORD");
    expect(error.message).not.toContain("hunter2");
    expect(logged).toContain("refused the user name or password");
    expect(logged).not.toContain("hunter2");
    expect(connection.connected).toBe(false);
  });

  it("reports a broker certificate it cannot verify, and connects once mqtt.ca names the CA", async () => {
    const dir = mkdtempSync(join(tmpdir(), "upslink-tls-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { key: keyFile, cert: certFile } = selfSignedCert(dir);
    const aedes = await Aedes.createBroker();
    const server = createTlsServer(
      { key: readFileSync(keyFile), cert: readFileSync(certFile) },
      aedes.handle,
    );
    const port = await listen(server);
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => aedes.close(() => resolve()))));
    const url = `mqtts://127.0.0.1:${port}`;

    const untrusting = open(mqttConfig({ url, protocol_version: 4 }));
    const errored = nextError(untrusting).then((error) => [error]);
    void untrusting.start();
    const [error] = (await errored) as [Error];
    expect(error.message).toContain("TLS");
    expect(error.message).toContain("mqtt.ca");
    await untrusting.close();

    const trusting = open(mqttConfig({ url, protocol_version: 4, ca: certFile }));
    await trusting.start();
    expect(trusting.connected).toBe(true);
  });
});

describe("reconnecting", () => {
  it("waits the base period, doubles after every failed attempt up to the maximum, and starts over after a connect", async () => {
    const proxy = await startTcpProxy(broker.host, broker.port);
    cleanups.push(() => proxy.close());
    const lines = new PassThrough();
    const delays: number[] = [];
    lines.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (!line.includes("reconnecting to the MQTT broker")) continue;
        delays.push((JSON.parse(line) as { delayMs: number }).delayMs);
      }
    });
    const connection = open(
      mqttConfig({ url: proxy.url, reconnect_period_ms: 100, reconnect_max_ms: 400 }),
      createLogger({ level: "debug", destination: lines }),
    );
    await connection.start();
    const attemptsBefore = proxy.attempts;

    proxy.cut(); // every attempt is refused until restore()
    await waitUntil("five reconnect delays", () => delays.length >= 5);
    expect(delays.slice(0, 5)).toEqual([100, 200, 400, 400, 400]);
    // Each scheduled attempt really reached the network (MQTT.js's own reconnect is off).
    await waitUntil("four refused attempts", () => proxy.attempts - attemptsBefore >= 4);

    const reconnected = next(connection, "connect");
    proxy.restore();
    await reconnected;
    const afterConnect = delays.length;
    const dropped = next(connection, "connect");
    proxy.drop(); // one loss: the first attempt succeeds after the base period again
    await dropped;
    expect(delays.slice(afterConnect)).toEqual([100]);
  });
});

describe("policies", () => {
  it("doubles the reconnect delay up to the maximum", () => {
    const delays = [1000];
    for (let i = 0; i < 6; i++) delays.push(nextReconnectDelay(delays.at(-1) ?? 0, 1000, 30_000));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(nextReconnectDelay(100, 500, 200)).toBe(500);
  });

  it("describes errors with what to do", () => {
    const url = "mqtt://user:hunter2@broker:1883";
    const refused = describeMqttError(
      Object.assign(new Error("Connection refused: Not authorized"), { code: 135 }),
      url,
    );
    expect(refused).toContain("ACL");
    expect(refused).not.toContain("hunter2");
    expect(describeMqttError(Object.assign(new Error("x"), { code: "ECONNREFUSED" }), url)).toContain(
      "is it running",
    );
    expect(describeMqttError(Object.assign(new Error("x"), { code: "ENOTFOUND" }), url)).toContain(
      "UPSLINK_MQTT_URL",
    );
    expect(describeMqttError(Object.assign(new Error("x"), { code: 2 }), url)).toContain("mqtt.client_id");
  });
});

/** The next `event` (an `error` in between does not reject: outages log errors). */
function next(connection: MqttConnection, event: "connect" | "offline"): Promise<void> {
  return new Promise((resolve) => connection.once(event, () => resolve()));
}

function nextError(connection: MqttConnection): Promise<Error> {
  return new Promise((resolve) => connection.once("error", resolve));
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    });
  });
}
