import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TOKEN_PATTERN } from "../../src/mqtt/envelope.js";
import { isUpsLinkError } from "../../src/protocol/errors.js";
import {
  ConfirmationManager,
  MAX_PENDING_CONFIRMATIONS,
  type PendingConfirmation,
  pendingToJson,
} from "../../src/ups/confirmation.js";

function manager(timeoutS = 30, now?: () => number) {
  const expired: PendingConfirmation[] = [];
  const changes: number[] = [];
  const m = new ConfirmationManager({
    ups: "ups1",
    timeoutS,
    events: { expired: (e) => expired.push(e), changed: (list) => changes.push(list.length) },
    ...(now === undefined ? {} : { now }),
  });
  return { m, expired, changes };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isUpsLinkError(error)) return error.code;
    throw error;
  }
  return "no error";
}

describe("two-step confirmation", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("issues random 128-bit tokens bound to the UPS, action and params", () => {
    const { m } = manager();
    const a = m.request("turn_off_after_delay", {}, "t1");
    const b = m.request("shutdown_delayed_wake", { tenths: 12 }, undefined);
    expect(a.token).toMatch(TOKEN_PATTERN);
    expect(b.token).toMatch(TOKEN_PATTERN);
    expect(a.token).not.toBe(b.token);
    expect(b.ups).toBe("ups1");
    expect(b.params).toEqual({ tenths: 12 });
    expect(b.expiresAt.getTime() - b.requestedAt.getTime()).toBe(30_000);
  });

  it("hands an entry back exactly once by token; a reused token is invalid_token", () => {
    const { m, changes } = manager();
    const entry = m.request("turn_off_immediate", {}, 7);
    expect(m.confirm({ token: entry.token })).toEqual(entry);
    expect(codeOf(() => m.confirm({ token: entry.token }))).toBe("invalid_token");
    expect(m.list()).toEqual([]);
    expect(changes).toEqual([1, 0]);
  });

  it("rejects an unknown token", () => {
    const { m } = manager();
    m.request("turn_off_immediate", {}, undefined);
    expect(codeOf(() => m.confirm({ token: "0".repeat(32) }))).toBe("invalid_token");
    expect(m.list()).toHaveLength(1);
  });

  it("confirms by action only when exactly one of that action is pending", () => {
    const { m } = manager();
    expect(codeOf(() => m.confirm({ action: "reset_eeprom" }))).toBe("invalid_token");
    const first = m.request("reset_eeprom", {}, undefined);
    expect(m.confirm({ action: "reset_eeprom" }).token).toBe(first.token);
    m.request("reset_eeprom", {}, undefined);
    m.request("reset_eeprom", {}, undefined);
    expect(codeOf(() => m.confirm({ action: "reset_eeprom" }))).toBe("invalid_token");
    expect(m.list()).toHaveLength(2);
  });

  it("expires entries after the timeout and reports them once", () => {
    const { m, expired } = manager(5);
    const entry = m.request("simulate_power_failure", {}, undefined);
    vi.advanceTimersByTime(4_999);
    expect(expired).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(expired.map((e) => e.token)).toEqual([entry.token]);
    expect(codeOf(() => m.confirm({ token: entry.token }))).toBe("invalid_token");
    vi.advanceTimersByTime(60_000);
    expect(expired).toHaveLength(1);
  });

  it("refuses a confirm processed after the deadline even when the expiry timer has not run (issue 17)", () => {
    // The event loop was late: the monotonic clock is past the deadline, the timer has not fired.
    let clock = 1_000;
    const { m, expired, changes } = manager(5, () => clock);
    const late = m.request("turn_off_immediate", {}, undefined);
    const onTime = m.request("turn_off_after_delay", {}, undefined);
    clock += 5_000 + 198;
    expect(codeOf(() => m.confirm({ token: late.token }))).toBe("expired");
    // Expired once, as the timer would have done, and gone from the list.
    expect(expired.map((e) => e.token)).toEqual([late.token]);
    expect(m.list().map((e) => e.token)).toEqual([onTime.token]);
    expect(codeOf(() => m.confirm({ token: late.token }))).toBe("invalid_token");
    // Its timer never reports it a second time.
    vi.advanceTimersByTime(10_000);
    expect(expired.filter((e) => e.token === late.token)).toHaveLength(1);
    expect(changes.at(-1)).toBe(0);
  });

  it("accepts a confirm just before the deadline by the monotonic clock, whatever the wall clock says", () => {
    let clock = 0;
    const { m } = manager(5, () => clock);
    const entry = m.request("turn_off_immediate", {}, undefined);
    // The wall clock jumps forward an hour (NTP step): expiry does not follow it.
    vi.setSystemTime(Date.now() + 3_600_000);
    clock += 4_999;
    expect(m.confirm({ token: entry.token }).token).toBe(entry.token);
  });

  it("keeps at most MAX_PENDING_CONFIRMATIONS pending and refuses more with too_many_pending (issue 17)", () => {
    let clock = 0;
    const { m, changes } = manager(30, () => clock);
    const first = m.request("turn_off_immediate", {}, undefined);
    for (let i = 1; i < MAX_PENDING_CONFIRMATIONS; i++) m.request("reset_eeprom", {}, undefined);
    expect(m.list()).toHaveLength(MAX_PENDING_CONFIRMATIONS);
    const refused = changes.length;
    expect(codeOf(() => m.request("reset_eeprom", {}, undefined))).toBe("too_many_pending");
    expect(m.list()).toHaveLength(MAX_PENDING_CONFIRMATIONS);
    // A refusal changes nothing, so nothing is published for it.
    expect(changes).toHaveLength(refused);
    // A confirm frees a place.
    m.confirm({ token: first.token });
    expect(m.request("turn_off_immediate", {}, undefined).action).toBe("turn_off_immediate");
    // Entries past their deadline (timer late) do not hold places.
    clock += 30_000;
    expect(m.request("reset_eeprom", {}, undefined).action).toBe("reset_eeprom");
    expect(m.list()).toHaveLength(1);
  });

  it("a confirmed entry never expires afterwards", () => {
    const { m, expired } = manager(5);
    const entry = m.request("run_time_calibration", {}, undefined);
    m.confirm({ token: entry.token });
    vi.advanceTimersByTime(10_000);
    expect(expired).toHaveLength(0);
  });

  it("cancels by token, by action, or all", () => {
    const { m } = manager();
    const a = m.request("turn_off_after_delay", {}, undefined);
    m.request("turn_ups_on", {}, undefined);
    m.request("turn_ups_on", {}, undefined);
    expect(m.cancel({ token: a.token }).map((e) => e.token)).toEqual([a.token]);
    expect(codeOf(() => m.cancel({ token: a.token }))).toBe("invalid_token");
    expect(m.cancel({ action: "turn_ups_on" })).toHaveLength(2);
    expect(codeOf(() => m.cancel({ action: "turn_ups_on" }))).toBe("invalid_token");
    m.request("reset_eeprom", {}, undefined);
    expect(m.cancel(null)).toHaveLength(1);
    expect(m.cancel(null)).toHaveLength(0);
  });

  it("publishes entries as JSON with ISO times", () => {
    const { m } = manager();
    const entry = m.request("shutdown_delayed_wake", { tenths: 5 }, undefined);
    const json = pendingToJson(entry);
    expect(json).toMatchObject({
      token: entry.token,
      action: "shutdown_delayed_wake",
      params: { tenths: 5 },
    });
    expect(typeof json.expires_at === "string" && !Number.isNaN(Date.parse(json.expires_at))).toBe(true);
  });

  it("dispose clears every timer", () => {
    const { m, expired } = manager(1);
    m.request("turn_off_after_delay", {}, undefined);
    m.dispose();
    vi.advanceTimersByTime(5_000);
    expect(expired).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
