// The UPS-Link catalogue: every opcode of seeds/003_36988b62a4ffb2b1.txt as one row of one typed
// table, with the seed's ids (the public vocabulary), labels and kinds. Discovery, the poller, the
// simulator, the CLI listing and the per-row tests are derived from it: add a command by adding a
// row. The feedback and event tables of the seed follow it.

import {
  decodeBatteryTest,
  decodeCount,
  decodeDdDd,
  decodeDdd,
  decodeDddD,
  decodeDddDd,
  decodeHexByte,
  decodeLineQuality,
  decodeRunTime,
  decodeSettingText,
  decodeText,
  decodeTransferCause,
  fail,
  ok,
} from "./decoders.js";
import { type DumpItem, tokenizeDump } from "./dump-format.js";
import { UpsLinkError } from "./errors.js";
import { byteName } from "./escape.js";
import { decodeCapabilities, decodeIdentityText, decodeManufactureDate } from "./identity.js";
import type {
  ActionKind,
  CatalogueRow,
  DecodeResult,
  EventRow,
  FeedbackRow,
  SettingValues,
  Value,
  Wire,
} from "./types.js";

/** One byte per press; the printable opcode as the seed writes it. */
function once(opcode: string, byte: number = opcode.charCodeAt(0)): Wire {
  return { opcode, bytes: [byte], presses: 1, gapMs: 0 };
}

// K, Z and Ctrl-N: the same byte twice, more than 1.5 s apart with nothing in between (seed §3.1).
// 1700 ms leaves margin for the UPS's own timing tolerance.
const TWO_PRESS_GAP_MS = 1700;
function twice(opcode: string, byte: number): Wire {
  return { opcode, bytes: [byte], presses: 2, gapMs: TWO_PRESS_GAP_MS };
}

const ACTION = {
  kind: "action",
  params: [],
  replyMode: "line",
  decode: null,
  unit: null,
  tier: "none",
  lackedBy: [],
  needsMeasureUps: false,
  destructive: false,
  retry: false, // never retried: a repeated action may act twice
  timeoutMs: 3000,
  values: null,
  register: null,
} as const;

const QUERY = {
  kind: "query",
  params: [],
  replies: [],
  replyMode: "line",
  unit: null,
  lackedBy: [],
  needsMeasureUps: false,
  destructive: false,
  retry: true,
  timeoutMs: 1000,
  values: null,
  register: null,
  notes: "",
} as const;

// Settings are read like queries (and retried); they change through the edit ring (`-`).
const SETTING = { ...QUERY, kind: "setting", tier: "slow", decode: decodeSettingText } as const;

// Families that predate a feature the seed calls "newer Smart-UPS" / "Matrix-UPS and newer".
const NOT_MATRIX_ONLY = [
  "smart_ups_old",
  "smart_ups_3g",
  "smart_ups_250_400_370ci",
  "smart_ups_vs",
  "back_ups_pro",
] as const;

