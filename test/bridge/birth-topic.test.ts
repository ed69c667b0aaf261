// Issue 14 (4): Home Assistant's birth topic is its own setting (default `homeassistant/status`), not
// `<discovery prefix>/status`; the bridge republishes after a short random delay (at least 1 s), once
// per burst of birth messages.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const DEVICE = "ha-custom/device/upslink2mqtt_as0931234567/config";

describe("Home Assistant's birth", () => {
  it("is heard on homeassistant.birth_topic, not on <discovery prefix>/status, and answered after a delay", async () => {
    h = await startHarness({ env: { UPSLINK_HOMEASSISTANT_DISCOVERY_PREFIX: "ha-custom" } });
    expect(h.config.homeassistant.birth_topic).toBe("homeassistant/status");
    const harness = h;
    await harness.waitFor(DEVICE, (p) => p.includes(`${harness.base}/ups/`));
    const count = (since: number) => harness.messages.slice(since).filter((m) => m.topic === DEVICE).length;

    // `<prefix>/status` is not the birth topic: nothing is republished.
    const wrongAt = harness.messages.length;
    await harness.client.publishAsync("ha-custom/status", "online", { qos: 1 });
    await harness.barrier();

    const bornAt = harness.messages.length;
    const born = Date.now();
    await harness.client.publishAsync("homeassistant/status", "online", { qos: 1 });
    await harness.client.publishAsync("homeassistant/status", "online", { qos: 1 });
    await harness.waitFor(DEVICE, (p) => p.includes(`${harness.base}/ups/`), { since: bornAt });
    // The delay is at least its minimum: load can only lengthen it.
    expect(Date.now() - born).toBeGreaterThanOrEqual(1000);
    expect(count(wrongAt) - count(bornAt)).toBe(0);
    // Two births in a burst, one republish (a second one would follow within the same delay).
    await new Promise((resolve) => setTimeout(resolve, 5500));
    expect(count(bornAt)).toBe(1);
  }, 30_000);

  it("listens on a configured birth topic", async () => {
    h = await startHarness({
      env: {
        UPSLINK_HOMEASSISTANT_DISCOVERY_PREFIX: "ha-custom",
        UPSLINK_HOMEASSISTANT_BIRTH_TOPIC: "hass/birth",
      },
    });
    const harness = h;
    await harness.waitFor(DEVICE, (p) => p.includes(`${harness.base}/ups/`));
    const at = harness.messages.length;
    await harness.client.publishAsync("hass/birth", "online", { qos: 1 });
    await harness.waitFor(DEVICE, (p) => p.includes(`${harness.base}/ups/`), { since: at });
  }, 30_000);
});
