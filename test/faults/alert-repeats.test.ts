// Issue 12, item 5: a real unit repeats `!` every 30 s of an outage; each repeat used to go out as a
// new `line_fail` event. One event per transition: the repeats refresh the state (the bridge still
// re-reads what they concern) but are no new event; the return and the next outage are.
import { afterEach, describe, expect, it } from "vitest";
import { LINE_FAIL_REPEAT_MS } from "../../src/simulator/timing.js";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { topics } from "../helpers/requests.js";
import { SkipClock } from "../helpers/skip-clock.js";
import { waitUntil } from "../helpers/wait.js";
import { nextPollCycles } from "./fault-harness.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const LINE_FAIL = 0x21;

function lineEvents(harness: Harness, since: number): string[] {
  const topic = topics(harness).event;
  return harness.messages
    .slice(since)
    .filter((m) => m.topic === topic)
    .map((m) => (JSON.parse(m.payload) as { event_type: string }).event_type)
    .filter((e) => e === "line_fail" || e === "return_from_line_fail");
}

describe("repeated alerts", () => {
  it("`!` repeated during one outage is one line_fail; the return and a new outage are events", async () => {
    const clock = new SkipClock();
    h = await startHarness({ simulatorClock: clock });
    const harness = h;
    await waitReady(harness);
    const sim = harness.simulator();
    let sent = 0;
    sim.on("data", (bytes) => {
      sent += bytes.filter((b) => b === LINE_FAIL).length;
    });
    const since = harness.messages.length;
    const power = topics(harness).key("power_state");

    expect(sim.control("power fail")).toMatch(/^ok/);
    await waitUntil("the first line_fail", () => lineEvents(harness, since).length === 1);
    await harness.waitFor(power, (p) => p === "on_battery", { since });
    // Two repeats, each after the bridge has read the status register again (so neither is
    // absorbed as "before its re-read"): each takes the full path of an alert.
    for (let repeat = 1; repeat <= 2; repeat++) {
      await nextPollCycles(sim, 1);
      clock.skip(LINE_FAIL_REPEAT_MS);
      await waitUntil(`repeat ${repeat} of !`, () => sent === 1 + repeat);
    }
    await nextPollCycles(sim, 1);
    await harness.barrier();
    expect(sim.state.onBattery).toBe(true);
    expect(lineEvents(harness, since)).toEqual(["line_fail"]);
    expect(harness.last(power)).toBe("on_battery");

    expect(sim.control("power restore")).toMatch(/^ok/);
    await harness.waitFor(power, (p) => p === "on_line", { since });
    await nextPollCycles(sim, 1);
    expect(sim.control("power fail")).toMatch(/^ok/);
    await waitUntil("the second outage's line_fail", () => lineEvents(harness, since).length >= 3);
    await nextPollCycles(sim, 1);
    await harness.barrier();
    expect(lineEvents(harness, since)).toEqual(["line_fail", "return_from_line_fail", "line_fail"]);
    expect(harness.last(power)).toBe("on_battery");
  });
});
