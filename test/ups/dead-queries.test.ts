// Issue 12 (7): a query listed in `a` that answers `NA` every time (`~`, `V`, `y` on one unit) was
// polled every fast cycle forever. After DEAD_QUERY_NA_COUNT `NA` in a row it is read with the slow
// tier, said once at `info`; a value brings it back to its own tier.
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LinkSession } from "../../src/link/session.js";
import { SimTransport } from "../../src/link/sim.js";
import { createLogger } from "../../src/log.js";
import { readableRow } from "../../src/protocol/catalogue/index.js";
import { SmartUpsSimulator } from "../../src/simulator/index.js";
import { CatalogueLink } from "../../src/ups/catalogue-link.js";
import { UpsModel } from "../../src/ups/model.js";
import { DEAD_QUERY_NA_COUNT, DeadQueries, rowsOfTier } from "../../src/ups/poll-schedule.js";

afterEach(() => {
  vi.useRealTimers();
});

const trip = readableRow("state_register"); // `~`, fast
const status = readableRow("ups_status_register"); // `Q`, fast
const minimum = readableRow("min_line_voltage"); // `N`, minmax
const copyright = readableRow("copyright"); // `y`, identity

describe("DeadQueries", () => {
  it("moves a fast query to the slow tier after the documented number of NA, and back on a value", () => {
    const dead = new DeadQueries();
    expect(DEAD_QUERY_NA_COUNT).toBe(3);
    for (let i = 1; i <= DEAD_QUERY_NA_COUNT; i++) {
      dead.noteValue(status); // the UPS answers other queries between the polls
      expect(dead.tierOf(trip)).toBe("fast");
      expect(dead.noteNotAvailable(trip, true)).toBe(i === DEAD_QUERY_NA_COUNT);
    }
    expect(dead.tierOf(trip)).toBe("slow");
    const all = () => true;
    const tierOf = (row: Parameters<DeadQueries["tierOf"]>[0]) => dead.tierOf(row);
    expect(rowsOfTier("fast", all, tierOf).map((r) => r.id)).not.toContain(trip.id);
    expect(rowsOfTier("slow", all, tierOf).map((r) => r.id)).toContain(trip.id);
    expect(rowsOfTier("fast", all).map((r) => r.id)).toContain(trip.id);
    // Further NA in the slow tier change nothing and are not reported again.
    dead.noteValue(status);
    expect(dead.noteNotAvailable(trip, true)).toBe(false);
    expect(dead.noteValue(trip)).toBe(true);
    expect(dead.tierOf(trip)).toBe("fast");
    expect(dead.noteValue(trip)).toBe(false);
  });

  it("moves a minmax query too, but never a slow or identity one", () => {
    const dead = new DeadQueries();
    for (let i = 0; i < DEAD_QUERY_NA_COUNT + 2; i++) {
      dead.noteValue(status);
      dead.noteNotAvailable(minimum, true);
      dead.noteNotAvailable(copyright, true);
    }
    expect(dead.tierOf(minimum)).toBe("slow");
    expect(dead.tierOf(copyright)).toBe("identity");
  });

  it("does not count NA while the UPS gives no value at all, nor while it is asleep or off", () => {
    const dead = new DeadQueries();
    // A unit refusing everything: no value between the NA.
    for (let i = 0; i < 10; i++) expect(dead.noteNotAvailable(trip, true)).toBe(false);
    expect(dead.tierOf(trip)).toBe("fast");
    // Asleep: values from other queries, but refusals are expected.
    for (let i = 0; i < 10; i++) {
      dead.noteValue(status);
      expect(dead.noteNotAvailable(trip, false)).toBe(false);
    }
    expect(dead.tierOf(trip)).toBe("fast");
  });

  it("never moves a query that gave a value on this connection (its NA is 'not now')", () => {
    const dead = new DeadQueries();
    dead.noteValue(trip);
    for (let i = 0; i < 10; i++) {
      dead.noteValue(status);
      expect(dead.noteNotAvailable(trip, true)).toBe(false);
    }
    expect(dead.tierOf(trip)).toBe("fast");
    // A new connection forgets it: the new unit may not answer it.
    dead.reset();
    for (let i = 0; i < DEAD_QUERY_NA_COUNT; i++) {
      dead.noteValue(status);
      dead.noteNotAvailable(trip, true);
    }
    expect(dead.tierOf(trip)).toBe("slow");
  });
});

describe("a dead query on the wire", () => {
  it("stops costing a byte every fast cycle, is logged once at info, and comes back when it answers", async () => {
    vi.useFakeTimers();
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on("data", (chunk: Buffer) => lines.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
    const logger = createLogger({ level: "info", format: "json", destination: stream });
    const simulator = new SmartUpsSimulator({ profile: "smartups-3g-120" });
    expect(simulator.control("fault na-to ~")).toBe("ok: na-to ~");
    const session = new LinkSession({ transport: new SimTransport({ simulator }), logger });
    const model = new UpsModel(new CatalogueLink(session), {
      id: "ups",
      pollIntervalMs: 2000,
      minmaxIntervalMs: 3_600_000,
      slowIntervalS: 120,
      thresholds: { chargeBelowPercent: null, runtimeBelowMinutes: null, honourLowBatteryFlag: true },
      logger,
    });
    const TILDE = 0x7e;
    const STATUS = 0x51;
    const count = (byte: number, from: number, to = simulator.received.length) =>
      simulator.received.slice(from, to).filter((r) => r.byte === byte).length;
    try {
      await vi.advanceTimersByTimeAsync(200); // the unit's power-on `?`
      await model.start();
      await vi.advanceTimersByTimeAsync(20_000); // discovery, the first full read, three fast cycles
      expect(model.caps?.source).toBe("a");
      expect(model.caps?.supported.has(trip.id)).toBe(true);
      // The first full read and the fast cycles until the third NA asked it; no more after that.
      const from = simulator.received.length;
      await vi.advanceTimersByTimeAsync(40_000);
      expect(count(STATUS, from)).toBeGreaterThanOrEqual(19); // the fast tier still runs every 2 s
      expect(count(TILDE, from)).toBe(0);
      const demoted = lines.filter((line) => line.includes("answered NA") && line.includes("state_register"));
      expect(demoted).toHaveLength(1);
      expect(JSON.parse(demoted[0] ?? "{}")).toMatchObject({
        level: 30,
        query: "state_register",
        opcode: "~",
      });

      // The slow tier still asks it; once it answers, it is back in every fast cycle.
      expect(simulator.control("fault na-to off")).toBe("ok: na-to off");
      await vi.advanceTimersByTimeAsync(90_000); // past the slow read at 120 s
      const back = simulator.received.length;
      await vi.advanceTimersByTimeAsync(20_000);
      expect(count(TILDE, back)).toBeGreaterThanOrEqual(9);
      expect(
        lines.filter((line) => line.includes("answered again") && line.includes("state_register")),
      ).toHaveLength(1);
    } finally {
      await model.stop();
      simulator.stop();
    }
  });
});
