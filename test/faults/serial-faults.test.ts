// Issue 7, serial faults against the simulator (in-process, real broker): bursts of garbage, replies
// out of step, `SM` to `Q`, alerts inside replies, a silent UPS and an alert storm. The bridge must
// never publish a wrong value: the simulator sits idle on line during each fault, so its true values
// are the settled baseline read before the fault (checked against the simulator's own state), and
// every value published during and after the fault must equal it. Afterwards the link must work
// again by itself: a real power failure still reaches MQTT.
import { afterEach, describe, expect, it } from "vitest";
import type { Value } from "../../src/protocol/types.js";
import { firstReadDone } from "../helpers/harness.js";
import { waitUntil } from "../helpers/wait.js";
import { rereadBytes as rereadsOf } from "../helpers/wire.js";
import {
  type FaultHarness,
  nextPolls,
  settled,
  settledBaseline,
  sleep,
  startFaultHarness,
  wrongValues,
} from "./fault-harness.js";

/** Poll cycles a fault that every cycle meets is left on for. */
const FAULTY_CYCLES = 4;
const Y = 0x59;
let h: FaultHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

/** The baseline agrees with what the simulator really is. */
function expectBaselineMatchesSimulator(fh: FaultHarness, baseline: { [key: string]: Value }): void {
  const s = fh.sim.state;
  expect(s.onBattery).toBe(false);
  expect(baseline.power_state).toBe("on_line");
  expect(baseline.ups_status_register).toBe("08");
  expect(baseline.line_voltage_vac).toBeCloseTo(s.lineVoltage, 1);
  expect(baseline.battery_capacity_percent).toBeCloseTo(s.charge, 1);
  expect(baseline.load_power_percent).toBeCloseTo(s.load, 1);
}

/** The link works after the fault: a power failure on the simulator reaches MQTT as on battery. */
async function expectLinkWorks(fh: FaultHarness): Promise<void> {
  await fh.waitFor(fh.topic("availability"), () => fh.session.state === "online", { timeoutMs: 30_000 });
  const since = fh.messages.length;
  fh.sim.control("power fail");
  await fh.waitFor(fh.topic("power_state"), (p) => p === "on_battery", { since, timeoutMs: 30_000 });
  fh.sim.control("power restore");
  await fh.waitFor(fh.topic("power_state"), (p) => p === "on_line", { since, timeoutMs: 30_000 });
}

async function startIdle(): Promise<{ fh: FaultHarness; baseline: { [key: string]: Value } }> {
  const fh = await startFaultHarness();
  h = fh;
  const baseline = await settledBaseline(fh);
  expectBaselineMatchesSimulator(fh, baseline);
  return { fh, baseline };
}

