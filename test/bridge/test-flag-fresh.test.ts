// Issue 12 item 2: an alert counts as a test only when fresh data says so: a `G` read after the
// alert, or a commanded test of ours running right now. The stored `G` is the previous transfer's
// cause, and a commanded test ends when the UPS is back on line, not after a fixed window.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

/** A 600-minute runtime threshold recommends a shutdown on any real outage. */
const POLICY = { UPSLINK_SHUTDOWN_POLICY_RUNTIME_BELOW_MINUTES: "600" };

async function lineFail(hh: Harness, since: number): Promise<Record<string, unknown>> {
  const event = await hh.waitFor(`${hh.base}/ups/event`, (p) => JSON.parse(p).event_type === "line_fail", {
    since,
  });
  return JSON.parse(event.payload) as Record<string, unknown>;
}

describe("the test flag of a transfer comes from fresh data", () => {
  it("a real outage after a completed self-test (G = S) is no test, and a shutdown is recommended at once", async () => {
    h = await startHarness({ env: POLICY });
    await waitReady(h);
    let since = h.messages.length;
    h.simulator().control("selftest");
    expect(await lineFail(h, since)).toMatchObject({ test: true });
    await h.waitFor(`${h.base}/ups/transfer_cause_state`, (p) => p === "command_test", { since });
    await h.waitFor(`${h.base}/ups/power_state`, (p) => p === "on_line", { since, timeoutMs: 20_000 });
    await h.barrier();
    expect(h.last(`${h.base}/ups/transfer_cause_state`)).toBe("command_test");
    expect(h.last(`${h.base}/ups/shutdown_recommended`)).toBe("false");

    since = h.messages.length;
    h.simulator().control("power fail");
    expect(await lineFail(h, since)).toMatchObject({ test: false });
    // Recommended while the stored cause was still the self-test's: not held back by it.
    const recommended = await h.waitFor(`${h.base}/ups/shutdown_recommended`, (p) => p === "true", { since });
    const causes = h.messages
      .slice(since, h.messages.indexOf(recommended))
      .filter((m) => m.topic === `${h?.base}/ups/transfer_cause_state`);
    expect(causes).toEqual([]);
    await h.waitFor(`${h.base}/ups/transfer_cause_state`, (p) => p === "low_line", { since });
  });

  it("a real outage within 30 s of a commanded self-test that is over is no test", async () => {
    h = await startHarness({ env: POLICY });
    await waitReady(h);
    let since = h.messages.length;
    const done = await h.request(`${h.base}/ups/command/battery_test`, "PRESS", "battery_test");
    expect(done.status).toBe("ok");
    await h.waitFor(`${h.base}/ups/power_state`, (p) => p === "on_battery", { since });
    await h.waitFor(`${h.base}/ups/power_state`, (p) => p === "on_line", { since, timeoutMs: 20_000 });
    since = h.messages.length;
    h.simulator().control("power fail");
    expect(await lineFail(h, since)).toMatchObject({ test: false });
    await h.waitFor(`${h.base}/ups/shutdown_recommended`, (p) => p === "true", { since });
  });

  it("a self-test the unit started itself is a test, though the cause stored before it was not S", async () => {
    h = await startHarness({ env: POLICY });
    await waitReady(h);
    await h.barrier();
    expect(h.last(`${h.base}/ups/transfer_cause_state`)).not.toBe("command_test");
    const since = h.messages.length;
    h.simulator().control("selftest");
    expect(await lineFail(h, since)).toMatchObject({ test: true });
    // Until `G` is read the `!` looks like an outage (nothing of ours runs); once read, no shutdown.
    const cause = await h.waitFor(`${h.base}/ups/transfer_cause_state`, (p) => p === "command_test", {
      since,
    });
    await h.waitFor(`${h.base}/ups/shutdown_recommended`, (p) => p === "false", {
      since: h.messages.indexOf(cause),
    });
  });
});
