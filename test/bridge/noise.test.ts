// Alert characters amid line noise are confirmed before anything is published (issue 7, "never a
// wrong value"); a real alert amid noise is still published once the status register agrees.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe("alerts amid line noise", () => {
  it("still publishes a real power failure that arrives right after a garbage burst", async () => {
    // Polls every 60 s: only the alert path (with its confirming re-read) can move the state here.
    h = await startHarness({ env: { UPSLINK_POLL_INTERVAL_MS: "60000" } });
    await waitReady(h);
    const since = h.messages.length;
    expect(h.simulator().control("fault garbage")).toMatch(/^ok/);
    h.simulator().control("power fail");
    const event = await h.waitFor(`${h.base}/ups/event`, (p) => JSON.parse(p).event_type === "line_fail", {
      since,
    });
    expect(JSON.parse(event.payload)).toMatchObject({ event_type: "line_fail", alert: "!" });
    await h.waitFor(`${h.base}/ups/power_state`, (p) => p === "on_battery", { since });
    // Exactly one line_fail: the burst's own characters never produced a second one.
    const fails = h.messages
      .slice(since)
      .filter((m) => m.topic === `${h?.base}/ups/event` && JSON.parse(m.payload).event_type === "line_fail");
    expect(fails).toHaveLength(1);
  });
});
