// Issue 12, item 9: a UPS that fell silent went `offline` only 13 to 23 s later with the default
// 2 s poll, because every one of the `lost_after_failures` failed queries was first retried
// `query_retries` times, each try waiting the whole query timeout. Once a query has gone unanswered
// through its tries, the next queries get one try each until the UPS answers again, so the link is
// lost after `query_retries + lost_after_failures` unanswered sends: at most
// `poll_interval_ms + (query_retries + lost_after_failures) × query_timeout_ms` (9.5 s by default).
// Timings are not asserted (machines are noisy): the number of queries sent to the silent unit
// before `offline` is, and it fixes the time through the formula.
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_LINK_OPTIONS, offlineAfterSilenceMs } from "../../src/link/options.js";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { topics } from "../helpers/requests.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const Y = 0x59;
const ESC = 0x1b;

describe("a UPS that falls silent", () => {
  it("goes offline after query_retries + lost_after_failures unanswered queries, within the documented bound", async () => {
    const pollIntervalMs = 2000;
    h = await startHarness({
      env: { UPSLINK_POLL_INTERVAL_MS: String(pollIntervalMs) },
      // The defaults, not the harness's short test timings: this is what a user gets.
      link: {
        queryTimeoutMs: DEFAULT_LINK_OPTIONS.queryTimeoutMs,
        handshakeTimeoutMs: DEFAULT_LINK_OPTIONS.handshakeTimeoutMs,
      },
    });
    await waitReady(h);
    const harness = h;
    const sim = harness.simulator();
    const since = harness.messages.length;
    const silentAt = Date.now();
    expect(sim.control("silent on")).toBe("ok: silent on");
    await harness.waitFor(topics(harness).key("availability"), (p) => p === "offline", {
      since,
      timeoutMs: 60_000,
    });
    const seconds = (Date.now() - silentAt) / 1000;
    // Queries that reached the silent unit (the reconnect's `Y`/ESC tries after the loss aside).
    const queries = sim.received.filter((r) => r.at >= silentAt && r.byte !== Y && r.byte !== ESC).length;
    const expected = DEFAULT_LINK_OPTIONS.queryRetries + DEFAULT_LINK_OPTIONS.lostAfterFailures;
    process.stdout.write(
      `silent → offline: ${seconds.toFixed(2)} s, ${queries} queries sent to the silent unit (bound ${
        offlineAfterSilenceMs(pollIntervalMs, DEFAULT_LINK_OPTIONS) / 1000
      } s)\n`,
    );
    // One fewer when the query in flight at the moment of silence had reached the unit before it.
    expect(queries).toBeGreaterThanOrEqual(expected - 1);
    expect(queries).toBeLessThanOrEqual(expected);
    // The documented bound with the defaults, checked as arithmetic (not as a timing).
    expect(offlineAfterSilenceMs(pollIntervalMs, DEFAULT_LINK_OPTIONS)).toBeLessThan(10_000);
  }, 90_000);
});
