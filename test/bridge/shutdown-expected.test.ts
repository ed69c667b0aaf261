// Regression: after a confirmed shutdown command the link expects silence ("shutdown_expected"); the
// UPS model must stay online — no `offline` flap while the UPS still answers, no re-discovery.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { waitUntil } from "../helpers/wait.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe("after a shutdown command", () => {
  it("keeps availability online and does not rediscover while the UPS still answers", async () => {
    h = await startHarness({ env: { UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE: "true" } });
    await waitReady(h);
    const pending = await h.request(
      `${h.base}/ups/command/turn_off_after_delay`,
      "PRESS",
      "turn_off_after_delay",
    );
    expect(pending.status).toBe("pending");
    const token = (pending.data as { token: string }).token;
    const since = h.messages.length;
    const done = await h.request(
      `${h.base}/ups/command/confirm`,
      JSON.stringify({ token }),
      "turn_off_after_delay",
    );
    expect(done.status).toBe("ok");
    // Polling carries on (the shutdown delay is running): three more `Q` requests reach the unit.
    const sim = h.simulator();
    const from = sim.received.length;
    await waitUntil(
      "three more Q requests (polling stopped after the shutdown command?)",
      () => sim.received.slice(from).filter((r) => r.byte === 0x51).length >= 3,
    );
    const after = h.messages.slice(since);
    expect(
      after.filter((m) => m.topic === `${h?.base}/ups/availability`).map((m) => m.payload),
    ).not.toContain("offline");
    // Capabilities are learnt again only after a real reconnect: no second `info` publication.
    expect(after.filter((m) => m.topic === `${h?.base}/ups/info`)).toEqual([]);
  });
});
