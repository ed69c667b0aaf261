// The alert gates the UPS model composes, each on its own clock: the per-kind event limits, the
// trust kept in alert kinds their register contradicted, and refusal availability. The model's
// behaviour with a real unit is in test/faults (alert-storm, noise-returns, refusals).
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import { EVENTS, type EventId } from "../../src/protocol/catalogue/index.js";
import { AlertTrust, DISTRUST_QUIET_MS } from "../../src/ups/alert-trust.js";
import {
  EVENT_LIMIT,
  EVENT_WINDOW_MS,
  EventLimiter,
  REPEAT_LIMIT,
  repeatRule,
} from "../../src/ups/event-limiter.js";
import type { AlertEvent } from "../../src/ups/link.js";
import { REFUSAL_CYCLES_OFFLINE, RefusalTracker } from "../../src/ups/refusals.js";

/** `Q` with on-battery (bit 4) or on-line (bit 3) set. */
const ON_BATTERY = 0x10;
const ON_LINE = 0x08;

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function alert(event: EventId, suspect = false): AlertEvent {
  return { event, byte: 0x21, at: new Date(0), suspect } as AlertEvent;
}

function admitted(limiter: EventLimiter, events: readonly EventId[]): number {
  return events.filter((e) => limiter.admit(e)).length;
}

/** `Q` bytes: on line; on battery; on line with replace battery (bit 7). */
const Q_ON_LINE = ON_LINE;
const Q_ON_BATTERY = ON_BATTERY;
const Q_REPLACE = ON_LINE | 0x80;

describe("EventLimiter", () => {
  it("repeatRule follows the event rows: pairs, conditions (`#`) and changes (`|`, `&`, `*`, unknown)", () => {
    const rules = Object.fromEntries(EVENTS.map((e) => [e.char ?? e.id, repeatRule(e)]));
    expect(rules).toEqual({
      "!": "pair",
      $: "pair",
      "%": "pair",
      "+": "pair",
      "?": "pair",
      "=": "pair",
      "#": "condition",
      "|": "change",
      "&": "change",
      "*": "change",
      // A byte a unit declares that no row knows: every one is a change, within the limit.
      unknown_alert: "change",
    });
  });

  it("publishes one event per transition of a pair: a repeat before the opposite is none", () => {
    const limiter = new EventLimiter(silentLogger(), clock().now);
    expect(limiter.admit("line_fail", 1)).toBe(true);
    expect(admitted(limiter, Array(10).fill("line_fail"))).toBe(0);
    expect(limiter.admit("return_from_line_fail", 2)).toBe(true);
    expect(limiter.admit("return_from_line_fail", 3)).toBe(false);
    expect(limiter.admit("line_fail", 4)).toBe(true);
    // Pairs are independent of each other.
    expect(limiter.admit("abnormal_condition", 5)).toBe(true);
    expect(limiter.admit("abnormal_condition", 6)).toBe(false);
    expect(limiter.admit("line_fail", 7)).toBe(false);
  });

  it("a read of the register showing the condition gone (the opposite was lost) makes the next alert a transition", () => {
    const limiter = new EventLimiter(silentLogger(), clock().now);
    expect(limiter.admit("line_fail", 3)).toBe(true);
    // A read started before the alert cannot say: it may predate it.
    limiter.observe("Q", Q_ON_LINE, 2);
    expect(limiter.admit("line_fail", 4)).toBe(false);
    // A read after it that still shows the outage keeps it standing.
    limiter.observe("Q", Q_ON_BATTERY, 3);
    expect(limiter.admit("line_fail", 5)).toBe(false);
    // Another register says nothing about `!`.
    limiter.observe("8", 0, 5);
    expect(limiter.admit("line_fail", 5)).toBe(false);
    limiter.observe("Q", Q_ON_LINE, 5);
    expect(limiter.admit("line_fail", 6)).toBe(true);
  });

  it("publishes `#` once per condition: again only after a read shows the replace-battery bit cleared", () => {
    const c = clock();
    const limiter = new EventLimiter(silentLogger(), c.now);
    expect(limiter.admit("replace_battery", 1)).toBe(true);
    c.advance(5 * 3_600_000);
    limiter.observe("Q", Q_REPLACE, 1);
    expect(limiter.admit("replace_battery", 2)).toBe(false);
    limiter.observe("Q", Q_ON_LINE, 2);
    expect(limiter.admit("replace_battery", 3)).toBe(true);
  });

  it("takes every `|` as a change, REPEAT_LIMIT a window, then again after it", () => {
    const c = clock();
    const limiter = new EventLimiter(silentLogger(), c.now);
    expect(admitted(limiter, Array(REPEAT_LIMIT + 3).fill("eeprom_variable_change"))).toBe(REPEAT_LIMIT);
    c.advance(EVENT_WINDOW_MS - 1);
    expect(limiter.admit("eeprom_variable_change")).toBe(false);
    c.advance(1);
    expect(limiter.admit("eeprom_variable_change")).toBe(true);
  });

  it("lets a flapping pair through up to EVENT_LIMIT per kind", () => {
    const limiter = new EventLimiter(silentLogger(), clock().now);
    const flaps: EventId[] = [];
    for (let i = 0; i < EVENT_LIMIT + 10; i++) flaps.push("line_fail", "return_from_line_fail");
    const fails = flaps.filter((e) => limiter.admit(e) && e === "line_fail").length;
    expect(fails).toBe(EVENT_LIMIT);
  });
});

