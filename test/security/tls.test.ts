// Issue 7, security: the bridge process (from dist/) against a mosquitto that requires TLS with a
// client certificate and a password, all made in the test. Good settings connect; a wrong CA or a
// wrong password give a clear error, are retried with backoff and never crash the process; and no
// secret (password, key passphrase) appears in any log line (trace level), in bridge/info or in an
// error response.
import { readFileSync } from "node:fs";
import type { IClientOptions, MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { collect, connectClient, type ReceivedMessage } from "../helpers/broker.js";
import { type BridgeProcess, startBridge } from "../helpers/processes.js";
import { waitUntil as waitFor } from "../helpers/wait.js";
import { makePki, type Pki, type SecureBroker, startSecureBroker } from "./secure-broker.js";

const BRIDGE_PASSWORD = `Br1dge-${Math.random().toString(36).slice(2)}-pw`;
const VIEWER_PASSWORD = `v-${Math.random().toString(36).slice(2)}`;

let pki: Pki;
let broker: SecureBroker;
let bridge: BridgeProcess | null = null;
const clients: MqttClient[] = [];

beforeAll(async () => {
  pki = makePki();
  broker = await startSecureBroker(pki, { bridge: BRIDGE_PASSWORD, viewer: VIEWER_PASSWORD });
});

afterEach(async () => {
  await bridge?.stop("SIGKILL");
  bridge = null;
  for (const client of clients.splice(0)) await client.endAsync(true);
});

afterAll(async () => {
  await broker.stop();
});

async function viewer(): Promise<MqttClient> {
  // MQTT.js passes TLS options through to tls.connect; its type omits `passphrase`.
  const tls: IClientOptions & { passphrase: string } = {
    username: "viewer",
    password: VIEWER_PASSWORD,
    ca: readFileSync(pki.ca),
    cert: readFileSync(pki.clientCert),
    key: readFileSync(pki.clientKey),
    passphrase: pki.clientKeyPassphrase,
  };
  const client = await connectClient(broker.tlsUrl, tls);
  clients.push(client);
  return client;
}

function tlsEnv(base: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    UPSLINK_MQTT_URL: broker.tlsUrl,
    UPSLINK_MQTT_USERNAME: "bridge",
    UPSLINK_MQTT_PASSWORD: BRIDGE_PASSWORD,
    UPSLINK_MQTT_CA: pki.ca,
    UPSLINK_MQTT_CERT: pki.clientCert,
    UPSLINK_MQTT_KEY: pki.clientKey,
    UPSLINK_MQTT_KEY_PASSPHRASE: pki.clientKeyPassphrase,
    UPSLINK_MQTT_BASE_TOPIC: base,
    UPSLINK_MQTT_RECONNECT_PERIOD_MS: "200",
    UPSLINK_MQTT_RECONNECT_MAX_MS: "2000",
    UPSLINK_UPS_PORT: "sim://smartups-3g-120",
    UPSLINK_POLL_INTERVAL_MS: "500",
    UPSLINK_LOG_LEVEL: "trace",
    ...overrides,
  };
}

function waitUntil(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  return waitFor(what, condition, {
    timeoutMs,
    intervalMs: 50,
    context: () => `bridge output:\n${aboveDebug(bridge?.output() ?? "").slice(-3000)}`,
  });
}

