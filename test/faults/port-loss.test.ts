// Issue 7, the serial port disappearing: mid-poll and mid-command, in-process (a simulated port
// that vanishes at an exact byte) and end to end (the bridge process from dist/ with the simulator
// on a real pseudo-terminal that is removed while a command waits for its reply). The bridge reports
// `offline`, never crashes, never sends a command again on its own, and comes back by itself as the
// same Home Assistant device when the port returns.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
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
import {
  type FaultHarness,
  settled,
  settledBaseline,
  startFaultHarness,
  wrongValues,
} from "./fault-harness.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function harness(env: Record<string, string> = {}): Promise<FaultHarness> {
  const h = await startFaultHarness({ env });
  cleanups.push(() => h.stop());
  return h;
}

const byte = (char: string): number => char.charCodeAt(0);

/** The link works again: a power failure on the simulator reaches MQTT, and so does its end. */
async function expectLinkWorks(h: FaultHarness): Promise<void> {
  const since = h.messages.length;
  h.sim.control("power fail");
  await h.waitFor(h.topic("power_state"), (p) => p === "on_battery", { since });
  h.sim.control("power restore");
  await h.waitFor(h.topic("power_state"), (p) => p === "on_line", { since });
}

/** Discovery configs published for this bridge's UPS, by topic. */
function discoveryTopics(h: FaultHarness, since: number): string[] {
  return [
    ...new Set(
      h.messages
        .slice(since)
        .filter((m) => m.topic.startsWith("homeassistant/device/") && m.payload.includes(`${h.base}/ups/`))
        .map((m) => m.topic),
    ),
  ];
}

describe("the port vanishes (in-process)", () => {
  it("mid-poll: offline, no wrong value, back by itself as the same device", async () => {
    const h = await harness();
    const baseline = await settledBaseline(h);
    const since = h.messages.length;
    // Pull the port the moment the line-voltage query is on the wire, before its reply.
    h.transport.afterWrite = (bytes) => {
      if (bytes.includes(byte("L"))) {
        h.transport.afterWrite = null;
        h.transport.vanish();
      }
    };
    await h.waitFor(h.topic("availability"), (p) => p === "offline", { since });
    expect(h.transport.gone).toBe(true);
    // Several reopen attempts fail while it is gone; nothing is published but offline.
    const failedBefore = h.transport.failedOpens;
    await waitUntil("three failed reopen attempts", () => h.transport.failedOpens >= failedBefore + 3, {
      timeoutMs: 30_000,
    });
    expect(h.session.state).toBe("offline");
    const back = h.messages.length;
    h.transport.plugIn();
    await h.waitFor(h.topic("availability"), (p) => p === "online", { since: back });
    await settled(h);
    expect(wrongValues(h, baseline, since)).toEqual([]);
    expect(h.transport.opens).toBe(2);
    expect(discoveryTopics(h, 0)).toEqual(["homeassistant/device/upslink2mqtt_as0931234567/config"]);
    await expectLinkWorks(h);
  }, 60_000);

  it("mid-command (between the two presses of K): error response, the command is not sent again", async () => {
    const h = await harness({ UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE: "true" });
    await settledBaseline(h);
    const pending = await h.request(h.topic("command/turn_off_after_delay"), "", "turn_off_after_delay");
    expect(pending.status).toBe("pending");
    const token = (pending.data as { token: string }).token;
    let vanishedAt = -1;
    h.transport.afterWrite = (bytes) => {
      if (bytes.includes(byte("K"))) {
        h.transport.afterWrite = null;
        vanishedAt = h.sim.received.length;
        h.transport.vanish();
      }
    };
    const response = await h.request(
      h.topic("command/confirm"),
      JSON.stringify({ token }),
      "turn_off_after_delay",
    );
    expect(response.status).toBe("error");
    expect((response.error as { code: string }).code).toMatch(/^(link_down|port_closed)$/);
    expect(vanishedAt).toBeGreaterThan(0);
    await h.waitFor(h.topic("availability"), (p) => p === "offline");
    h.transport.plugIn();
    const back = h.messages.length;
    await h.waitFor(h.topic("availability"), (p) => p === "online", { since: back });
    // Polling again, cleanly: whatever the link would send again on its own, it would have by now.
    await settled(h);
    // One K reached the unit before the port went; none after it came back: the output stays on.
    const after = h.sim.received.slice(vanishedAt).map((r) => r.byte);
    expect(after).not.toContain(byte("K"));
    expect(h.sim.state.outputOn).toBe(true);
    expect(h.sim.state.pendingShutdown).toBeNull();
    expect(h.snapshot().power_state).toBe("on_line");
    await expectLinkWorks(h);
  }, 60_000);

  it("twenty vanish/return cycles leave exactly one set of listeners", async () => {
    const h = await harness();
    await settledBaseline(h);
    const before = {
      data: h.transport.listenerCount("data"),
      close: h.transport.listenerCount("close"),
      state: h.session.listenerCount("state"),
      alert: h.session.listenerCount("alert"),
      connect: h.mqtt.listenerCount("connect"),
    };
    for (let cycle = 0; cycle < 20; cycle++) {
      const since = h.messages.length;
      h.transport.vanish();
      await h.waitFor(h.topic("availability"), (p) => p === "offline", { since });
      h.transport.plugIn();
      await h.waitFor(h.topic("availability"), (p) => p === "online", { since });
    }
    expect({
      data: h.transport.listenerCount("data"),
      close: h.transport.listenerCount("close"),
      state: h.session.listenerCount("state"),
      alert: h.session.listenerCount("alert"),
      connect: h.mqtt.listenerCount("connect"),
    }).toEqual(before);
    expect(before.data).toBe(1);
    expect(h.transport.opens).toBe(21);
  }, 120_000);
});

