// The simulator runs on the clock it is given: every timer and every reading of the time goes
// through it. Each call into the simulator here runs with the global time sources (setTimeout,
// setInterval, clearTimeout, clearInterval, Date.now, performance.now) made to throw, so a timer or
// timestamp that bypassed the injected clock fails the test. No real time passes in this file.
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ProfileName, SmartUpsSimulator } from "../../src/simulator/index.js";
import {
  CHAR_MS,
  LINE_FAIL_REPEAT_MS,
  SELF_TEST_MS,
  TWO_PRESS_GAP_MS,
} from "../../src/simulator/simulator.js";
import { ManualClock } from "../helpers/manual-clock.js";

/** Names of global time sources the simulator reached for. */
const used: string[] = [];

function refuse(name: string): () => never {
  return () => {
    used.push(name);
    throw new Error(`the simulator called ${name} instead of its clock`);
  };
}

/** Runs `fn` with every global time source refusing to work. */
function guarded<T>(fn: () => T): T {
  const spies = [
    vi.spyOn(globalThis, "setTimeout").mockImplementation(refuse("setTimeout")),
    vi.spyOn(globalThis, "setInterval").mockImplementation(refuse("setInterval")),
    vi.spyOn(globalThis, "clearTimeout").mockImplementation(refuse("clearTimeout")),
    vi.spyOn(globalThis, "clearInterval").mockImplementation(refuse("clearInterval")),
    vi.spyOn(Date, "now").mockImplementation(refuse("Date.now")),
    vi.spyOn(performance, "now").mockImplementation(refuse("performance.now")),
  ];
  try {
    return fn();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

interface FakeTimeUnit {
  readonly sim: SmartUpsSimulator;
  readonly clock: ManualClock;
  ask(text: string): string;
  control(line: string): string;
  advance(ms: number): void;
  /** What the unit sent since the last take. */
  take(): string;
}

const units: SmartUpsSimulator[] = [];

function unit(profile: ProfileName = "smartups-3g-120", pacing = false): FakeTimeUnit {
  const clock = new ManualClock();
  const sim = guarded(() => new SmartUpsSimulator({ profile, pacing, clock }));
  units.push(sim);
  let out: number[] = [];
  sim.on("data", (bytes) => out.push(...bytes));
  const take = (): string => {
    const text = Buffer.from(out).toString("latin1");
    out = [];
    return text;
  };
  const u: FakeTimeUnit = {
    sim,
    clock,
    ask: (text) => {
      guarded(() => sim.write(Buffer.from(text, "latin1")));
      return take();
    },
    control: (line) => guarded(() => sim.control(line)),
    advance: (ms) => guarded(() => clock.advance(ms)),
    take,
  };
  u.advance(100);
  expect(u.take()).toBe("?");
  guarded(() => sim.write(Buffer.from("Y", "latin1")));
  // Paced, SM takes a few milliseconds of clock time.
  if (pacing) u.advance(100);
  expect(u.take()).toBe("SM\r\n");
  return u;
}

afterEach(() => {
  for (const sim of units.splice(0)) guarded(() => sim.stop());
  expect(used.splice(0)).toEqual([]);
});

describe("the simulator on an injected clock", () => {
  it("K twice, more than 1.5 s apart on the clock, turns the output off after the shutdown delay", () => {
    const u = unit();
    expect(u.ask("K")).toBe("");
    u.advance(TWO_PRESS_GAP_MS);
    // Exactly 1.5 s is not more than 1.5 s: the window starts again.
    expect(u.ask("K")).toBe("");
    u.advance(TWO_PRESS_GAP_MS + 1);
    expect(u.ask("K")).toBe("OK\r\n");
    u.advance(20_000 - 1);
    expect(u.ask("Q")).toBe("08\r\n");
    u.advance(1);
    expect(u.ask("Q")).toBe("00\r\n");
    expect(u.sim.state.offReason).toBe("K");
    // The host's bytes carry the clock's time.
    expect(u.sim.received.at(-1)?.at).toBe(u.clock.now());
  });

  it("a self-test ends after its duration and its result expires 5 minutes later", () => {
    const u = unit();
    expect(u.ask("W")).toBe("OK\r\n!");
    u.advance(SELF_TEST_MS - 1);
    expect(u.ask("Q")).toBe("10\r\n");
    u.advance(1);
    expect(u.take()).toBe("$");
    expect(u.ask("Q")).toBe("08\r\n");
    expect(u.ask("X")).toBe("OK\r\n");
    expect(u.sim.state.lastTestAt).toBe(u.clock.now());
    u.advance(5 * 60_000);
    expect(u.ask("X")).toBe("OK\r\n");
    u.advance(1);
    expect(u.ask("X")).toBe("NO\r\n");
  });

  it("the battery discharges on the clock: ! every 30 s, then %, then the unit dies", () => {
    const u = unit();
    u.control("power fail");
    expect(u.take()).toBe("!");
    u.advance(LINE_FAIL_REPEAT_MS * 4);
    expect(u.take()).toBe("!!!!");
    const charge = u.sim.state.charge;
    expect(charge).toBeLessThan(100);
    expect(charge).toBeGreaterThan(95);
    // 23 % load: about 71 minutes on a full battery; two hours empties it.
    u.advance(2 * 3600_000);
    expect(u.take()).toMatch(/^!+%\?$/);
    expect(u.sim.state.charge).toBe(0);
    expect(u.sim.state.alive).toBe(false);
    u.control("power restore");
    u.advance(100);
    expect(u.take()).toBe("?");
  });

  it("paced replies leave one character every 4.17 ms of clock time", () => {
    const u = unit("smartups-3g-120", true);
    expect(u.ask("n")).toBe("");
    // A 14-byte reply: the 80 ms exchange less its transmission time, but at least 30 ms.
    u.advance(29);
    expect(u.take()).toBe("");
    u.advance(1);
    expect(u.take()).toBe("A");
    // Half a character on, nothing; then one character per CHAR_MS (half-character margins keep
    // floating-point sums off the boundaries).
    u.advance(CHAR_MS / 2);
    expect(u.take()).toBe("");
    u.advance(12 * CHAR_MS);
    expect(u.take()).toBe("S0931234567\r");
    u.advance(CHAR_MS);
    expect(u.take()).toBe("\n");
  });

  it("@ddd sleeps and wakes, | follows an edit, & repeats and slow replies wait, all on the clock", () => {
    const u = unit("smartups-3g-measure");
    expect(u.ask("u-")).toBe("127\r\nOK\r\n");
    u.advance(4999);
    expect(u.take()).toBe("");
    u.advance(1);
    expect(u.take()).toBe("|");
    u.control("ambient 40");
    expect(u.take()).toBe("&");
    u.advance(2 * 60_000);
    expect(u.take()).toBe("&");
    u.control("ambient 25");
    u.control("fault slow 250");
    expect(u.ask("Q")).toBe("");
    u.advance(250);
    expect(u.take()).toBe("08\r\n");
    u.control("fault slow 0");
    expect(u.ask("@001")).toBe("OK\r\n");
    u.advance(20_000);
    expect(u.ask("Q")).toBe("00\r\n");
    expect(u.sim.state.wakeAt).toBe(u.clock.now() + 360_000);
    u.advance(360_000 - 1);
    expect(u.ask("Q")).toBe("00\r\n");
    u.advance(1);
    expect(u.ask("Q")).toBe("08\r\n");
  });

  it("garbage bursts repeat on the clock, and stop leaves no timer behind", () => {
    const u = unit();
    u.control("fault garbage on");
    expect(u.take().length).toBeGreaterThanOrEqual(8);
    u.advance(5000);
    expect(u.take().length).toBeGreaterThanOrEqual(8);
    u.ask("W");
    expect(u.clock.pending).toBeGreaterThan(0);
    guarded(() => u.sim.stop());
    expect(u.clock.pending).toBe(0);
    u.advance(60_000);
    expect(u.take()).toBe("");
  });
});