export const CATALOGUE = [
  // ----- §3.1 UPS control commands -----
  {
    ...ACTION,
    id: "set_smart_mode",
    label: "Set UPS to Smart Mode",
    wire: once("Y"),
    replies: ["SM"],
    notes:
      "Must be sent when UPS is turned on to enter smart signaling mode. Disables standard signaling outputs.",
  },
  {
    ...ACTION,
    id: "test_lights_beeper",
    label: "Test Lights and Beeper",
    wire: once("A"),
    replies: ["OK"],
    notes: "Illuminates all front panel LEDs and sounds beeper for 2 seconds.",
  },
  {
    ...ACTION,
    id: "turn_off_after_delay",
    label: "Turn Off after Delay",
    wire: twice("K(>1.5s)K", 0x4b),
    replies: ["OK", "*", "NA"],
    replyMode: "star_or_line",
    lackedBy: ["smart_ups_250_400_370ci"],
    destructive: true,
    notes: "Turns off using Shutdown Delay (p command). Not supported on Smart-UPS 250/400/370ci.",
  },
  {
    ...ACTION,
    id: "shutdown_on_battery",
    label: "Shut Down UPS on Battery",
    wire: once("S"),
    replies: ["OK", "NA"],
    destructive: true,
    notes:
      "Only honored while on-battery. Output returns when utility restored. Afterwards K, U, W, Z, @ddd, - return NA.",
  },
  {
    ...ACTION,
    id: "simulate_power_failure",
    label: "Simulate Power Failure",
    wire: once("U"),
    replies: ["OK", "NA"],
    destructive: true,
    notes: "Forces brief switch to battery operation.",
  },
  {
    ...ACTION,
    id: "battery_test",
    label: "Battery Test",
    wire: once("W"),
    replies: ["OK", "NA"],
    notes: "Runs ~8 s battery test. Result saved 5 min for retrieval via X command.",
  },
  {
    ...ACTION,
    id: "turn_off_immediate",
    label: "Turn Off UPS",
    wire: twice("Z(>1.5s)Z", 0x5a),
    replies: ["OK", "*", "NA"],
    replyMode: "star_or_line",
    lackedBy: ["smart_ups_250_400_370ci"],
    destructive: true,
    notes: "Immediate turn-off. Not supported on Smart-UPS 250/400/370ci.",
  },
  {
    ...ACTION,
    id: "shutdown_delayed_wake",
    label: "Shut Down with Delayed Wake Up",
    wire: once("@{tenths}", 0x40),
    params: [
      {
        name: "tenths",
        type: "integer",
        min: 0,
        max: 999,
        digits: 3,
        description: "wake-up delay in tenths of an hour, 3 digits (126 = restart after 12.6 h)",
      },
    ],
    replies: ["OK", "*", "NA"],
    replyMode: "star_or_line",
    destructive: true,
    notes:
      "Turns off per Shutdown Delay (p), restores load after ddd tenths of an hour plus Turn On Delay (r). " +
      "The UPS ignores non-numeric characters after '@'.",
  },
  {
    ...ACTION,
    id: "abort_shutdown",
    label: "Abort Shutdown",
    wire: once("DEL", 0x7f),
    replies: ["OK", "NO"],
    lackedBy: ["smart_ups_old", "smart_ups_250_400_370ci"],
    notes: "Aborts @ddd, S, and K (K only during the delay). Valid on Matrix-UPS and newer Smart-UPS.",
  },
  {
    ...ACTION,
    id: "run_time_calibration",
    label: "Run Time Calibration",
    wire: once("D"),
    replies: ["OK", "NO", "NA"],
    lackedBy: ["smart_ups_vs", "back_ups_pro"],
    destructive: true,
    notes:
      "Discharges to <25% capacity. Begins only at 100% charge, else NO. D again aborts. Not on v/s or Back-UPS Pro.",
  },
  {
    ...ACTION,
    id: "ups_to_bypass_toggle",
    label: "UPS to Bypass Toggle",
    wire: once("^"),
    replies: ["BYP", "INV", "ERR"],
    lackedBy: NOT_MATRIX_ONLY,
    destructive: true,
    notes: "BYP = transferring to bypass; INV = returning to inverter; ERR = unable. Matrix-UPS only.",
  },
  {
    ...ACTION,
    id: "turn_ups_on",
    label: "Turn UPS On",
    wire: twice("Ctrl N(>1.5s)Ctrl N", 0x0e),
    // The seed lists no reply: the UPS powers its output, which the next Q read shows.
    replies: [],
    lackedBy: ["smart_ups_old", "smart_ups_250_400_370ci", "smart_ups_vs", "back_ups_pro", "matrix_ups"],
    destructive: true,
    notes: "Equivalent to pressing the front ON button. Newer Smart-UPS only.",
  },
  {
    ...ACTION,
    id: "return_to_simple_mode",
    label: "Return to Simple Mode",
    wire: once("R"),
    replies: ["BYE"],
    lackedBy: ["smart_ups_old", "smart_ups_250_400_370ci", "matrix_ups"],
    notes: "Forces UPS out of Smart mode; Y is needed again. Valid on 3G Smart-UPS, v/s, Back-UPS Pro.",
  },

  // ----- §3.2 UPS status inquiry commands -----
  {
    ...QUERY,
    id: "battery_test_result",
    label: "Battery Test Result",
    wire: once("X"),
    replies: ["OK", "BT", "NG", "NO"],
    decode: decodeBatteryTest,
    tier: "fast",
    notes: "OK=good, BT=fail (insufficient capacity), NG=invalid (overload), NO=no result available.",
  },
  {
    ...QUERY,
    id: "num_battery_packs",
    label: "Number of Battery Packs",
    wire: once(">"),
    decode: decodeCount,
    tier: "slow",
    lackedBy: ["smart_ups_old", "smart_ups_250_400_370ci", "smart_ups_vs", "back_ups_pro"],
    notes: "Auto-sensed SmartCell packs (Matrix-UPS). Shares '>' with battery_pack_config.",
  },
  {
    ...QUERY,
    id: "num_bad_battery_packs",
    label: "Number of Bad Battery Packs",
    wire: once("<"),
    decode: decodeCount,
    tier: "slow",
    lackedBy: NOT_MATRIX_ONLY,
    notes: "Matrix-UPS only.",
  },
  {
    ...QUERY,
    id: "transfer_cause",
    label: "Transfer Cause",
    wire: once("G"),
    replies: ["R", "H", "L", "T", "O", "S"],
    decode: decodeTransferCause,
    tier: "fast",
    notes: "R=rate-of-change, H=high line, L=low line, T=notch/spike, O=none yet, S=command/test induced.",
  },
  {
    ...QUERY,
    id: "firmware_version",
    label: "Firmware Version",
    wire: once("V"),
    decode: decodeText,
    tier: "identity",
    lackedBy: ["smart_ups_vs", "back_ups_pro"],
    notes: "Base model type, firmware letter, utility voltage letter. Not on Smart-UPS v/s or Back-UPS Pro.",
  },
  {
    ...QUERY,
    id: "nominal_battery_voltage",
    label: "UPS Nominal Battery Voltage Rating",
    wire: once("g"),
    decode: decodeDdd,
    unit: "Vdc",
    tier: "slow",
  },
  {
    ...QUERY,
    id: "battery_capacity",
    label: "Battery Capacity",
    wire: once("f"),
    decode: decodeDddD,
    unit: "percent",
    tier: "fast",
  },
  {
    ...QUERY,
    id: "acceptable_line_quality",
    label: "Acceptable Line Quality",
    wire: once("9"),
    replies: ["FF", "00"],
    decode: decodeLineQuality,
    tier: "fast",
    notes: "FF=acceptable utility line quality, 00=unacceptable.",
  },
  {
    ...QUERY,
    id: "ups_status_register",
    label: "UPS Status (Q register)",
    wire: once("Q"),
    decode: decodeHexByte,
    tier: "fast",
    register: "Q",
    notes: "A reply of SM means the status is not valid yet: retry it.",
  },
  {
    ...QUERY,
    id: "state_register",
    label: "State Register (~)",
    wire: once("~"),
    decode: decodeHexByte,
    tier: "fast",
    register: "~",
    notes: "3G Smart-UPS, v/s, Back-UPS Pro report bits 7/6; the full set only Matrix-UPS.",
  },
  {
    ...QUERY,
    id: "trip1_register",
    label: "Trip1 Register",
    wire: once("'"),
    decode: decodeHexByte,
    tier: "fast",
    register: "'",
    notes: "Mainly fault conditions. Matrix-UPS reports all bits except 7,6.",
  },
  {
    ...QUERY,
    id: "trip_register",
    label: "Trip Register",
    wire: once("8"),
    decode: decodeHexByte,
    tier: "fast",
    register: "8",
  },
  {
    ...QUERY,
    id: "dip_switch_position",
    label: "DIP Switch Position",
    wire: once("7"),
    decode: decodeHexByte,
    tier: "slow",
    register: "7",
    notes: "Bits 3-0 map to option switches 1-4. Models without DIP switches return '00'.",
  },
  {
    ...QUERY,
    id: "ups_serial_number",
    label: "UPS Serial Number",
    wire: once("n"),
    decode: decodeIdentityText,
    tier: "identity",
    notes: "May be NUL- or space-padded.",
  },
  {
    ...QUERY,
    id: "ups_manufacture_date",
    label: "UPS Manufacture Date",
    wire: once("m"),
    decode: decodeManufactureDate,
    tier: "identity",
    notes: "dd/mm/yy on the wire, published as an ISO date when valid.",
  },
  {
    ...QUERY,
    id: "run_time_remaining",
    label: "Run Time Remaining",
    wire: once("j"),
    replyMode: "runtime",
    decode: decodeRunTime,
    unit: "minutes",
    tier: "fast",
    notes: "'>>>>:' when undeterminable: published as null, never 0.",
  },
  {
    ...QUERY,
    id: "copyright",
    label: "Copyright",
    wire: once("y"),
    decode: decodeText,
    tier: "identity",
    lackedBy: ["smart_ups_old"],
    notes: "Requires firmware letter later than 'O'.",
  },
  {
    ...QUERY,
    id: "all_commands_available",
    label: "All Commands Available from UPS",
    wire: once("a"),
    // The reply lists the alert characters and control bytes as data.
    replyMode: "verbatim",
    decode: decodeCapabilities,
    tier: "identity",
    lackedBy: ["smart_ups_old", "smart_ups_250_400_370ci", "matrix_ups"],
    timeoutMs: 2500,
    notes: "'level'.'alert chars'.'single-char commands'[.'extensions'] (~0.7 s on real units).",
  },
  {
    ...QUERY,
    id: "version_in_decimal",
    label: "Version in Decimal",
    wire: once("b"),
    // Behind an AP9620 card `b` answers `UPS 09.3 / ID=18`: its `=` is data, not the alert.
    replyMode: "verbatim",
    decode: decodeText,
    tier: "identity",
    notes: "SKU.firmware.country_code; `UPS 09.3 / ID=18` behind an AP9620 card. Fall back to V on garbage.",
  },
  {
    ...QUERY,
    id: "ups_model_name",
    label: "UPS Model",
    wire: once("Ctrl A", 0x01),
    decode: decodeIdentityText,
    tier: "identity",
    notes: "Up to 32 characters; may carry trailing spaces.",
  },

  // ----- §3.3 UPS power inquiry commands -----
  {
    ...QUERY,
    id: "load_current",
    label: "Load Current",
    wire: once("/"),
    decode: decodeDdDd,
    unit: "A",
    // A live reading like L/O/P, so it is polled with them.
    tier: "fast",
    lackedBy: NOT_MATRIX_ONLY,
    notes: "True RMS amps. Matrix-UPS only.",
  },
  {
    ...QUERY,
    id: "apparent_load_power",
    label: "Apparent Load Power",
    wire: once("\\"),
    decode: decodeDddDd,
    unit: "percent",
    tier: "fast",
    lackedBy: NOT_MATRIX_ONLY,
    notes: "Percent of rated VA. Matrix-UPS only.",
  },
  {
    ...QUERY,
    id: "battery_voltage",
    label: "Battery Voltage",
    wire: once("B"),
    decode: decodeDdDd,
    unit: "Vdc",
    tier: "fast",
  },
  {
    ...QUERY,
    id: "ups_internal_temperature",
    label: "UPS Internal Temperature",
    wire: once("C"),
    decode: decodeDddD,
    unit: "degC",
    tier: "fast",
  },
  {
    ...QUERY,
    id: "operating_frequency",
    label: "UPS & Utility Operating Frequency",
    wire: once("F"),
    decode: decodeDdDd,
    unit: "Hz",
    tier: "fast",
  },
  {
    ...QUERY,
    id: "line_voltage",
    label: "Line Voltage",
    wire: once("L"),
    decode: decodeDddD,
    unit: "Vac",
    tier: "fast",
  },
  {
    ...QUERY,
    id: "max_line_voltage",
    label: "Maximum Line Voltage",
    wire: once("M"),
    decode: decodeDddD,
    unit: "Vac",
    tier: "minmax",
    notes: "Max since previous M query: resets on read, so it is read on a fixed schedule only.",
  },
  {
    ...QUERY,
    id: "min_line_voltage",
    label: "Minimum Line Voltage",
    wire: once("N"),
    decode: decodeDddD,
    unit: "Vac",
    tier: "minmax",
    notes: "Min since previous N query: resets on read, so it is read on a fixed schedule only.",
  },
  {
    ...QUERY,
    id: "output_voltage",
    label: "Output Voltage",
    wire: once("O"),
    decode: decodeDddD,
    unit: "Vac",
    tier: "fast",
  },
  {
    ...QUERY,
    id: "load_power",
    label: "Load Power",
    wire: once("P"),
    decode: decodeDddD,
    unit: "percent",
    tier: "fast",
  },

  // ----- §3.4 UPS customizing commands -----
  {
    ...QUERY,
    id: "read_all_eeprom",
    label: "Read All Configurable EEPROM Parameters",
    wire: once("Ctrl Z", 0x1a),
    // The dump starts with `#`, which is also the replace-battery alert: keep it as data.
    replyMode: "verbatim",
    decode: decodeDumpReply,
    tier: "identity",
    lackedBy: ["smart_ups_old", "smart_ups_250_400_370ci"],
    timeoutMs: 5000,
    notes: "Every setting with its allowed values (~2 s on real units). Matrix-UPS and newer Smart-UPS only.",
  },
  {
    ...ACTION,
    id: "reset_eeprom",
    label: "Reset UPS EEPROM Variables",
    wire: once("z"),
    replies: ["CLEAR"],
    destructive: true,
    notes: "Restores defaults for all customizing commands except c and x.",
  },
  {
    ...ACTION,
    kind: "modifier",
    id: "edit_next",
    label: "Edit (advance to next setting)",
    wire: once("-"),
    replies: ["OK", "NO", "NA"],
    notes:
      "Sent right after a setting's opcode to advance its ring (NO when a DIP switch forbids edits). " +
      "After c or x, allows direct entry. A stray '-' edits whatever setting was queried last.",
  },
  {
    ...SETTING,
    id: "output_voltage_selection",
    label: "Output Voltage Selection",
    wire: once("Ctrl V", 0x16),
    lackedBy: NOT_MATRIX_ONLY,
    values: { "4": ["A", "M", "I"] },
    notes: "A=auto, M=208 Vac, I=240 Vac. Matrix-UPS only; newer Smart-UPS returns NA.",
  },
  {
    ...SETTING,
    id: "front_panel_language",
    label: "Front Panel Language Selection",
    wire: once("Ctrl L", 0x0c),
    lackedBy: NOT_MATRIX_ONLY,
    values: { "4": ["E", "F", "G", "S", "1", "2", "3", "4"] },
    notes: "E=English, F=French, G=German, S=Spanish. Matrix-UPS only.",
  },
  {
    ...SETTING,
    id: "auto_battery_test_setting",
    label: "Automatic Battery Test",
    wire: once("E"),
    values: { "4": ["336", "168", "ON ", "OFF"] },
    notes: "336=every 14 days, 168=every 7 days, ON=upon startup, OFF=none. 'ON ' has a trailing space.",
  },
  {
    ...SETTING,
    id: "ups_id",
    label: "UPS ID",
    wire: once("c"),
    params: [
      {
        name: "name",
        type: "text",
        length: 8,
        // printable ASCII without '-': the UPS takes '-' as the edit command
        pattern: "^[\\x20-\\x2c\\x2e-\\x7e]{1,8}$",
        description: "up to 8 printable characters, padded with spaces, without '-'",
      },
    ],
    replies: ["OK"],
    notes: "Set via Edit (-) then 8 characters of direct entry. Not reset by z.",
  },
  {
    ...SETTING,
    id: "battery_replacement_date",
    label: "Battery Replacement Date",
    wire: once("x"),
    params: [
      {
        name: "date",
        type: "text",
        length: 8,
        pattern: "^(0[1-9]|[12][0-9]|3[01])/(0[1-9]|1[0-2])/[0-9]{2}$",
        description: "the date as dd/mm/yy",
      },
    ],
    replies: ["OK"],
    notes: "Set via Edit (-) then 8 characters dd/mm/yy. Not reset by z.",
  },
  {
    ...SETTING,
    id: "upper_transfer_voltage",
    label: "Upper Transfer Voltage",
    wire: once("u"),
    unit: "Vac",
    values: {
      D: ["127", "130", "133", "136"],
      M: ["229", "240", "252", "264"],
      I: ["253", "264", "271", "280"],
      A: ["108", "110", "112", "114"],
    },
    notes: "Ring per utility voltage version.",
  },
  {
    ...SETTING,
    id: "lower_transfer_voltage",
    label: "Lower Transfer Voltage",
    wire: once("l"),
    unit: "Vac",
    lackedBy: ["matrix_ups"],
    values: {
      D: ["106", "103", "100", "097"],
      M: ["177", "182", "187", "193"],
      I: ["208", "204", "200", "196"],
      A: ["092", "090", "088", "086"],
    },
    notes: "Not valid on Matrix-UPS (returns NO).",
  },
  {
    ...SETTING,
    id: "min_battery_capacity_restart",
    label: "Minimum Battery Capacity to Restart",
    wire: once("e"),
    unit: "percent",
    lackedBy: ["matrix_ups"],
    values: { "4": ["00", "15", "50", "90"] },
    notes: "Percent of full capacity (00/10/25/90 on older models). Not valid on Matrix-UPS (returns NO).",
  },
  {
    ...SETTING,
    id: "output_voltage_setting",
    label: "Output Voltage",
    wire: once("o"),
    unit: "Vac",
    values: { D: ["115"], M: ["208"], I: ["225", "230", "240", "220"], A: ["100"] },
    notes: "Fixed on 100/120/208 Vac versions; configurable on 220-240 Vac.",
  },
  {
    ...SETTING,
    id: "utility_failure_sensitivity",
    label: "Utility Failure Sensitivity",
    wire: once("s"),
    // The ring repeats L (PROTOCOL-NOTES "Editing a setting"); A (auto) exists on Matrix-UPS only.
    values: { "4": ["H", "M", "L", "L"] },
    notes: "H/M/L on Smart-UPS (L repeated as 4th); A=auto-adjust on Matrix-UPS only.",
  },
  {
    ...SETTING,
    id: "low_battery_warning",
    label: "Low Battery Warning Interval",
    wire: once("q"),
    unit: "minutes",
    values: { "4": ["02", "05", "07", "10"] },
  },
  {
    ...SETTING,
    id: "audible_alarm",
    label: "Audible Alarm",
    wire: once("k"),
    values: { "4": ["0", "T", "L", "N"] },
    notes: "0=immediate, T=delayed 30 s on utility fail, L=low-battery only, N=disabled.",
  },
  {
    ...SETTING,
    id: "shutdown_delay",
    label: "Shutdown Delay",
    wire: once("p"),
    unit: "seconds",
    values: { "4": ["020", "180", "300", "600"] },
  },
  {
    ...SETTING,
    id: "turn_on_delay",
    label: "Turn On Delay",
    wire: once("r"),
    unit: "seconds",
    values: { "4": ["000", "060", "180", "300"] },
  },
  {
    ...SETTING,
    id: "run_time_conservation",
    label: "Run Time Conservation",
    wire: once("w"),
    unit: "minutes",
    lackedBy: NOT_MATRIX_ONLY,
    values: { "4": ["NO", "02", "05", "08"] },
    notes: "Minutes after the low-battery warning. Matrix-UPS only.",
  },
  {
    ...SETTING,
    id: "battery_pack_config",
    label: "Battery Pack Configuration",
    wire: once(">"),
    decode: decodeCount,
    replies: ["NA"],
    lackedBy: ["smart_ups_old", "smart_ups_250_400_370ci", "smart_ups_vs", "back_ups_pro", "matrix_ups"],
    notes:
      "Shares '>' with num_battery_packs. 3G Smart-UPS XL: '>' then '+'/'-' changes the count by 1. No ring.",
  },

  // ----- §4.1 Measure-UPS inquiry commands -----
  {
    ...QUERY,
    id: "ambient_temperature",
    label: "Ambient Temperature",
    wire: once("t"),
    decode: decodeDdDd,
    unit: "degC",
    tier: "fast",
    lackedBy: ["smart_ups_vs"],
    needsMeasureUps: true,
    notes: "Measure-UPS accessory. Not on Smart-UPS v/s.",
  },
  {
    ...QUERY,
    id: "humidity",
    label: "Humidity",
    wire: once("h"),
    decode: decodeDddD,
    unit: "percent_rh",
    tier: "fast",
    needsMeasureUps: true,
  },
  {
    ...QUERY,
    id: "measureups_firmware",
    label: "Measure-UPS Firmware Version",
    wire: once("v"),
    decode: decodeText,
    tier: "identity",
    needsMeasureUps: true,
    notes: "Model '4' + firmware letter + 'x'.",
  },
  {
    ...QUERY,
    id: "dip_external_contact_status",
    label: "DIP Switch & External Contact Status",
    wire: once("i"),
    decode: decodeHexByte,
    tier: "fast",
    register: "i",
    needsMeasureUps: true,
    notes: "Bits 7-4 = contact inputs #4-#1 (1=closed); bits 3-0 = DIP switches #4-#1 (1=NC).",
  },
  {
    ...QUERY,
    id: "alarm_status",
    label: "Alarm Status",
    wire: once("J"),
    decode: decodeHexByte,
    tier: "fast",
    register: "J",
    needsMeasureUps: true,
    notes: "Temp/humidity limits exceeded + per-channel contact alarm states.",
  },

  // ----- §4.2 Measure-UPS customizing commands -----
  {
    ...SETTING,
    id: "upper_temp_alarm_limit",
    label: "Upper Temperature Alarm Limit",
    wire: once("["),
    unit: "degC",
    needsMeasureUps: true,
    values: { "4": ["32.13", "45.90", "54.06", "23.97"] },
  },
  {
    ...SETTING,
    id: "lower_temp_alarm_limit",
    label: "Lower Temperature Alarm Limit",
    wire: once("]"),
    unit: "degC",
    needsMeasureUps: true,
    values: { "4": ["04.08", "09.94", "14.02", "18.10"] },
  },
  {
    ...SETTING,
    id: "upper_rh_alarm_limit",
    label: "Upper Relative Humidity Alarm Limit",
    wire: once("{"),
    unit: "percent_rh",
    needsMeasureUps: true,
    values: { "4": ["070.0", "080.0", "084.5", "090.1"] },
  },
  {
    ...SETTING,
    id: "lower_rh_alarm_limit",
    label: "Lower Relative Humidity Alarm Limit",
    wire: once("}"),
    unit: "percent_rh",
    needsMeasureUps: true,
    values: { "4": ["010.0", "020.1", "030.2", "040.3"] },
  },
  {
    ...SETTING,
    id: "alarm_enable",
    label: "Alarm Enable",
    wire: once("I"),
    params: [
      {
        name: "mask",
        type: "hex_byte",
        description: "bit 7 upper temp, 6 lower temp, 5 upper RH, 4 lower RH, 3-0 contacts #4-#1",
      },
    ],
    decode: decodeHexByte,
    replies: ["OK"],
    needsMeasureUps: true,
    notes: "Set via Edit (-) then 2 hex digits. Measure-UPS ignores invalid hex.",
  },
] as const satisfies readonly CatalogueRow[];

