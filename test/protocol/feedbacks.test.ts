import { describe, expect, it } from "vitest";
import { FEEDBACKS, rowById } from "../../src/protocol/catalogue/index.js";
import { deriveFeedbacks, derivePowerState } from "../../src/protocol/feedbacks.js";
import type { Value } from "../../src/protocol/types.js";

/** Decoded query values as the row decoders produce them from these replies. */
function decoded(replies: Readonly<Record<string, string>>): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [id, reply] of Object.entries(replies)) {
    const result = rowById(id).decode?.(reply);
    if (result?.ok !== true) throw new Error(`${id}: '${reply}' did not decode`);
    out[id] = result.value;
  }
  return out;
}

describe("deriveFeedbacks", () => {
  it("derives all 16 feedbacks from a poll of an on-line unit", () => {
    const values = decoded({
      ups_status_register: "08",
      state_register: "C0",
      trip_register: "00",
      trip1_register: "00",
      dip_switch_position: "00",
      battery_test_result: "OK",
      transfer_cause: "O",
      acceptable_line_quality: "FF",
      battery_capacity: "100.0",
      run_time_remaining: "0042:",
      line_voltage: "230.4",
      output_voltage: "230.4",
      battery_voltage: "27.67",
      ups_internal_temperature: "036.0",
      load_power: "018.2",
    });
    expect(deriveFeedbacks(values)).toEqual({
      power_state: "on_line",
      battery_test_state: "ok",
      transfer_cause_state: "none",
      line_quality_state: "acceptable",
      battery_capacity_percent: 100,
      run_time_remaining_minutes: 42,
      line_voltage_vac: 230.4,
      output_voltage_vac: 230.4,
      battery_voltage_vdc: 27.67,
      internal_temperature_c: 36,
      load_power_percent: 18.2,
      status_register_q: "08",
      trip_register_8: "00",
      trip1_register: "00",
      state_register: "C0",
      dip_switch_register: "00",
    });
  });

  it("gives null for every feedback whose source is unknown", () => {
    const derived = deriveFeedbacks({});
    expect(Object.keys(derived).sort()).toEqual(FEEDBACKS.map((f) => f.id).sort());
    for (const value of Object.values(derived)) expect(value).toBeNull();
  });

  it("keeps an undeterminable run time unknown, not 0", () => {
    expect(deriveFeedbacks(decoded({ run_time_remaining: ">>>>:" })).run_time_remaining_minutes).toBeNull();
  });

  it("ignores values of the wrong shape", () => {
    const derived = deriveFeedbacks({
      battery_test_result: "maybe",
      battery_capacity: "100",
      ups_status_register: "zz",
    });
    expect(derived.battery_test_state).toBeNull();
    expect(derived.battery_capacity_percent).toBeNull();
    expect(derived.status_register_q).toBeNull();
    expect(derived.power_state).toBeNull();
  });
});

describe("power_state", () => {
  const cases: readonly [
    string,
    string | undefined,
    string | undefined,
    string | undefined,
    string | null,
  ][] = [
    ["on line", "08", undefined, undefined, "on_line"],
    ["on line with SmartBoost", "0C", "00", "00", "on_line"],
    ["on battery, low battery", "50", "00", "00", "on_battery"],
    ["output off (Q 00)", "00", undefined, undefined, "off"],
    ["bypass by manual control", "08", "20", "00", "bypass"],
    ["bypass by command", "08", "08", "00", "bypass"],
    ["bypass by internal fault", "00", "02", "00", "bypass"],
    ["sleeping after @ddd", "00", "00", "08", "sleep"],
    ["shut down by S", "00", "00", "10", "off"],
    ["ready bits alone are not bypass", "08", "C0", "00", "on_line"],
    ["Q unknown", undefined, undefined, undefined, null],
    ["Q says neither line nor battery", "80", undefined, undefined, null],
  ];
  for (const [name, q, state, trip, expected] of cases) {
    it(name, () => {
      expect(derivePowerState(q, state, trip)).toBe(expected);
    });
  }
});
