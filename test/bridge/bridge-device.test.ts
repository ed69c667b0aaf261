// Issue 14 (12): the bridge is a Home Assistant device of its own, which every UPS device names as
// `via_device`; the running bridge publishes it, and the UPS device points at it.
import { afterEach, describe, expect, it } from "vitest";
import { bridgeDeviceId } from "../../src/homeassistant/names.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { validateDevice } from "../homeassistant/ha-schema.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const DEVICE = "homeassistant/device/upslink2mqtt_as0931234567/config";

describe("the bridge device", () => {
  it("is published by the running bridge, and the UPS device is reached through it", async () => {
    h = await startHarness();
    const harness = h;
    const id = bridgeDeviceId(harness.base);
    const bridge = await harness.waitFor(`homeassistant/device/${id}/config`, (p) => p !== "");
    const payload = JSON.parse(bridge.payload) as Parameters<typeof validateDevice>[0] & {
      components: Record<string, Record<string, unknown>>;
    };
    expect(validateDevice(payload)).toEqual([]);
    expect(payload.components.connection_state?.state_topic).toBe(`${harness.base}/bridge/state`);
    const ups = await harness.waitFor(DEVICE, (p) => p.includes(`${harness.base}/ups/`));
    const device = (JSON.parse(ups.payload) as { device: Record<string, unknown> }).device;
    expect(device.via_device).toBe(id);
    // Not named by the configuration: the model and the UPS id.
    expect(device.name).toBe(`${String(device.model)} (ups)`);
  }, 45_000);
});