describe("serial faults: no wrong value, recovery by itself", () => {
  it("bursts of garbage", async () => {
    const { fh, baseline } = await startIdle();
    const since = fh.messages.length;
    // Bursts land between requests and inside replies alike: spread over uneven intervals.
    for (let burst = 0; burst < 16; burst++) {
      expect(fh.sim.control("fault garbage")).toMatch(/^ok/);
      await sleep(170 + burst * 13);
    }
    await settled(fh);
    expect(wrongValues(fh, baseline, since)).toEqual([]);
    await expectLinkWorks(fh);
  }, 90_000);

  it("replies out of step (each reply later than the bridge waits)", async () => {
    const { fh, baseline } = await startIdle();
    const since = fh.messages.length;
    // The query timeout is 800 ms: every reply arrives while the bridge waits for the next one. The
    // fault lasts until the link has given up and handshaken again (Y) four times in it.
    const from = fh.sim.received.length;
    expect(fh.sim.control("fault slow 1000")).toMatch(/^ok/);
    await waitUntil(
      "four handshakes under the fault",
      () => fh.sim.received.slice(from).filter((r) => r.byte === Y).length >= 4,
      { timeoutMs: 30_000 },
    );
    expect(fh.sim.control("fault slow 0")).toMatch(/^ok/);
    await settled(fh);
    expect(wrongValues(fh, baseline, since)).toEqual([]);
    await expectLinkWorks(fh);
  }, 90_000);

  it("SM in answer to Q", async () => {
    const { fh, baseline } = await startIdle();
    const since = fh.messages.length;
    expect(fh.sim.control("fault sm-to-q on")).toMatch(/^ok/);
    // Every poll cycle meets the fault: a few of them.
    await nextPolls(fh, FAULTY_CYCLES);
    expect(fh.sim.control("fault sm-to-q off")).toMatch(/^ok/);
    await settled(fh);
    expect(wrongValues(fh, baseline, since)).toEqual([]);
    await expectLinkWorks(fh);
  }, 90_000);

  it("an alert byte inside every reply", async () => {
    const { fh, baseline } = await startIdle();
    const since = fh.messages.length;
    // `|` (a setting changed) is the alert a real unit sends about 5 s after an edit, whatever the
    // host is asking at that moment.
    expect(fh.sim.control("fault alert-mid-reply on |")).toMatch(/^ok/);
    await nextPolls(fh, FAULTY_CYCLES);
    expect(fh.sim.control("fault alert-mid-reply off")).toMatch(/^ok/);
    await settled(fh);
    expect(wrongValues(fh, baseline, since)).toEqual([]);
    // Only the injected alerts came out as events: nothing was made up from the replies around them.
    const events = fh.messages
      .slice(since)
      .filter((m) => m.topic === fh.topic("event"))
      .map((m) => (JSON.parse(m.payload) as { event_type: string }).event_type);
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((e) => e !== "eeprom_variable_change")).toEqual([]);
    await expectLinkWorks(fh);
  }, 90_000);

  it("a silent UPS: offline, values kept, back by itself with current values", async () => {
    const { fh, baseline } = await startIdle();
    const since = fh.messages.length;
    expect(fh.sim.control("silent on")).toMatch(/^ok/);
    await fh.waitFor(fh.topic("availability"), (p) => p === "offline", { since, timeoutMs: 30_000 });
    // Silence is not a reason to publish anything else.
    expect(wrongValues(fh, baseline, since)).toEqual([]);
    fh.sim.control("load 50");
    const back = fh.messages.length;
    expect(fh.sim.control("silent off")).toMatch(/^ok/);
    await fh.waitFor(fh.topic("availability"), (p) => p === "online", { since: back, timeoutMs: 30_000 });
    await fh.waitFor(fh.topic("load_power_percent"), (p) => p === "50", { since: back, timeoutMs: 30_000 });
    await expectLinkWorks(fh);
  }, 90_000);

  it("a storm of abnormal-condition alerts re-reads each register a bounded number of times", async () => {
    // Regression: every alert used to start its own re-read of `Q G ' 8`, and each of those replies
    // could carry another alert, so a burst multiplied requests without bound. Polls are slowed to
    // once a minute so that only re-reads reach the unit here.
    // The UPS is on before the bridge connects: its power-on alert causes no reads here.
    const fh = await startFaultHarness({
      env: { UPSLINK_POLL_INTERVAL_MS: "60000" },
      upsOnBeforeConnect: true,
    });
    h = fh;
    await fh.waitFor(fh.topic("availability"), (p) => p === "online");
    await firstReadDone(fh.bridge, fh.sim);
    const caps = fh.bridge.runtimes.get("ups")?.model.caps;
    if (caps === null || caps === undefined) throw new Error("no capabilities for the UPS");
    const from = fh.sim.received.length;
    const since = fh.messages.length;
    // Where the wire stood when the bridge took in each alert (its event is emitted right then).
    let lastAlertAt = -1;
    const model = fh.bridge.runtimes.get("ups")?.model;
    if (model === undefined) throw new Error("no model for the UPS");
    const onEvent = (): void => {
      lastAlertAt = fh.sim.received.length;
    };
    model.on("event", onEvent);
    for (let i = 0; i < 40; i++) {
      fh.sim.control("register 8 20"); // charger failure: `?`
      fh.sim.control("register 8 00"); // cleared: `=`
    }
    await fh.waitFor(
      fh.topic("event"),
      () => fh.messages.slice(since).filter((m) => m.topic === fh.topic("event")).length >= 80,
      { since },
    );
    model.off("event", onEvent);
    // The last alert's re-reads are the last requests the storm causes: once each register it names
    // has been asked after the bridge took that alert in, nothing more is coming (polls are a minute away).
    const rereadBytes = [...new Set([...rereadsOf("?", caps.supported), ...rereadsOf("=", caps.supported)])];
    expect(rereadBytes).toContain(0x38); // `8`, among others
    await waitUntil("the re-reads after the last alert", () =>
      rereadBytes.every((b) => fh.sim.received.slice(lastAlertAt).some((r) => r.byte === b)),
    );
    await fh.barrier();
    const sent = fh.sim.received.slice(from).map((r) => String.fromCharCode(r.byte));
    const count = (char: string): number => sent.filter((c) => c === char).length;
    // Each register is read again at most a couple of times, not once per alert.
    expect(count("8")).toBeGreaterThanOrEqual(1);
    expect(count("8")).toBeLessThanOrEqual(3);
    expect(count("Q")).toBeLessThanOrEqual(3);
    expect(fh.snapshot().fault_battery_charger_failure).toBe(false);
  }, 90_000);

  it("an alert storm: every event once and in order, and the state ends right", async () => {
    const { fh } = await startIdle();
    const since = fh.messages.length;
    const cycles = 30;
    for (let i = 0; i < cycles; i++) {
      fh.sim.control("power fail");
      fh.sim.control("power restore");
      if (i % 10 === 9) await sleep(50);
    }
    const wanted = Array.from({ length: cycles }, () => ["line_fail", "return_from_line_fail"]).flat();
    const events = (): string[] =>
      fh.messages
        .slice(since)
        .filter((m) => m.topic === fh.topic("event"))
        .map((m) => (JSON.parse(m.payload) as { event_type: string }).event_type)
        .filter((e) => e === "line_fail" || e === "return_from_line_fail");
    await waitUntil("the storm's events", () => events().length >= wanted.length, { timeoutMs: 20_000 });
    // The unit is on line: once the re-reads are through and the polls read it again, everything says so.
    await settled(fh);
    expect(events()).toEqual(wanted);
    expect(fh.sim.state.onBattery).toBe(false);
    expect(fh.snapshot().power_state).toBe("on_line");
    expect(fh.snapshot().on_battery_mode).toBe(false);
    const lastPower = fh.messages.filter((m) => m.topic === fh.topic("power_state")).at(-1);
    expect(lastPower?.payload).toBe("on_line");
    await expectLinkWorks(fh);
  }, 90_000);
});
