// Issue 14 (11): the "Link" connectivity sensor follows the bridge only. When the UPS stops
// answering, its availability topic says `offline`: every other entity goes unavailable (the device
// availability needs both topics), the link sensor stays available and reads that payload as OFF.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const DEVICE = "homeassistant/device/upslink2mqtt_as0931234567/config";

describe("the link sensor", () => {
  it("is available with the bridge alone and reads the UPS availability as its state", async () => {
    h = await startHarness();
    const harness = h;
    const config = await harness.waitFor(DEVICE, (p) => p.includes(`${harness.base}/ups/`));
    const payload = JSON.parse(config.payload) as {
      availability: { topic: string }[];
      components: Record<string, Record<string, unknown>>;
    };
    const link = payload.components.link;
    expect(link?.availability).toEqual([{ topic: `${harness.base}/bridge/state` }]);
    expect(link?.state_topic).toBe(`${harness.base}/ups/availability`);
    expect(payload.availability.map((a) => a.topic)).toContain(`${harness.base}/ups/availability`);
    await harness.waitFor(`${harness.base}/ups/availability`, (p) => p === link?.payload_on);

    // Communication lost: the link turns OFF while the bridge, its only availability, stays online.
    const lostAt = harness.messages.length;
    expect(harness.simulator().control("silent on")).toMatch(/^ok/);
    await harness.waitFor(`${harness.base}/ups/availability`, (p) => p === link?.payload_off, {
      since: lostAt,
      timeoutMs: 30_000,
    });
    expect(harness.last(`${harness.base}/bridge/state`)).toBe("online");
  }, 45_000);
});
