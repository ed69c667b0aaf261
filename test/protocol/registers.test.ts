import { describe, expect, it } from "vitest";
import {
  ALL_REGISTER_BITS,
  findRow,
  REGISTER_MAP,
  REGISTER_NAMES,
  REGISTERS,
} from "../../src/protocol/catalogue/index.js";
import { decodeRegister, registerBits } from "../../src/protocol/decoders.js";

describe("register maps", () => {
  it("has one map per hex query, read by the row that names it", () => {
    expect(REGISTERS.map((r) => r.name)).toEqual(["Q", "~", "'", "8", "7", "i", "J"]);
    for (const name of REGISTER_NAMES) {
      const map = REGISTER_MAP[name];
      expect(map.name).toBe(name);
      expect(findRow(map.query)?.register, name).toBe(name);
    }
  });

  it("gives every bit a unique snake_case id and each bit number once per register", () => {
    const ids = ALL_REGISTER_BITS.map((b) => b.id);
    expect(new Set(ids).size).toBe(ids.length);
    // The seed's `shutdown_via_S_command` keeps its capital S; everything else is lower snake_case.
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9_]*(S_[a-z_]+)?$/);
    for (const map of REGISTERS) {
      const bits = map.bits.map((b) => b.bit);
      expect(new Set(bits).size, map.name).toBe(bits.length);
      for (const bit of bits) expect(bit >= 0 && bit <= 7).toBe(true);
    }
    expect(REGISTER_MAP["7"].bits.map((b) => b.bit)).toEqual([3, 2, 1, 0]);
  });

  it("marks faults and alarms as problems, modes not", () => {
    const problem = (id: string) => ALL_REGISTER_BITS.find((b) => b.id === id)?.problem;
    expect(problem("replace_battery_condition")).toBe(true);
    expect(problem("fault_bad_output_voltage")).toBe(true);
    expect(problem("alarm_above_upper_temperature")).toBe(true);
    expect(problem("bypass_internal_fault")).toBe(true);
    expect(problem("on_line_mode")).toBe(false);
    expect(problem("smart_trim_mode")).toBe(false);
    expect(problem("contact_input_1_closed")).toBe(false);
    expect(problem("dip_switch_1_desensitized")).toBe(false);
    for (const b of ALL_REGISTER_BITS.filter((x) => x.id.startsWith("fault_") || x.id.startsWith("alarm_"))) {
      expect(b.problem, b.id).toBe(true);
    }
  });
});

describe("decodeRegister", () => {
  it("decodes Q 08 as on line only", () => {
    const result = decodeRegister("Q", "08");
    expect(result).toEqual({
      ok: true,
      value: {
        replace_battery_condition: false,
        low_battery_condition: false,
        overloaded_output: false,
        on_battery_mode: false,
        on_line_mode: true,
        smart_boost_mode: false,
        smart_trim_mode: false,
        run_time_calibration_running: false,
      },
    });
  });

  it("decodes Q 50 as on battery with low battery", () => {
    const bits = registerBits("Q", 0x50);
    expect(
      Object.entries(bits)
        .filter(([, on]) => on)
        .map(([id]) => id),
    ).toEqual(["low_battery_condition", "on_battery_mode"]);
  });

  it("decodes 8, ~, ', 7, i and J by their own bit numbers", () => {
    const on = (name: Parameters<typeof registerBits>[0], byte: number) =>
      Object.entries(registerBits(name, byte))
        .filter(([, v]) => v)
        .map(([id]) => id);
    expect(on("8", 0x18)).toEqual(["shutdown_via_S_command", "sleep_via_at_ddd_command"]);
    expect(on("~", 0x22)).toEqual(["bypass_manual", "bypass_internal_fault"]);
    expect(on("'", 0x81)).toEqual(["fault_bad_output_voltage", "fault_electronics_unit_fan"]);
    // Bits 7..4 of `7` are not switches: they are not reported.
    expect(on("7", 0xf8)).toEqual(["dip_switch_1_desensitized"]);
    expect(on("i", 0x11)).toEqual(["contact_input_1_closed", "contact_1_normally_closed"]);
    expect(on("J", 0x48)).toEqual(["alarm_below_lower_temperature", "alarm_contact_4_abnormal"]);
  });

  it("refuses what is not two hex digits", () => {
    expect(decodeRegister("Q", "SM").ok).toBe(false);
    expect(decodeRegister("Q", "NA").ok).toBe(false);
    expect(decodeRegister("8", "123").ok).toBe(false);
  });
});
