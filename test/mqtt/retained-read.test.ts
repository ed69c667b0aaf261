// The one read-back of retained topics (mqtt/retained-read.ts), against a real broker: what a
// filter holds retained now, complete once the marker is back, even through a slow network path;
// nothing live, nothing from outside the filter, and no subscription left behind.
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createMqttConnection } from "../../src/bridge/mqtt-factory.js";
import type { MqttConfig } from "../../src/config/types.js";
import { silentLogger } from "../../src/log.js";
import type { MqttConnection } from "../../src/mqtt/connection.js";
import { RetainedReader } from "../../src/mqtt/retained-read.js";
import { connectClient, startTestBroker, type TestBroker } from "../helpers/broker.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";

let broker: TestBroker;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  broker = await startTestBroker();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await broker.stop();
});

function config(url: string): MqttConfig {
  return {
    url,
    username: null,
    password: null,
    base_topic: `rb_${randomBytes(4).toString("hex")}`,
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
  };
}

async function connected(url = broker.url): Promise<MqttConnection> {
  const connection = createMqttConnection(config(url), silentLogger());
  cleanups.push(() => connection.close());
  await connection.start();
  return connection;
}

async function seed(retained: Record<string, string>): Promise<void> {
  const client = await connectClient(broker.url);
  for (const [topic, payload] of Object.entries(retained))
    await client.publishAsync(topic, payload, { qos: 1, retain: true });
  await client.endAsync();
}

function text(messages: ReadonlyMap<string, Buffer>): Record<string, string> {
  return Object.fromEntries([...messages].map(([topic, payload]) => [topic, payload.toString("utf8")]));
}

describe("RetainedReader", () => {
  it("returns what the filter holds retained, complete when the marker came back", async () => {
    const connection = await connected();
    const under = `${connection.baseTopic}/ups`;
    await seed({
      [`${under}/a`]: "1",
      [`${under}/b`]: "two",
      [`${under}/deeper/c`]: "not one level",
      [`${connection.baseTopic}/other/a`]: "another prefix",
    });
    const reader = new RetainedReader(connection);
    const snapshot = await reader.read(`${under}/+`);
    expect(snapshot.complete).toBe(true);
    expect(text(snapshot.messages)).toEqual({ [`${under}/a`]: "1", [`${under}/b`]: "two" });
  });

  it("is complete through a broker 40 ms away each way", async () => {
    const proxy = await startTcpProxy(broker.host, broker.port, { delayMs: 40 });
    cleanups.push(() => proxy.close());
    const connection = await connected(proxy.url);
    const under = `${connection.baseTopic}/ups`;
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`${under}/k${i}`, String(i)]));
    await seed(many);
    const snapshot = await new RetainedReader(connection).read(`${under}/+`);
    expect(snapshot.complete).toBe(true);
    expect(text(snapshot.messages)).toEqual(many);
  });

  // The second read subscribes afresh only if the first unsubscribed: else the broker sends it no
  // retained message at all.
  it("gives each of two overlapping reads of one filter the whole snapshot", async () => {
    const connection = await connected();
    const under = `${connection.baseTopic}/ups`;
    await seed({ [`${under}/a`]: "1", [`${under}/b`]: "2" });
    const reader = new RetainedReader(connection);
    const [first, second] = await Promise.all([reader.read(`${under}/+`), reader.read(`${under}/+`)]);
    expect(text(first.messages)).toEqual({ [`${under}/a`]: "1", [`${under}/b`]: "2" });
    expect(text(second.messages)).toEqual({ [`${under}/a`]: "1", [`${under}/b`]: "2" });
    expect(second.complete).toBe(true);
  });

  it("answers at once, empty and incomplete, while not connected", async () => {
    const connection = createMqttConnection(config(broker.url), silentLogger());
    cleanups.push(() => connection.close());
    const snapshot = await new RetainedReader(connection).read(`${connection.baseTopic}/ups/+`);
    expect(snapshot.complete).toBe(false);
    expect(snapshot.messages.size).toBe(0);
  });
});
