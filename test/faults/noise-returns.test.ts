// Issue 17, item 4: random bursts containing `+` or `$` made `return_from_low_battery` and
// `return_from_line_fail` events with no `%` or `!` before them, and a `j` reply that lost its `:`
// (`00871`) was published as 871 minutes. A return needs the state it returns from; a reply that
// does not have its query's format is discarded. Bytes come in through the transport seam, as
// from a real port; the simulated UPS stays idle on line, so any other value is a wrong one.
import { afterEach, describe, expect, it } from "vitest";
import type { Value } from "../../src/protocol/types.js";
import { waitUntil } from "../helpers/wait.js";
import {
  type FaultHarness,
  nextPolls,
  settled,
  settledBaseline,
  sleep,
  startFaultHarness,
  wrongValues,
} from "./fault-harness.js";

let h: FaultHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const RETURNS = ["return_from_line_fail", "return_from_low_battery"];

function events(fh: FaultHarness, since: number): string[] {
  return fh.messages
    .slice(since)
    .filter((m) => m.topic === fh.topic("event"))
    .map((m) => (JSON.parse(m.payload) as { event_type: string }).event_type);
}

async function startIdle(env: Record<string, string> = {}): Promise<{
  fh: FaultHarness;
  baseline: { [key: string]: Value };
}> {
  const fh = await startFaultHarness({ env });
  h = fh;
  const baseline = await settledBaseline(fh);
  expect(baseline.power_state).toBe("on_line");
  expect(baseline.low_battery_condition).toBe(false);
  return { fh, baseline };
}

const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe("line noise and garbled replies", () => {
  it("`$` and `+` in line noise while on line with a good battery make no return event and no wrong value", async () => {
    // The unit is idle on line: only the alert path could publish a return event here.
    const { fh, baseline } = await startIdle();
    const since = fh.messages.length;
    const bursts = [
      "$", // a bare alert character: nothing marks it as noise
      "+",
      "$+$+",
      "\x01$\x02+\x7f", // with bytes no UPS sends: flagged as noise, confirmed against Q
      "\xfe+\x13$",
    ];
    // Bursts spread over time, landing between requests and inside replies alike.
    for (const burst of bursts) {
      fh.transport.inject(latin1(burst));
      await sleep(300);
    }
    // Two complete poll cycles later every alert has been judged against a `Q` read after it, and
    // everything published meanwhile has reached the observer.
    await settled(fh);
    const seen = events(fh, since);
    expect(
      seen.filter((e) => RETURNS.includes(e)),
      JSON.stringify(seen),
    ).toEqual([]);
    expect(wrongValues(fh, baseline, since)).toEqual([]);
    expect(fh.snapshot().power_state).toBe("on_line");
  });

  it("real returns still come after their failure: `!` then `$`, `%` then `+`", async () => {
    const { fh } = await startIdle();
    let since = fh.messages.length;
    fh.sim.control("power fail");
    await fh.waitFor(fh.topic("event"), (p) => JSON.parse(p).event_type === "line_fail", { since });
    fh.sim.control("power restore");
    await fh.waitFor(fh.topic("event"), (p) => JSON.parse(p).event_type === "return_from_line_fail", {
      since,
    });
    since = fh.messages.length;
    fh.sim.control("battery 1");
    await fh.waitFor(fh.topic("event"), (p) => JSON.parse(p).event_type === "low_battery", { since });
    fh.sim.control("battery 100");
    await fh.waitFor(fh.topic("event"), (p) => JSON.parse(p).event_type === "return_from_low_battery", {
      since,
    });
    expect(fh.snapshot().low_battery_condition).toBe(false);
  });

  it("a `j` reply without its `:` is discarded, not published as a runtime", async () => {
    const { fh, baseline } = await startIdle();
    expect(typeof baseline.run_time_remaining).toBe("number");
    const since = fh.messages.length;
    let garbled = 0;
    // The line turns the colon of every `dddd:` reply into a `1`: `0087:` becomes `00871`.
    fh.transport.corrupt = (bytes) => {
      const text = String.fromCharCode(...bytes);
      if (!/^\d{4}:\r\n$/.test(text)) return bytes;
      garbled++;
      return latin1(text.replace(":", "1"));
    };
    // Several `j` answers garbled, then one more complete poll cycle so the last has been read.
    await waitUntil("four garbled j replies", () => garbled >= 4, { timeoutMs: 30_000 });
    await nextPolls(fh);
    fh.transport.corrupt = null;
    await fh.barrier();
    expect(garbled).toBeGreaterThan(3);
    expect(wrongValues(fh, baseline, since)).toEqual([]);
    expect(fh.snapshot().run_time_remaining).toBe(baseline.run_time_remaining);
  });
});
