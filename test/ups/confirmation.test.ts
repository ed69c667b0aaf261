import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TOKEN_PATTERN } from "../../src/mqtt/envelope.js";
import { isUpsLinkError } from "../../src/protocol/errors.js";
import { ConfirmationManager, type PendingConfirmation, pendingToJson } from "../../src/ups/confirmation.js";

function manager(timeoutS = 30) {
  const expired: PendingConfirmation[] = [];
  const changes: number[] = [];
  const m = new ConfirmationManager({
    ups: "ups1",
    timeoutS,
    events: { expired: (e) => expired.push(e), changed: (list) => changes.push(list.length) },
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
