// Issue 4: several UPSes in one process (each its own topics and device; identical models never
// merge), and a commanded transfer reported as a test, not a power failure.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe("several UPSes in one process", () => {
  it("gives two identical models their own topics and their own Home Assistant device", async () => {
    h = await startHarness({
      upses: {
        left: { profile: "smartups-3g-120", serial: "AS0931234567" },
        right: { profile: "smartups-3g-120", serial: "AS0931299999" },
      },
    });
    await waitReady(h, "left");
    await waitReady(h, "right");
    const left = await h.waitFor("homeassistant/device/upslink2mqtt_as0931234567/config", (p) =>
      p.includes(`${h?.base}/left/`),
    );
    const right = await h.waitFor("homeassistant/device/upslink2mqtt_as0931299999/config", (p) =>
      p.includes(`${h?.base}/right/`),
    );
    const lp = JSON.parse(left.payload) as {
      components: Record<string, { unique_id: string; state_topic?: string }>;
    };
    const rp = JSON.parse(right.payload) as {
      components: Record<string, { unique_id: string; state_topic?: string }>;
    };
    expect(lp.components.line_voltage_vac?.state_topic).toBe(`${h.base}/left/line_voltage_vac`);
    expect(rp.components.line_voltage_vac?.state_topic).toBe(`${h.base}/right/line_voltage_vac`);
    expect(lp.components.line_voltage_vac?.unique_id).not.toBe(rp.components.line_voltage_vac?.unique_id);

    // One UPS failing does not move the other.
    const since = h.messages.length;
    h.simulator("right").control("power fail");
    await h.waitFor(`${h.base}/right/power_state`, (p) => p === "on_battery", { since });
    h.simulator("right").control("power restore");
    await h.waitFor(`${h.base}/right/power_state`, (p) => p === "on_line", { since });
    expect(h.messages.slice(since).filter((m) => m.topic === `${h?.base}/left/power_state`)).toEqual([]);
    const info = JSON.parse(h.last(`${h.base}/bridge/info`) ?? "{}") as { upses: { id: string }[] };
    expect(info.upses.map((u) => u.id).sort()).toEqual(["left", "right"]);
  });
});

describe("a transfer the bridge commanded", () => {
  it("reports the simulated power failure's line_fail as a test and does not recommend a shutdown", async () => {
    h = await startHarness({
      env: {
        UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE: "true",
        UPSLINK_SHUTDOWN_POLICY_RUNTIME_BELOW_MINUTES: "600",
      },
    });
    await waitReady(h);
    const pending = await h.request(
      `${h.base}/ups/command/simulate_power_failure`,
      "PRESS",
      "simulate_power_failure",
    );
    const token = (pending.data as { token: string }).token;
    const since = h.messages.length;
    const done = await h.request(
      `${h.base}/ups/command/confirm`,
      JSON.stringify({ token }),
      "simulate_power_failure",
    );
    expect(done.status).toBe("ok");
    const event = await h.waitFor(`${h.base}/ups/event`, (p) => JSON.parse(p).event_type === "line_fail", {
      since,
    });
    expect(JSON.parse(event.payload)).toMatchObject({ event_type: "line_fail", test: true });
    await h.waitFor(`${h.base}/ups/transfer_cause_state`, (p) => p === "command_test", { since });
    // A 600-minute runtime threshold recommends a shutdown on any real outage; not on a test.
    expect(
      h.messages
        .slice(since)
        .filter((m) => m.topic === `${h?.base}/ups/shutdown_recommended`)
        .map((m) => m.payload),
    ).not.toContain("true");
  });

  it("recommends a shutdown on a real outage under the same threshold (the test above can fail)", async () => {
    h = await startHarness({ env: { UPSLINK_SHUTDOWN_POLICY_RUNTIME_BELOW_MINUTES: "600" } });
    await waitReady(h);
    const since = h.messages.length;
    h.simulator().control("power fail");
    const event = await h.waitFor(`${h.base}/ups/event`, (p) => JSON.parse(p).event_type === "line_fail", {
      since,
    });
    expect(JSON.parse(event.payload)).toMatchObject({ test: false });
    await h.waitFor(`${h.base}/ups/shutdown_recommended`, (p) => p === "true", { since });
  });
});
