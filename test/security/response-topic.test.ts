// Issue 17, item 2: an MQTT 5 request's response topic is chosen by whoever sends the request.
// `mosquitto_pub -V 5 -t <base>/<ups>/command/battery_test -m PRESS -D publish response-topic 'x/#'`
// made the bridge publish to `x/#`: mosquitto dropped its connection for a protocol error, MQTT.js
// resent that publication after every reconnect, and the bridge stayed offline. A response topic
// under the bridge's own base topic overwrote its state. Against a real broker (mosquitto).
import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_RESPONSE_TOPIC_BYTES } from "../../src/mqtt/topics.js";
import { connectClient } from "../helpers/broker.js";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { command, type Response, topics } from "../helpers/requests.js";
import { commandText, mark } from "../helpers/wire.js";

let h: Harness | null = null;
let v5: MqttClient | null = null;
afterEach(async () => {
  await v5?.endAsync();
  v5 = null;
  await h?.stop();
  h = null;
});

async function start(): Promise<{ harness: Harness; client: MqttClient }> {
  h = await startHarness();
  // Response topics exist only in MQTT 5: these cases need mosquitto (or another MQTT 5 broker).
  expect(h.broker.mqtt5, `broker ${h.broker.kind} does not speak MQTT 5`).toBe(true);
  await waitReady(h);
  v5 = await connectClient(h.broker.url, { protocolVersion: 5 });
  return { harness: h, client: v5 };
}

function offlineSince(harness: Harness, since: number): number {
  return harness.messages
    .slice(since)
    .filter((m) => m.topic === `${harness.base}/bridge/state` && m.payload === "offline").length;
}

describe("MQTT 5 response topics", () => {
  it("response-topic 'x/#': the request is refused on the bridge's own response topic, and the bridge stays connected and answering", async () => {
    const { harness, client } = await start();
    const sim = harness.simulator();
    const t = topics(harness);
    const from = mark(sim);
    const since = harness.messages.length;
    await client.publishAsync(t.command("battery_test"), "PRESS", {
      qos: 1,
      properties: { responseTopic: "x/#", correlationData: Buffer.from("c1") },
    });
    const answer = JSON.parse(
      (await harness.waitFor(t.response("battery_test"), () => true, { since })).payload,
    );
    expect(answer).toMatchObject({
      status: "error",
      action: "battery_test",
      data: null,
      error: { code: "invalid_response_topic" },
    });
    expect(answer.error.message).toMatch(/wildcard \+ or #/);
    // Refused whole: the self-test did not start.
    expect(commandText(sim, from)).toBe("");
    // Still connected: the next request is answered, and the broker never published the last will.
    expect(await command(harness, "test_lights_beeper")).toMatchObject({ status: "ok" });
    expect(harness.mqtt.connected).toBe(true);
    expect(offlineSince(harness, since)).toBe(0);
  });

  it("refuses response topics inside its own namespace, in the discovery prefix, under $, with wildcards, or too long, and publishes nothing there", async () => {
    const { harness, client } = await start();
    const t = topics(harness);
    const bad: readonly [string, RegExp][] = [
      // Before: the envelope overwrote the retained state topic.
      [t.key("power_state"), /the bridge's own topics/],
      // Before: the answer landed on a request topic of the bridge itself.
      [t.command("turn_off_immediate"), /the bridge's own topics/],
      [`homeassistant/device/x${harness.base}/config`, /the bridge's own topics/],
      ["$SYS/broker/x", /belong to the broker/],
      ["a/+/b", /wildcard/],
      [`r${harness.base}/${"a".repeat(MAX_RESPONSE_TOPIC_BYTES)}`, /bytes long/],
    ];
    for (const [responseTopic, why] of bad) {
      const since = harness.messages.length;
      await client.publishAsync(t.command("test_lights_beeper"), "", {
        qos: 1,
        properties: { responseTopic },
      });
      const answer = JSON.parse(
        (await harness.waitFor(t.response("test_lights_beeper"), () => true, { since })).payload,
      ) as Response;
      expect(answer, responseTopic).toMatchObject({
        status: "error",
        error: { code: "invalid_response_topic" },
      });
      expect(answer.error?.message, responseTopic).toMatch(why);
      // A following request is answered: the answer above was published and the link is intact.
      expect(await command(harness, "test_lights_beeper")).toMatchObject({ status: "ok" });
      expect(
        harness.messages.slice(since).filter((m) => m.topic === responseTopic),
        `nothing published on ${responseTopic}`,
      ).toEqual([]);
    }
    expect(harness.mqtt.connected).toBe(true);
    expect(offlineSince(harness, 0)).toBe(0);
  });

  it("the connection itself never publishes to an unusable response topic, whatever its caller does", async () => {
    const { harness } = await start();
    const since = harness.messages.length;
    const own = `${harness.base}/ups/response/probe`;
    await harness.mqtt.respond(
      {
        topic: `${harness.base}/ups/command/probe`,
        payload: Buffer.alloc(0),
        retain: false,
        responseTopic: "x/#",
      },
      own,
      "{}",
    );
    await harness.waitFor(own, (p) => p === "{}", { since });
    // Had `x/#` gone out, the broker would have dropped the connection and published the will.
    expect(await command(harness, "test_lights_beeper")).toMatchObject({ status: "ok" });
    expect(harness.mqtt.connected).toBe(true);
    expect(offlineSince(harness, since)).toBe(0);
  });
});