/** The output without trace and debug lines (which drown everything else). */
function aboveDebug(output: string): string {
  return output
    .split("\n")
    .filter((line) => !/^\{"level":(10|20),/.test(line))
    .join("\n");
}

/** Connection attempts the broker saw on the TLS listener since `from` (an index into its log). */
function brokerAttempts(from: number): number {
  const port = new URL(broker.tlsUrl).port;
  return broker
    .log()
    .slice(from)
    .split("\n")
    .filter((line) => line.includes("New connection from 127.0.0.1") && line.includes(`on port ${port}`))
    .length;
}

const uid = () => `sec${Math.random().toString(16).slice(2, 8)}`;

describe("TLS with client certificates and a password", () => {
  it("connects, publishes, and keeps every secret out of logs, bridge/info and error responses", async () => {
    const base = uid();
    const client = await viewer();
    const seen = await collect(client, `${base}/#`);
    bridge = startBridge(tlsEnv(base));
    const has = (topic: string, payload?: string): ReceivedMessage | undefined =>
      seen.messages.find((m) => m.topic === topic && (payload === undefined || m.payload === payload));
    await waitUntil("the bridge online over TLS", () => has(`${base}/bridge/state`, "online") !== undefined);
    await waitUntil("the UPS online", () => has(`${base}/ups/availability`, "online") !== undefined);
    await waitUntil("bridge/info", () => has(`${base}/bridge/info`) !== undefined);

    const info = has(`${base}/bridge/info`)?.payload ?? "";
    const config = (JSON.parse(info) as { config: { mqtt: Record<string, unknown> } }).config.mqtt;
    expect(config.password).toBe("[redacted]");
    expect(config.key_passphrase).toBe("[redacted]");
    expect(config.username).toBe("bridge");

    // Error responses of every kind.
    const requests: [string, string][] = [
      ["command/turn_off_immediate", ""],
      ["command/test_lights_beeper", '{"params": 5}'],
      ["command/confirm", '{"token": "00000000000000000000000000000000"}'],
      ["set/shutdown_delay", "17"],
      ["command/no_such_action", ""],
    ];
    for (const [topic, payload] of requests)
      await client.publishAsync(`${base}/ups/${topic}`, payload, { qos: 1 });
    await waitUntil(
      "every error response",
      () =>
        seen.messages.filter((m) => m.topic.startsWith(`${base}/ups/response/`)).length >= requests.length,
    );
    const responses = seen.messages.filter((m) => m.topic.startsWith(`${base}/ups/response/`));
    expect(responses.every((m) => JSON.parse(m.payload).status === "error")).toBe(true);

    const stopped = await bridge.stop("SIGTERM");
    expect(stopped.code).toBe(0);
    const everything = [bridge.output(), ...seen.messages.map((m) => `${m.topic} ${m.payload}`)].join("\n");
    expect(bridge.output()).toContain('"level":10'); // trace really was on
    expect(everything).not.toContain(BRIDGE_PASSWORD);
    expect(everything).not.toContain(pki.clientKeyPassphrase);
    expect(everything).not.toContain(readFileSync(pki.clientKey, "utf8").split("\n")[2] ?? "-");
    await seen.stop();
  }, 90_000);

  it("a CA that did not sign the broker: a clear TLS error, retried with backoff, no crash", async () => {
    const from = broker.log().length;
    bridge = startBridge(tlsEnv(uid(), { UPSLINK_MQTT_CA: pki.otherCa }));
    await waitUntil("several refused attempts", () => brokerAttempts(from) >= 3);
    await waitUntil("the error line", () =>
      /TLS with mqtts:\/\/127\.0\.0\.1:\d+ failed/.test(bridge?.output() ?? ""),
    );
    const output = bridge.output();
    // Names the TLS problem and what to set.
    expect(output).toMatch(
      /failed \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/,
    );
    expect(output).toContain("mqtt.ca");
    expect(bridge.child.exitCode).toBeNull();
    expect(output).not.toMatch(/unhandled|uncaught/i);
    expect(output).not.toContain(BRIDGE_PASSWORD);
  }, 60_000);

  it("a wrong password: a clear error, retried with backoff, no crash, the password nowhere", async () => {
    const wrong = `Wrong-${Math.random().toString(36).slice(2)}`;
    const from = broker.log().length;
    bridge = startBridge(tlsEnv(uid(), { UPSLINK_MQTT_PASSWORD: wrong }));
    await waitUntil("several refused attempts", () => brokerAttempts(from) >= 3);
    // mosquitto refuses a wrong password as "not authorized" (MQTT 5 code 135).
    await waitUntil("the error line", () =>
      /refused the connection .*mqtt\.password/.test(bridge?.output() ?? ""),
    );
    const output = bridge.output();
    expect(broker.log().slice(from)).toMatch(/not authori[sz]ed/i);
    expect(bridge.child.exitCode).toBeNull();
    expect(output).not.toMatch(/unhandled|uncaught/i);
    expect(output).not.toContain(wrong);
  }, 60_000);

  it("a wrong password inside the broker URL never appears either", async () => {
    const wrong = `UrlWrong-${Math.random().toString(36).slice(2)}`;
    const plain = new URL(broker.plainUrl);
    bridge = startBridge(
      tlsEnv(uid(), {
        UPSLINK_MQTT_URL: `mqtt://bridge:${wrong}@127.0.0.1:${plain.port}`,
        UPSLINK_MQTT_PASSWORD: "",
        UPSLINK_MQTT_CA: "",
        UPSLINK_MQTT_CERT: "",
        UPSLINK_MQTT_KEY: "",
        UPSLINK_MQTT_KEY_PASSPHRASE: "",
      }),
    );
    await waitUntil("the error line", () =>
      /refused the connection .*mqtt\.password/.test(bridge?.output() ?? ""),
    );
    const output = bridge.output();
    expect(output).toContain("[redacted]");
    expect(output).not.toContain(wrong);
    expect(bridge.child.exitCode).toBeNull();
  }, 60_000);
});