type Row = (typeof CATALOGUE)[number];
/** Every row id of the seed (72). */
export type RowId = Row["id"];
export type ActionId = Extract<Row, { kind: "action" }>["id"];
export type QueryId = Extract<Row, { kind: "query" }>["id"];
export type SettingId = Extract<Row, { kind: "setting" }>["id"];
export type ModifierId = Extract<Row, { kind: "modifier" }>["id"];

const BY_ID: ReadonlyMap<string, CatalogueRow> = new Map(CATALOGUE.map((row) => [row.id, row]));

/** The row, or an `unknown_action` error naming the id. */
export function rowById(id: string): CatalogueRow {
  const row = BY_ID.get(id);
  if (row === undefined) {
    throw new UpsLinkError(
      "unknown_action",
      `'${id}' is not a UPS-Link command, query or setting of the catalogue.`,
      {
        id,
      },
    );
  }
  return row;
}

export function findRow(id: string): CatalogueRow | undefined {
  return BY_ID.get(id);
}

export function rowsByKind<K extends ActionKind>(kind: K): Extract<Row, { kind: K }>[] {
  return CATALOGUE.filter((row): row is Extract<Row, { kind: K }> => row.kind === kind);
}

/** Rows whose one-press opcode is this byte (`>` has a query and a setting). */
export function rowsByOpcodeByte(byte: number): CatalogueRow[] {
  return CATALOGUE.filter((row) => row.wire.bytes.length === 1 && row.wire.bytes[0] === byte);
}