describe("AlertTrust", () => {
  it("distrusts a kind its register contradicted, until the register confirms one", () => {
    const trust = new AlertTrust(silentLogger(), clock().now);
    trust.expectVerdict("line_fail", 1);
    expect(trust.awaitsVerdict("line_fail")).toBe(true);
    // A read started before the alert cannot judge it.
    expect(trust.judge("Q", ON_LINE, "08", 0)).toEqual([]);
    expect(trust.awaitsVerdict("line_fail")).toBe(true);
    expect(trust.judge("Q", ON_LINE, "08", 1)).toEqual([]);
    expect(trust.awaitsVerdict("line_fail")).toBe(false);
    expect(trust.isDistrusted("line_fail")).toBe(true);
    const held = alert("line_fail");
    trust.hold(held, 2);
    expect(trust.judge("Q", ON_LINE, "08", 2)).toEqual([]);
    trust.hold(held, 3);
    expect(trust.judge("Q", ON_BATTERY, "10", 3)).toEqual([held]);
    expect(trust.isDistrusted("line_fail")).toBe(false);
  });

  it("a register agreeing with the alert keeps the kind trusted", () => {
    const trust = new AlertTrust(silentLogger(), clock().now);
    trust.expectVerdict("line_fail", 1);
    trust.judge("Q", ON_BATTERY, "10", 1);
    expect(trust.isDistrusted("line_fail")).toBe(false);
  });

  it("trusts a kind again after DISTRUST_QUIET_MS without one of its alerts; each alert restarts that", () => {
    const c = clock();
    const trust = new AlertTrust(silentLogger(), c.now);
    trust.expectVerdict("line_fail", 1);
    trust.judge("Q", ON_LINE, "08", 1);
    c.advance(DISTRUST_QUIET_MS - 1);
    expect(trust.isDistrusted("line_fail")).toBe(true);
    c.advance(DISTRUST_QUIET_MS - 1);
    expect(trust.isDistrusted("line_fail")).toBe(true);
    c.advance(DISTRUST_QUIET_MS);
    expect(trust.isDistrusted("line_fail")).toBe(false);
  });

  it("keeps the earliest held alert of a kind and forgets everything on reset", () => {
    const trust = new AlertTrust(silentLogger(), clock().now);
    const first = alert("line_fail", true);
    trust.hold(first, 1);
    trust.hold(alert("line_fail", true), 2);
    expect(trust.judge("Q", ON_BATTERY, "10", 1)).toEqual([first]);
    trust.hold(alert("line_fail", true), 3);
    trust.expectVerdict("line_fail", 3);
    trust.reset();
    expect(trust.awaitsVerdict("line_fail")).toBe(false);
    expect(trust.judge("Q", ON_BATTERY, "10", 5)).toEqual([]);
  });
});

describe("RefusalTracker", () => {
  it("goes offline after REFUSAL_CYCLES_OFFLINE silent cycles and back on the next answer", () => {
    const tracker = new RefusalTracker();
    for (let i = 1; i < REFUSAL_CYCLES_OFFLINE; i++) expect(tracker.noteSilentCycle(false)).toBe(false);
    expect(tracker.noteSilentCycle(false)).toBe(true);
    expect(tracker.refusing).toBe(true);
    expect(tracker.noteSilentCycle(false)).toBe(false);
    expect(tracker.noteAnswer()).toBe(true);
    expect(tracker.refusing).toBe(false);
    expect(tracker.noteAnswer()).toBe(false);
  });

  it("does not count cycles while the unit is asleep or off, and an answer restarts the count", () => {
    const tracker = new RefusalTracker();
    for (let i = 1; i < REFUSAL_CYCLES_OFFLINE; i++) tracker.noteSilentCycle(false);
    tracker.noteSilentCycle(true);
    expect(tracker.refusalCycles).toBe(0);
    for (let i = 1; i < REFUSAL_CYCLES_OFFLINE; i++) tracker.noteSilentCycle(false);
    tracker.noteAnswer();
    expect(tracker.noteSilentCycle(false)).toBe(false);
    expect(tracker.answers).toBe(1);
  });
});
