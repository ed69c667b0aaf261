// One realistic reply per catalogue row (from PROTOCOL-NOTES and real Smart-UPS transcripts), with
// the value it must decode to. `SAMPLES` is typed by row id, and the data-driven test fails for a
// row without a sample, so a new row cannot be added untested.
import { describe, expect, it } from "vitest";
import { CATALOGUE, type RowId } from "../../src/protocol/catalogue/index.js";
import type { Value } from "../../src/protocol/types.js";

type Sample =
  /** An action: the UPS's reply (null: the seed lists none), which must be among the row's replies. */
  | { readonly reply: string | null }
  /** A query or setting: the reply and the value it decodes to. */
  | { readonly reply: string; readonly value: Value };

// `a` of a 3G Smart-UPS (protocol level 3): alerts, then single-byte commands with control bytes.
const A_REPLY = "3.!$%+?=#|.\x01\x0e\x1a'()+-89@ABCDEFGKLMNOPQRSTUVWXYZ`abcefgjklmnopqrsuxyz~\x7f";
const DUMP_REPLY =
  "#uD43127130133136" +
  "uI43253264271280" +
  "lD43106103100097" +
  "e44200155090" +
  "E443336168ON OFF" +
  "s441HMLL";

const SAMPLES: Readonly<Record<RowId, Sample>> = {
  set_smart_mode: { reply: "SM" },
  test_lights_beeper: { reply: "OK" },
  turn_off_after_delay: { reply: "*" },
  shutdown_on_battery: { reply: "NA" },
  simulate_power_failure: { reply: "OK" },
  battery_test: { reply: "OK" },
  turn_off_immediate: { reply: "OK" },
  shutdown_delayed_wake: { reply: "OK" },
  abort_shutdown: { reply: "NO" },
  run_time_calibration: { reply: "NO" },
  ups_to_bypass_toggle: { reply: "BYP" },
  turn_ups_on: { reply: null },
  return_to_simple_mode: { reply: "BYE" },
  battery_test_result: { reply: "NG", value: "invalid_overload" },
  num_battery_packs: { reply: "001", value: 1 },
  num_bad_battery_packs: { reply: "000", value: 0 },
  transfer_cause: { reply: "S", value: "command_test" },
  firmware_version: { reply: "GWD", value: "GWD" },
  nominal_battery_voltage: { reply: "048", value: 48 },
  battery_capacity: { reply: "100.0", value: 100 },
  acceptable_line_quality: { reply: "FF", value: "acceptable" },
  ups_status_register: { reply: "08", value: "08" },
  state_register: { reply: "c0", value: "C0" },
  trip1_register: { reply: "00", value: "00" },
  trip_register: { reply: "10", value: "10" },
  dip_switch_position: { reply: "00", value: "00" },
  ups_serial_number: { reply: "NS9847001053\0\0", value: "NS9847001053" },
  ups_manufacture_date: { reply: "11/17/98", value: "1998-11-17" },
  run_time_remaining: { reply: ">>>>:", value: null },
  copyright: { reply: "(C) APCC", value: "(C) APCC" },
  all_commands_available: {
    reply: A_REPLY,
    value: {
      level: 3,
      alerts: "!$%+?=#|",
      commands: "\\x01\\x0e\\x1a'()+-89@ABCDEFGKLMNOPQRSTUVWXYZ`abcefgjklmnopqrsuxyz~\\x7f",
      extensions: "",
    },
  },
  version_in_decimal: { reply: "21.3.I", value: "21.3.I" },
  ups_model_name: { reply: "Smart-UPS 1400 RM XL    ", value: "Smart-UPS 1400 RM XL" },
  load_current: { reply: "03.52", value: 3.52 },
  apparent_load_power: { reply: "023.40", value: 23.4 },
  battery_voltage: { reply: "27.67", value: 27.67 },
  ups_internal_temperature: { reply: "036.0", value: 36 },
  operating_frequency: { reply: "50.00", value: 50 },
  line_voltage: { reply: "230.4", value: 230.4 },
  max_line_voltage: { reply: "232.7", value: 232.7 },
  min_line_voltage: { reply: "228.1", value: 228.1 },
  output_voltage: { reply: "230.4", value: 230.4 },
  load_power: { reply: "018.2", value: 18.2 },
  read_all_eeprom: {
    reply: DUMP_REPLY,
    value: {
      settings: {
        upper_transfer_voltage: { D: ["127", "130", "133", "136"], I: ["253", "264", "271", "280"] },
        lower_transfer_voltage: { D: ["106", "103", "100", "097"] },
        min_battery_capacity_restart: { "4": ["00", "15", "50", "90"] },
        auto_battery_test_setting: { "4": ["336", "168", "ON ", "OFF"] },
        utility_failure_sensitivity: { "4": ["H", "M", "L", "L"] },
      },
      skipped: [],
    },
  },
  reset_eeprom: { reply: "CLEAR" },
  edit_next: { reply: "OK" },
  output_voltage_selection: { reply: "A", value: "A" },
  front_panel_language: { reply: "E", value: "E" },
  auto_battery_test_setting: { reply: "ON ", value: "ON" },
  ups_id: { reply: "UPS_IDEN", value: "UPS_IDEN" },
  battery_replacement_date: { reply: "03/15/24", value: "2024-03-15" },
  upper_transfer_voltage: { reply: "264", value: 264 },
  lower_transfer_voltage: { reply: "208", value: 208 },
  min_battery_capacity_restart: { reply: "15", value: 15 },
  output_voltage_setting: { reply: "230", value: 230 },
  utility_failure_sensitivity: { reply: "H", value: "H" },
  low_battery_warning: { reply: "02", value: 2 },
  audible_alarm: { reply: "0", value: "0" },
  shutdown_delay: { reply: "020", value: 20 },
  turn_on_delay: { reply: "000", value: 0 },
  run_time_conservation: { reply: "NO", value: "NO" },
  battery_pack_config: { reply: "002", value: 2 },
  ambient_temperature: { reply: "23.85", value: 23.85 },
  humidity: { reply: "045.3", value: 45.3 },
  measureups_firmware: { reply: "4Bx", value: "4Bx" },
  dip_external_contact_status: { reply: "10", value: "10" },
  alarm_status: { reply: "80", value: "80" },
  upper_temp_alarm_limit: { reply: "32.13", value: 32.13 },
  lower_temp_alarm_limit: { reply: "04.08", value: 4.08 },
  upper_rh_alarm_limit: { reply: "070.0", value: 70 },
  lower_rh_alarm_limit: { reply: "010.0", value: 10 },
  alarm_enable: { reply: "f0", value: "F0" },
};

