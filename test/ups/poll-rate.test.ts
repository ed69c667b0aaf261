// The fast tier runs every poll_interval_ms counted from the start of each cycle, not from its end:
// with replies 100 ms late a cycle takes about 1.5 s, and `Q` is still asked exactly every 2 s.
// Fake timers drive the real session and the simulator, so the times are exact.
import { afterEach, describe, expect, it, vi } from "vitest";
import { LinkSession } from "../../src/link/session.js";
import { SimTransport } from "../../src/link/sim.js";
import { silentLogger } from "../../src/log.js";
import { SmartUpsSimulator } from "../../src/simulator/index.js";
import { CatalogueLink } from "../../src/ups/catalogue-link.js";
import { UpsModel } from "../../src/ups/model.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("poll rate", () => {
  it("asks the fast tier every period, whatever a cycle costs on the wire", async () => {
    vi.useFakeTimers();
    const logger = silentLogger();
    const simulator = new SmartUpsSimulator({ profile: "smartups-3g-120" });
    const session = new LinkSession({ transport: new SimTransport({ simulator }), logger });
    const model = new UpsModel(new CatalogueLink(session), {
      id: "ups",
      pollIntervalMs: 2000,
      minmaxIntervalMs: 3_600_000,
      slowIntervalS: 3600,
      thresholds: { chargeBelowPercent: null, runtimeBelowMinutes: null, honourLowBatteryFlag: true },
      logger,
    });
    try {
      await vi.advanceTimersByTimeAsync(200); // the unit's power-on `?`
      await model.start();
      await vi.advanceTimersByTimeAsync(10_000); // discovery and the first full read
      expect(simulator.control("fault slow 100")).toMatch(/^ok/);
      const from = simulator.received.length;
      await vi.advanceTimersByTimeAsync(20_000);
      const polls = simulator.received
        .slice(from)
        .filter((r) => r.byte === 0x51)
        .map((r) => r.at);
      expect(polls.length).toBeGreaterThanOrEqual(8);
      // Each cycle asks `Q` once; a cycle here is 15 queries × 100 ms, well under the period.
      const gaps = polls.slice(2).map((at, i) => at - (polls[i + 1] ?? at));
      for (const gap of gaps) expect(gap).toBe(2000);
    } finally {
      await model.stop();
      simulator.stop();
    }
  });
});
