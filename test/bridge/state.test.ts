// Issue 4: every supported key on its retained topic and in `state`, alerts driving state at once,
// shutdown_recommended, availability following the link.
import { afterEach, describe, expect, it } from "vitest";
import { CATALOGUE, FEEDBACKS, REGISTERS } from "../../src/protocol/catalogue/index.js";
import { supportedKeys } from "../../src/ups/keys.js";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe("state publishing", () => {
  it("publishes every supported key retained and in the state JSON, and nothing the UPS lacks", async () => {
    h = await startHarness();
    await waitReady(h);
    const caps = h.bridge.runtimes.get("ups")?.model.caps;
    if (caps === null || caps === undefined) throw new Error("the bridge has no capabilities for the UPS");
    const expected = supportedKeys({
      rows: CATALOGUE,
      feedbacks: FEEDBACKS,
      registers: REGISTERS,
      supported: caps.supported,
      settingValues: caps.settingValues,
    }).map((k) => k.key);
    const state = await h.waitFor(`${h.base}/ups/state`, (p) => {
      const json = JSON.parse(p) as Record<string, unknown>;
      return json.line_voltage_vac !== null && json.ups_id !== null;
    });
    const json = JSON.parse(state.payload) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual([...expected].sort());
    for (const key of expected) {
      const msg = await h.waitFor(`${h.base}/ups/${key}`);
      expect(msg.retain || h.messages.some((m) => m.topic === msg.topic)).toBe(true);
    }
    // The 3G 120 V profile is not a Matrix-UPS: no load current, no bypass toggle.
    expect(expected).not.toContain("load_current");
    expect(json.line_voltage_vac).toBeTypeOf("number");
    expect(json.power_state).toBe("on_line");
    expect(h.last(`${h.base}/ups/on_line_mode`)).toBe("true");
  });

  it("publishes a power failure from the alert, not the poll, then low battery and restore", async () => {
    // Polls every 60 s: within this test only the alert path can move the state.
    h = await startHarness({ env: { UPSLINK_POLL_INTERVAL_MS: "60000" } });
    await waitReady(h);
    const since = h.messages.length;
    h.simulator().control("power fail");
    const event = await h.waitFor(`${h.base}/ups/event`, (p) => JSON.parse(p).event_type === "line_fail", {
      since,
    });
    expect(JSON.parse(event.payload)).toMatchObject({ event_type: "line_fail", alert: "!", test: false });
    await h.waitFor(`${h.base}/ups/on_battery_mode`, (p) => p === "true", { since });
    await h.waitFor(`${h.base}/ups/power_state`, (p) => p === "on_battery", { since });
    await h.waitFor(`${h.base}/ups/on_line_mode`, (p) => p === "false", { since });

    const low = h.messages.length;
    h.simulator().control("battery 2");
    await h.waitFor(`${h.base}/ups/event`, (p) => JSON.parse(p).event_type === "low_battery", { since: low });
    await h.waitFor(`${h.base}/ups/low_battery_condition`, (p) => p === "true", { since: low });
    await h.waitFor(`${h.base}/ups/shutdown_recommended`, (p) => p === "true", { since: low });

    const back = h.messages.length;
    h.simulator().control("power restore");
    await h.waitFor(`${h.base}/ups/event`, (p) => JSON.parse(p).event_type === "return_from_line_fail", {
      since: back,
    });
    await h.waitFor(`${h.base}/ups/power_state`, (p) => p === "on_line", { since: back });
    await h.waitFor(`${h.base}/ups/on_battery_mode`, (p) => p === "false", { since: back });
    // Values are never wrong in between: once on line is published, on battery is not published again.
    const after = h.messages
      .slice(back)
      .filter((m) => m.topic === `${h?.base}/ups/power_state`)
      .map((m) => m.payload);
    expect(after.at(-1)).toBe("on_line");
  });
});
