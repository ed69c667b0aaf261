// Issue 17, item 3: a unit that puts an alert byte inside every reply (`fault alert-mid-reply on
// !`) fed a loop: each alert queued re-reads, each re-read's reply carried another alert, every `Q`
// reply was dropped as predating an alert, so power_state stayed on battery while thousands of
// events and bytes went out. Over a fixed period the bridge must write about what plain polling
// writes, publish a bounded number of events, and come back to the UPS's true state. Periods are
// counted in complete poll cycles on the wire, not in time, so a loaded machine only makes them
// longer.
import { afterEach, describe, expect, it } from "vitest";
import { EVENT_LIMIT, REPEAT_LIMIT } from "../../src/ups/event-limiter.js";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { topics } from "../helpers/requests.js";
import { waitUntil } from "../helpers/wait.js";
import { mark } from "../helpers/wire.js";
import { nextPollCycles } from "./fault-harness.js";

/** The period measured, once without and once with the fault, in fast poll cycles (1 s each). */
const PERIOD_CYCLES = 4;

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

async function start(): Promise<Harness> {
  h = await startHarness({ env: { UPSLINK_POLL_INTERVAL_MS: "1000" } });
  await waitReady(h);
  // Replies come from timers, a few ms late, as from a real port (the in-process simulator would
  // otherwise answer inside the write, and a re-read loop would never let a timer run).
  expect(h.simulator().control("fault slow 5")).toMatch(/^ok/);
  return h;
}

/** Bytes the UPS received during PERIOD_CYCLES of plain polling. */
async function baselineBytes(harness: Harness): Promise<number> {
  const from = mark(harness.simulator());
  await nextPollCycles(harness.simulator(), PERIOD_CYCLES);
  return harness.simulator().received.length - from;
}

/** Event types and how often each was published, for failure messages. */
function tally(events: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e, (counts.get(e) ?? 0) + 1);
  return JSON.stringify(Object.fromEntries(counts));
}

function eventsSince(harness: Harness, since: number): string[] {
  const topic = topics(harness).event;
  return harness.messages
    .slice(since)
    .filter((m) => m.topic === topic)
    .map((m) => (JSON.parse(m.payload) as { event_type: string }).event_type);
}

describe("alert storms", () => {
  it("`!` in every reply: one line_fail, polling-sized traffic, and power_state back on line for good", async () => {
    const harness = await start();
    const sim = harness.simulator();
    const baseline = await baselineBytes(harness);
    const since = harness.messages.length;
    const from = mark(sim);
    expect(sim.control("fault alert-mid-reply on !")).toMatch(/^ok/);
    await nextPollCycles(sim, PERIOD_CYCLES / 2);
    await harness.barrier();
    const midway = harness.messages.length;
    await nextPollCycles(sim, PERIOD_CYCLES / 2);
    const written = sim.received.length - from;
    await harness.barrier();
    const events = eventsSince(harness, since);

    // The first `!` is published (the unit did send it); Q contradicts it, so later ones are not.
    expect(events.filter((e) => e === "line_fail").length, tally(events)).toBe(1);
    expect(events.length, tally(events)).toBeLessThanOrEqual(2);
    // About what polling writes: a re-read of Q at most once a second on top.
    expect(written, `baseline ${baseline} bytes`).toBeLessThanOrEqual(2 * baseline + 20);
    // The UPS is on line, and so is power_state: it does not flip back to on_battery.
    expect(sim.state.onBattery).toBe(false);
    expect(harness.last(topics(harness).key("power_state"))).toBe("on_line");
    expect(
      harness.messages
        .slice(midway)
        .filter((m) => m.topic === topics(harness).key("power_state") && m.payload !== "on_line"),
    ).toEqual([]);
  });

  it("`|` in every reply: events of that kind are rate-limited and the settings are not re-read without pause", async () => {
    const harness = await start();
    const sim = harness.simulator();
    const baseline = await baselineBytes(harness);
    const since = harness.messages.length;
    const from = mark(sim);
    expect(sim.control("fault alert-mid-reply on |")).toMatch(/^ok/);
    await nextPollCycles(sim, PERIOD_CYCLES);
    const written = sim.received.length - from;
    await harness.barrier();
    const events = eventsSince(harness, since);
    expect(events.filter((e) => e === "eeprom_variable_change").length).toBeGreaterThanOrEqual(1);
    // Every `|` is a change, not a repeat (it has no opposite or bit to tell one by): REPEAT_LIMIT a minute.
    expect(events.length, tally(events)).toBeLessThanOrEqual(REPEAT_LIMIT);
    // One re-read of the settings (about 30 bytes with its read-backs) on top of polling.
    expect(written, `baseline ${baseline} bytes`).toBeLessThanOrEqual(2 * baseline + 60);
  });

  it("a line that flaps faster than anyone can act on: each transition an event, up to EVENT_LIMIT of a kind a minute", async () => {
    h = await startHarness();
    await waitReady(h);
    const harness = h;
    const sim = harness.simulator();
    const since = harness.messages.length;
    const cycles = EVENT_LIMIT + 10;
    for (let i = 0; i < cycles; i++) {
      sim.control("power fail");
      sim.control("power restore");
    }
    const count = (kind: string): number => eventsSince(harness, since).filter((e) => e === kind).length;
    await waitUntil(
      "EVENT_LIMIT events of each kind",
      () => count("line_fail") >= EVENT_LIMIT && count("return_from_line_fail") >= EVENT_LIMIT,
      { context: () => tally(eventsSince(harness, since)) },
    );
    // Every alert of the storm went out before the next poll cycle's replies: after one complete
    // cycle (and the barrier), whatever the bridge would publish for them has been published.
    await nextPollCycles(sim, 1);
    await harness.barrier();
    const events = eventsSince(harness, since);
    // Alternating `!` and `$` are real transitions: none is a repeat, the total bound applies.
    expect(events.filter((e) => e === "line_fail").length, tally(events)).toBe(EVENT_LIMIT);
    expect(events.filter((e) => e === "return_from_line_fail").length, tally(events)).toBe(EVENT_LIMIT);
    // The events come in order, and the state is the UPS's.
    const line = events.filter((e) => e === "line_fail" || e === "return_from_line_fail");
    expect(line.every((e, i) => e === (i % 2 === 0 ? "line_fail" : "return_from_line_fail"))).toBe(true);
    expect(sim.state.onBattery).toBe(false);
    expect(harness.last(topics(harness).key("power_state"))).toBe("on_line");
  });
});