export const DESTRUCTIVE_IDS: readonly ActionId[] = CATALOGUE.flatMap((row) =>
  row.kind === "action" && row.destructive ? [row.id] : [],
);

export const SETTING_IDS: readonly SettingId[] = rowsByKind("setting").map((row) => row.id);

/** The opcode as readable text: `Q`, `Ctrl-Z`, `DEL`, `@ddd`, `Ctrl-N (1.7 s) Ctrl-N`. */
export function opcodeText(row: CatalogueRow): string {
  const press = row.wire.bytes.map(byteName).join("");
  const params = row.params
    .map((p) => (p.type === "integer" ? "d".repeat(p.digits) : `<${p.name}>`))
    .join("");
  if (row.wire.presses === 2) return `${press} (${row.wire.gapMs / 1000} s) ${press}`;
  return row.kind === "action" ? press + params : press;
}

// ----- Ctrl-Z decoding (needs the setting opcodes of the table above) -----

function settingByByte(byte: number): CatalogueRow | undefined {
  return CATALOGUE.find((row) => row.kind === "setting" && row.wire.bytes[0] === byte);
}

/** Dump items keyed by setting id then compatibility letter, as the simulator and probe show them. */
export function settingValuesFromItems(items: readonly DumpItem[]): Record<string, SettingValues> {
  const out: Record<string, Record<string, readonly string[]>> = {};
  for (const item of items) {
    const row = settingByByte(item.opcode);
    if (row === undefined) continue;
    const perLetter = out[row.id] ?? {};
    perLetter[item.letter] = item.choices;
    out[row.id] = perLetter;
  }
  return out;
}