describe("the pseudo-terminal is removed (bridge process from dist/)", () => {
  let broker: TestBroker;
  let client: MqttClient;
  let seen: { readonly messages: ReceivedMessage[]; stop(): Promise<void> };
  const running: { bridge?: BridgeProcess; sim?: SimProcess } = {};

  async function waitFor(topic: string, predicate: (p: string) => boolean, since: number): Promise<void> {
    await waitInRecorded(seen.messages, topic, predicate, {
      since,
      timeoutMs: 30_000,
      context: () => `bridge output:\n${running.bridge?.output().slice(-3000)}`,
    });
  }

  it("mid-command: error response, offline, no crash, back as the same device on a new pty", async () => {
    broker = await startTestBroker();
    client = await connectClient(broker.url);
    seen = await collect(client, "#");
    cleanups.push(async () => {
      await running.bridge?.stop("SIGKILL");
      await running.sim?.stop();
      await seen.stop();
      await client.endAsync(true);
      await broker.stop();
    });
    const base = `p${Math.random().toString(16).slice(2, 8)}`;
    const link = join(mkdtempSync(join(tmpdir(), "upslink-faults-")), "ups");
    running.sim = await startSimulator(link);
    running.bridge = startBridge({
      UPSLINK_UPS_PORT: link,
      UPSLINK_UPS_ID: "rack",
      UPSLINK_MQTT_URL: broker.url,
      UPSLINK_MQTT_BASE_TOPIC: base,
      UPSLINK_POLL_INTERVAL_MS: "500",
      UPSLINK_LINK_RECONNECT_MIN_MS: "200",
      UPSLINK_LINK_RECONNECT_MAX_MS: "1000",
      // Wire bytes are logged at trace: the test sees when the command is on the wire.
      UPSLINK_LOG_LEVEL: "trace",
    });
    await waitFor(`${base}/rack/power_state`, (p) => p === "on_line", 0);
    // Replies now come 2.5 s late, so the command is still waiting when the port goes.
    expect(await running.sim.control("fault slow 2500")).toMatch(/^ok/);
    const since = seen.messages.length;
    const logFrom = running.bridge.output().length;
    await client.publishAsync(`${base}/rack/command/battery_test`, "", { qos: 1 });
    const bridge = running.bridge;
    await waitUntil(
      "the command on the wire",
      () => /"dir":"tx","bytes":"W"/.test(bridge.output().slice(logFrom)),
      { timeoutMs: 30_000, intervalMs: 10 },
    );
    await running.sim.stop();
    await waitFor(`${base}/rack/response/battery_test`, (p) => JSON.parse(p).status === "error", since);
    await waitFor(`${base}/rack/availability`, (p) => p === "offline", since);
    expect(running.bridge.child.exitCode).toBeNull();
    const okAnswers = seen.messages
      .slice(since)
      .filter(
        (m) => m.topic === `${base}/rack/response/battery_test` && JSON.parse(m.payload).status === "ok",
      );
    expect(okAnswers).toEqual([]);

    const back = seen.messages.length;
    running.sim = await startSimulator(link);
    await waitFor(`${base}/rack/availability`, (p) => p === "online", back);
    // The new pty really works: a power failure on it moves the state.
    expect(await running.sim.control("power fail")).toMatch(/^ok/);
    await waitFor(`${base}/rack/power_state`, (p) => p === "on_battery", back);
    const devices = new Set(
      seen.messages
        .filter((m) => m.topic.startsWith("homeassistant/device/") && m.payload.includes(`${base}/rack/`))
        .map((m) => m.topic),
    );
    expect([...devices]).toEqual(["homeassistant/device/upslink2mqtt_as0931234567/config"]);
    expect(running.bridge.output()).not.toMatch(/unhandled|uncaught/i);
  }, 120_000);
});
