// Shutdown orchestration on the real UPS model: the in-process simulator, the bridge and a broker
// (no NUT server: no client to wait for, so shutdown_return follows FSD at once). What it reads of
// the model decides: a confirmed low battery during an outage fires it; a low-battery alert the
// status register does not confirm, a commanded self-test, and battery alone never do.
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import { startShutdownOrchestration } from "../../src/shutdown/index.js";
import { type Harness, receivedText, startHarness, waitReady } from "../helpers/harness.js";

let h: Harness | null = null;
let stopOrchestration: (() => void) | null = null;
afterEach(async () => {
  stopOrchestration?.();
  stopOrchestration = null;
  await h?.stop();
  h = null;
});

const DESTRUCTIVE = /[S@KZ]/;
const hold = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function orchestrated(env: Record<string, string> = {}): Promise<Harness> {
  const harness = await startHarness({ env: { UPSLINK_SHUTDOWN_ORCHESTRATE: "true", ...env } });
  const { bridge, config } = harness;
  expect(config.shutdown).toEqual({ orchestrate: true, wait_s: 120 });
  expect(config.commands.allow_destructive).toBe(false);
  stopOrchestration = startShutdownOrchestration({
    config,
    runtimes: bridge.runtimes,
    nut: null,
    publish: (ups, event) => bridge.publishUpsEvent(ups, event),
    logger: silentLogger(),
  });
  await waitReady(harness);
  return harness;
}

function orchestrationEvents(hh: Harness): Record<string, unknown>[] {
  return hh.messages
    .filter((m) => m.topic === `${hh.base}/ups/event`)
    .map((m) => JSON.parse(m.payload) as Record<string, unknown>)
    .filter((e) => String(e.event_type).startsWith("shutdown_"));
}

describe("shutdown orchestration on the UPS model", () => {
  it("on a confirmed low battery during an outage: FSD, then shutdown_return (S) on the wire, without allow_destructive", async () => {
    h = await orchestrated();
    const sim = h.simulator();
    const from = sim.received.length;
    const since = h.messages.length;
    sim.control("power fail");
    await h.waitFor(`${h.base}/ups/transfer_cause_state`, (p) => p === "low_line", { since });
    await hold(1000);
    expect(orchestrationEvents(h)).toEqual([]);
    sim.control("battery 2");
    const raised = await h.waitFor(
      `${h.base}/ups/event`,
      (p) => JSON.parse(p).event_type === "shutdown_fsd_raised",
      { since },
    );
    expect(JSON.parse(raised.payload)).toMatchObject({
      clients: [],
      wait_s: 120,
      reason: { low_battery_condition: true },
    });
    const sent = await h.waitFor(
      `${h.base}/ups/event`,
      (p) => JSON.parse(p).event_type === "shutdown_return_sent",
      { since },
    );
    expect(JSON.parse(sent.payload)).toMatchObject({ method: "S", reply: "OK" });
    expect(receivedText(sim, from)).toMatch(/S/);
    expect(sim.state.pendingShutdown).toBe("S");
  });

  it("never on a low-battery alert the status register contradicts (an alert's word alone)", async () => {
    h = await orchestrated();
    const sim = h.simulator();
    const since = h.messages.length;
    sim.control("power fail");
    await h.waitFor(`${h.base}/ups/transfer_cause_state`, (p) => p === "low_line", { since });
    const from = sim.received.length;
    // `%` inside every reply, while `Q` says the battery is fine.
    sim.control("fault alert-mid-reply on %");
    await h.waitFor(`${h.base}/ups/event`, (p) => JSON.parse(p).event_type === "low_battery", { since });
    await hold(4000);
    sim.control("fault alert-mid-reply off");
    await hold(500);
    expect(receivedText(sim, from)).not.toMatch(DESTRUCTIVE);
    expect(orchestrationEvents(h)).toEqual([]);
  });

  it("never on a commanded or the unit's own self-test with the low-battery flag set, nor on battery alone", async () => {
    h = await orchestrated();
    const sim = h.simulator();
    const from = sim.received.length;
    let since = h.messages.length;
    sim.control("battery 2");
    await h.waitFor(`${h.base}/ups/low_battery_condition`, (p) => p === "true", { since });
    since = h.messages.length;
    const test = await h.request(`${h.base}/ups/command/battery_test`, "PRESS", "battery_test");
    expect(test.status).toBe("ok");
    await h.waitFor(`${h.base}/ups/power_state`, (p) => p === "on_battery", { since });
    await h.waitFor(`${h.base}/ups/power_state`, (p) => p === "on_line", { since, timeoutMs: 20_000 });
    // The unit's own self-test, announced with `!`: nothing of ours runs, only `G` = S tells it.
    since = h.messages.length;
    sim.control("selftest");
    await h.waitFor(`${h.base}/ups/power_state`, (p) => p === "on_battery", { since });
    await h.waitFor(`${h.base}/ups/power_state`, (p) => p === "on_line", { since, timeoutMs: 20_000 });
    sim.control("battery 100");
    since = h.messages.length;
    sim.control("power fail");
    await h.waitFor(`${h.base}/ups/transfer_cause_state`, (p) => p === "low_line", { since });
    await hold(2000);
    expect(receivedText(sim, from)).not.toMatch(DESTRUCTIVE);
    expect(orchestrationEvents(h)).toEqual([]);
  });
});