describe("every catalogue row against a realistic reply", () => {
  it("has a sample for every row and no sample for an unknown row", () => {
    const ids = CATALOGUE.map((row) => row.id);
    expect(Object.keys(SAMPLES).sort()).toEqual([...ids].sort());
  });

  for (const row of CATALOGUE) {
    it(`${row.id} (${row.kind})`, () => {
      const sample: Sample | undefined = (SAMPLES as Readonly<Record<string, Sample>>)[row.id];
      if (sample === undefined) throw new Error(`no realistic sample for ${row.id}`);
      if (row.decode === null) {
        if (sample.reply === null) expect(row.replies).toEqual([]);
        else expect(row.replies).toContain(sample.reply);
        expect("value" in sample).toBe(false);
        return;
      }
      if (!("value" in sample)) throw new Error(`${row.id} decodes replies: its sample needs a value`);
      expect(row.decode(sample.reply)).toEqual({ ok: true, value: sample.value });
      // The frame parser usually strips CR LF; a decoder given it anyway reads the same value.
      expect(row.decode(`${sample.reply}\r\n`)).toEqual({ ok: true, value: sample.value });
      // NA is "not supported / not now", never a value (PROTOCOL-NOTES "Values").
      expect(row.decode("NA").ok).toBe(false);
    });
  }

  it("decodes every value of every setting ring to one machine form: a number without padding, else the trimmed text", () => {
    for (const row of CATALOGUE) {
      if (row.kind !== "setting" || row.values === null || row.decode === null) continue;
      for (const ring of Object.values(row.values)) {
        for (const value of ring) {
          // A quantity (it has a unit) is a number: `020` is 20 seconds (CONTRACT "Machine forms").
          const numeric = row.unit !== null && /^\d+(\.\d+)?$/.test(value.trim());
          const expected = numeric ? Number(value) : value.trim();
          expect(row.decode(value), `${row.id} ${value}`).toEqual({ ok: true, value: expected });
        }
      }
    }
  });
});