/**
 * Catalogue decoder for Ctrl-Z: every item of the dump with its letter (which letter applies needs
 * the firmware: see `parseDump` in dump.ts), plus the items that were skipped. A function
 * declaration, so the table above can refer to it before this point.
 */
function decodeDumpReply(text: string): DecodeResult {
  const dump = tokenizeDump(text, (byte) => settingByByte(byte) !== undefined);
  if (dump.items.length === 0 && dump.skipped.length > 0) {
    return fail(`no readable setting in the dump (${dump.skipped[0]?.reason ?? "malformed"})`);
  }
  const settings: Record<string, Value> = settingValuesFromItems(dump.items);
  return ok({ settings, skipped: dump.skipped.map((s) => ({ item: s.item, reason: s.reason })) });
}

// ----- Feedbacks (seed "Feedbacks") -----

export const FEEDBACKS = [
  {
    id: "power_state",
    type: "enum",
    values: ["on_line", "on_battery", "bypass", "sleep", "off"],
    unit: null,
    sourceQuery: "ups_status_register",
    register: null,
  },
  {
    id: "battery_test_state",
    type: "enum",
    values: ["ok", "failed", "invalid_overload", "no_result"],
    unit: null,
    sourceQuery: "battery_test_result",
    register: null,
  },
  {
    id: "transfer_cause_state",
    type: "enum",
    values: ["rate_of_change", "high_line", "low_line", "notch_spike", "none", "command_test"],
    unit: null,
    sourceQuery: "transfer_cause",
    register: null,
  },
  {
    id: "line_quality_state",
    type: "enum",
    values: ["acceptable", "unacceptable"],
    unit: null,
    sourceQuery: "acceptable_line_quality",
    register: null,
  },
  {
    id: "battery_capacity_percent",
    type: "number",
    values: null,
    unit: "percent",
    sourceQuery: "battery_capacity",
    register: null,
  },
  {
    id: "run_time_remaining_minutes",
    type: "number",
    values: null,
    unit: "minutes",
    sourceQuery: "run_time_remaining",
    register: null,
  },
  {
    id: "line_voltage_vac",
    type: "number",
    values: null,
    unit: "Vac",
    sourceQuery: "line_voltage",
    register: null,
  },
  {
    id: "output_voltage_vac",
    type: "number",
    values: null,
    unit: "Vac",
    sourceQuery: "output_voltage",
    register: null,
  },
  {
    id: "battery_voltage_vdc",
    type: "number",
    values: null,
    unit: "Vdc",
    sourceQuery: "battery_voltage",
    register: null,
  },
  {
    id: "internal_temperature_c",
    type: "number",
    values: null,
    unit: "degC",
    sourceQuery: "ups_internal_temperature",
    register: null,
  },
  {
    id: "load_power_percent",
    type: "number",
    values: null,
    unit: "percent",
    sourceQuery: "load_power",
    register: null,
  },
  {
    id: "status_register_q",
    type: "hex_byte",
    values: null,
    unit: null,
    sourceQuery: "ups_status_register",
    register: "Q",
  },
  {
    id: "trip_register_8",
    type: "hex_byte",
    values: null,
    unit: null,
    sourceQuery: "trip_register",
    register: "8",
  },
  {
    id: "trip1_register",
    type: "hex_byte",
    values: null,
    unit: null,
    sourceQuery: "trip1_register",
    register: "'",
  },
  {
    id: "state_register",
    type: "hex_byte",
    values: null,
    unit: null,
    sourceQuery: "state_register",
    register: "~",
  },
  {
    id: "dip_switch_register",
    type: "hex_byte",
    values: null,
    unit: null,
    sourceQuery: "dip_switch_position",
    register: "7",
  },
] as const satisfies readonly (FeedbackRow & { readonly sourceQuery: QueryId })[];

