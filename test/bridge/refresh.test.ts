// Issue 4 / CONTRACT "Values": keys are published when they change, plus a full refresh every
// `mqtt.refresh_interval_s` even when nothing changed.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { waitUntil } from "../helpers/wait.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe("periodic full refresh", () => {
  it("republishes unchanged keys and the state JSON every refresh interval", async () => {
    h = await startHarness({ env: { UPSLINK_MQTT_REFRESH_INTERVAL_S: "1" } });
    await waitReady(h);
    // A key that does not change while the unit sits on line: its serial number.
    const topic = `${h.base}/ups/ups_serial_number`;
    await h.waitFor(topic);
    const since = h.messages.length;
    await h.waitFor(topic, (p) => p === "AS0931234567", { since });
    const again = h.messages.length;
    await h.waitFor(topic, (p) => p === "AS0931234567", { since: again });
    await h.waitFor(`${h.base}/ups/state`, () => true, { since: again });
    expect(h.messages.slice(since).filter((m) => m.topic === topic).length).toBeGreaterThanOrEqual(2);
  });

  it("publishes an unchanged key once when refreshing is off", async () => {
    h = await startHarness({ env: { UPSLINK_MQTT_REFRESH_INTERVAL_S: "0" } });
    await waitReady(h);
    const topic = `${h.base}/ups/ups_serial_number`;
    await h.waitFor(topic);
    // Several poll cycles later (more `Q` requests on the wire), still exactly one publication.
    const sim = h.simulator();
    const from = sim.received.length;
    await waitUntil(
      "six more Q requests",
      () => sim.received.slice(from).filter((r) => r.byte === 0x51).length >= 6,
    );
    // All the bridge published in those cycles has arrived.
    await h.barrier();
    expect(h.messages.filter((m) => m.topic === topic)).toHaveLength(1);
  });
});