export type FeedbackId = (typeof FEEDBACKS)[number]["id"];

// ----- Events (seed "Events"; alerts carry no CR LF and may arrive inside a reply) -----

// What each alert makes worth re-reading at once (PROTOCOL-NOTES "Alerts and what they mean").
const LINE_REREAD = [
  "ups_status_register",
  "transfer_cause",
  "battery_capacity",
  "run_time_remaining",
] as const;
const BATTERY_REREAD = ["ups_status_register", "battery_capacity", "run_time_remaining"] as const;
const ABNORMAL_REREAD = ["ups_status_register", "trip1_register", "trip_register", "state_register"] as const;

export const EVENTS = [
  {
    id: "line_fail",
    char: "!",
    byte: 0x21,
    description:
      "UPS transferred to on-battery operation. Repeated every 30 s during extended outage until low battery.",
    reread: LINE_REREAD,
  },
  {
    id: "return_from_line_fail",
    char: "$",
    byte: 0x24,
    description: "UPS returned from on-battery. Sent only if '!' was sent first.",
    reread: LINE_REREAD,
  },
  {
    id: "low_battery",
    char: "%",
    byte: 0x25,
    description: "Low battery condition. Not on Smart-UPS v/s or Back-UPS Pro.",
    reread: BATTERY_REREAD,
  },
  {
    id: "return_from_low_battery",
    char: "+",
    byte: 0x2b,
    description: "Battery recharged to sufficient capacity. Sent only if '%' was sent first.",
    reread: BATTERY_REREAD,
  },
  {
    id: "abnormal_condition",
    char: "?",
    byte: 0x3f,
    description:
      "UPS entered abnormal state (overload shutdown, low-battery shutdown, PC reboot). Also auto-sent within 10 min of turn-on.",
    reread: ABNORMAL_REREAD,
  },
  {
    id: "return_from_abnormal_condition",
    char: "=",
    byte: 0x3d,
    description:
      "UPS recovered from abnormal condition. Sent only if '?' was sent first; not after the turn-on '?'.",
    reread: ABNORMAL_REREAD,
  },
  {
    id: "ups_about_to_turn_load_off",
    char: "*",
    byte: 0x2a,
    description:
      "UPS commanded to turn off; no further commands processed. Not on newer Smart-UPS, v/s, or Back-UPS Pro.",
    reread: ["ups_status_register"],
  },
  {
    id: "replace_battery",
    char: "#",
    byte: 0x23,
    description: "Battery test found replace-battery condition. Repeats every 5 h until a new test passes.",
    reread: ["ups_status_register", "battery_test_result"],
  },
  {
    id: "eeprom_variable_change",
    char: "|",
    byte: 0x7c,
    description:
      "Any UPS EEPROM variable changed via Customizing Commands. Newer Smart-UPS and Matrix-UPS only.",
    reread: SETTING_IDS,
  },
  {
    id: "measureups_alarm",
    char: "&",
    byte: 0x26,
    description:
      "Measure-UPS: ambient temperature/humidity outside limits, or a contact input changed from its normal state. Cause via J.",
    reread: ["alarm_status"],
  },
] as const satisfies readonly (EventRow & { readonly reread: readonly (QueryId | SettingId)[] })[];

export type EventId = (typeof EVENTS)[number]["id"];

const EVENT_BY_BYTE: ReadonlyMap<number, EventRow> = new Map(EVENTS.map((event) => [event.byte, event]));

export function eventByByte(byte: number): EventRow | undefined {
  return EVENT_BY_BYTE.get(byte);
}

/** The alert bytes `! $ % + ? = * # | &`. */
export const ALERT_BYTES: ReadonlySet<number> = new Set(EVENTS.map((event) => event.byte));
