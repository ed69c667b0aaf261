// The seed's EEPROM settings (§3.4 and the Measure-UPS limits of §4.2) and the edit modifier `-`,
// in the seed's order. A setting is read like a query (slow tier, retried) and changed through its
// `entry`: the ring steps with `-`, text and hex entries follow a `-`, a count steps with `+`/`-`.
import {
  decodeCount,
  decodeHexByte,
  decodeMeasureLimit,
  decodeSettingNumber,
  decodeSettingText,
} from "../decoders.js";
import { decodeUpsDate } from "../identity.js";
import { type HaEntity, type ModifierShape, NOT_MATRIX_ONLY, once, type SettingShape } from "./rows.js";

/** A setting with a ring is a select, a text entry a text entity; both are configuration. */
const HA_SELECT: HaEntity = {
  platform: "select",
  deviceClass: null,
  category: "config",
  enabledByDefault: true,
};
const HA_TEXT: HaEntity = { platform: "text", deviceClass: null, category: "config", enabledByDefault: true };
/** A setting that is a quantity (delay, voltage, percent) is a number entity with its unit. */
const haNumber = (deviceClass: string): HaEntity => ({
  platform: "number",
  deviceClass,
  category: "config",
  enabledByDefault: true,
});
/** Numeric settings: published as numbers without the ring's padding (`020` → 20), a number entity. */
const NUMERIC = { decode: decodeSettingNumber, words: null } as const;

// Settings are read like queries (and retried); they change through the edit ring (`-`).
const SETTING = {
  kind: "setting",
  params: [],
  replies: [],
  replyMode: "line",
  decode: decodeSettingText,
  unit: null,
  tier: "slow",
  lackedBy: [],
  needsMeasureUps: false,
  destructive: false,
  retry: true,
  timeoutMs: 1000,
  values: null,
  register: null,
  notes: "",
  nut: [],
  apcupsd: [],
  ha: HA_SELECT,
  entry: "ring",
  words: null,
} as const;

// ----- §3.4 UPS customizing commands: the edit modifier -----
export const MODIFIERS = [
  {
    kind: "modifier",
    id: "edit_next",
    label: "Edit (advance to next setting)",
    wire: once("-"),
    params: [],
    replies: ["OK", "NO", "NA"],
    replyMode: "line",
    decode: null,
    unit: null,
    tier: "none",
    lackedBy: [],
    needsMeasureUps: false,
    destructive: false,
    retry: false,
    timeoutMs: 3000,
    values: null,
    register: null,
    notes:
      "Sent right after a setting's opcode to advance its ring (NO when a DIP switch forbids edits). " +
      "After c or x, allows direct entry. A stray '-' edits whatever setting was queried last.",
    nut: [],
    apcupsd: [],
    ha: null,
    refusal: {
      code: "edit_locked",
      sentence:
        "a DIP switch on its back is on, which locks settings. Turn the DIP switches off to edit settings from the bridge.",
    },
  },
] as const satisfies readonly ModifierShape[];

// ----- §3.4 UPS customizing commands: the settings -----
export const UPS_SETTINGS = [
  {
    ...SETTING,
    id: "output_voltage_selection",
    label: "Output Voltage Selection",
    wire: once("Ctrl V", 0x16),
    lackedBy: NOT_MATRIX_ONLY,
    values: { "4": ["A", "M", "I"] },
    notes: "A=auto, M=208 Vac, I=240 Vac. Matrix-UPS only; newer Smart-UPS returns NA.",
    words: { A: "Auto", M: "208 V", I: "240 V" },
  },
  {
    ...SETTING,
    id: "front_panel_language",
    label: "Front Panel Language Selection",
    wire: once("Ctrl L", 0x0c),
    lackedBy: NOT_MATRIX_ONLY,
    values: { "4": ["E", "F", "G", "S", "1", "2", "3", "4"] },
    notes: "E=English, F=French, G=German, S=Spanish. Matrix-UPS only.",
    // The seed names E, F, G and S; the digits are further languages it does not name.
    words: {
      E: "English",
      F: "French",
      G: "German",
      S: "Spanish",
      "1": "Language 1",
      "2": "Language 2",
      "3": "Language 3",
      "4": "Language 4",
    },
    nut: ["ups.display.language"],
  },
  {
    ...SETTING,
    id: "auto_battery_test_setting",
    label: "Automatic Battery Test",
    apcupsd: ["STESTI"],
    wire: once("E"),
    values: { "4": ["336", "168", "ON ", "OFF"] },
    notes: "336=every 14 days, 168=every 7 days, ON=upon startup, OFF=none. 'ON ' has a trailing space.",
    words: { "336": "Every 14 days", "168": "Every 7 days", ON: "At start-up", OFF: "Off" },
    nut: ["ups.test.interval"],
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
    nut: ["ups.id"],
    ha: HA_TEXT,
    entry: "text",
  },
  {
    ...SETTING,
    id: "battery_replacement_date",
    label: "Battery Replacement Date",
    apcupsd: ["BATTDATE"],
    wire: once("x"),
    params: [
      {
        name: "date",
        type: "text",
        length: 8,
        // What a user may type: ISO, or the unit's own month-first form; the codec checks the date.
        pattern: "^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}/[0-9]{2}/[0-9]{2})$",
        description: "the date as YYYY-MM-DD (or the unit's mm/dd/yy), 1980 to 2079",
        format: "date",
      },
    ],
    replies: ["OK"],
    // Every real unit found reads and writes this month first (PROTOCOL-NOTES "Values").
    decode: decodeUpsDate,
    notes: "Set via Edit (-) then 8 characters mm/dd/yy (published as an ISO date). Not reset by z.",
    nut: ["battery.date"],
    ha: HA_TEXT,
    entry: "text",
  },
  {
    ...SETTING,
    id: "upper_transfer_voltage",
    ...NUMERIC,
    ha: haNumber("voltage"),
    label: "Upper Transfer Voltage",
    apcupsd: ["HITRANS"],
    wire: once("u"),
    unit: "Vac",
    values: {
      D: ["127", "130", "133", "136"],
      M: ["229", "240", "252", "264"],
      I: ["253", "264", "271", "280"],
      A: ["108", "110", "112", "114"],
    },
    notes: "Ring per utility voltage version.",
    nut: ["input.transfer.high"],
  },
  {
    ...SETTING,
    id: "lower_transfer_voltage",
    ...NUMERIC,
    ha: haNumber("voltage"),
    label: "Lower Transfer Voltage",
    apcupsd: ["LOTRANS"],
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
    nut: ["input.transfer.low"],
  },
  {
    ...SETTING,
    id: "min_battery_capacity_restart",
    ...NUMERIC,
    ha: haNumber("battery"),
    label: "Minimum Battery Capacity to Restart",
    apcupsd: ["RETPCT"],
    wire: once("e"),
    unit: "percent",
    lackedBy: ["matrix_ups"],
    values: { "4": ["00", "15", "50", "90"] },
    notes: "Percent of full capacity (00/10/25/90 on older models). Not valid on Matrix-UPS (returns NO).",
    nut: ["battery.charge.restart"],
  },
  {
    ...SETTING,
    id: "output_voltage_setting",
    ...NUMERIC,
    ha: haNumber("voltage"),
    label: "Output Voltage",
    apcupsd: ["NOMOUTV"],
    wire: once("o"),
    unit: "Vac",
    values: { D: ["115"], M: ["208"], I: ["225", "230", "240", "220"], A: ["100"] },
    notes: "Fixed on 100/120/208 Vac versions; configurable on 220-240 Vac.",
    nut: ["output.voltage.nominal"],
  },
  {
    ...SETTING,
    id: "utility_failure_sensitivity",
    label: "Utility Failure Sensitivity",
    apcupsd: ["SENSE"],
    wire: once("s"),
    // The ring repeats L (PROTOCOL-NOTES "Editing a setting"); A (auto) exists on Matrix-UPS only.
    values: { "4": ["H", "M", "L", "L"] },
    notes: "H/M/L on Smart-UPS (L repeated as 4th); A=auto-adjust on Matrix-UPS only.",
    words: { H: "High", M: "Medium", L: "Low", A: "Auto" },
    nut: ["input.sensitivity"],
  },
  {
    ...SETTING,
    id: "low_battery_warning",
    ...NUMERIC,
    ha: haNumber("duration"),
    label: "Low Battery Warning Interval",
    apcupsd: ["DLOWBATT"],
    wire: once("q"),
    unit: "minutes",
    values: { "4": ["02", "05", "07", "10"] },
    nut: ["battery.runtime.low"],
  },
  {
    ...SETTING,
    id: "audible_alarm",
    label: "Audible Alarm",
    apcupsd: ["ALARMDEL"],
    wire: once("k"),
    values: { "4": ["0", "T", "L", "N"] },
    notes: "0=immediate, T=delayed 30 s on utility fail, L=low-battery only, N=disabled.",
    words: { "0": "Immediate", T: "After 30 s", L: "Low battery only", N: "Disabled" },
    nut: ["battery.alarm.threshold"],
  },
  {
    ...SETTING,
    id: "shutdown_delay",
    ...NUMERIC,
    ha: haNumber("duration"),
    label: "Shutdown Delay",
    apcupsd: ["DSHUTD"],
    wire: once("p"),
    unit: "seconds",
    values: { "4": ["020", "180", "300", "600"] },
    nut: ["ups.delay.shutdown"],
  },
  {
    ...SETTING,
    id: "turn_on_delay",
    ...NUMERIC,
    ha: haNumber("duration"),
    label: "Turn On Delay",
    apcupsd: ["DWAKE"],
    wire: once("r"),
    unit: "seconds",
    values: { "4": ["000", "060", "180", "300"] },
    nut: ["ups.delay.start"],
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
    // A select, not a number: `NO` (never) is one of its values. Published as 2, 5, 8 or `NO`.
    decode: decodeSettingNumber,
    words: { NO: "Never", "2": "2 min", "5": "5 min", "8": "8 min" },
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
    // No ring to offer as a select: the count is set through `set/battery_pack_config`.
    ha: null,
    entry: "count",
  },
] as const satisfies readonly SettingShape[];

// ----- §4.2 Measure-UPS customizing commands -----
export const MEASURE_UPS_SETTINGS = [
  {
    ...SETTING,
    id: "upper_temp_alarm_limit",
    label: "Upper Temperature Alarm Limit",
    wire: once("["),
    // One value in the seed; one per side on real units (`55,50`, `NO,NO`).
    decode: decodeMeasureLimit,
    unit: "degC",
    needsMeasureUps: true,
    values: { "4": ["32.13", "45.90", "54.06", "23.97"] },
    nut: ["ambient.0.temperature.high"],
  },
  {
    ...SETTING,
    id: "lower_temp_alarm_limit",
    label: "Lower Temperature Alarm Limit",
    wire: once("]"),
    // One value in the seed; one per side on real units (`55,50`, `NO,NO`).
    decode: decodeMeasureLimit,
    unit: "degC",
    needsMeasureUps: true,
    values: { "4": ["04.08", "09.94", "14.02", "18.10"] },
    nut: ["ambient.0.temperature.low"],
  },
  {
    ...SETTING,
    id: "upper_rh_alarm_limit",
    label: "Upper Relative Humidity Alarm Limit",
    wire: once("{"),
    // One value in the seed; one per side on real units (`55,50`, `NO,NO`).
    decode: decodeMeasureLimit,
    unit: "percent_rh",
    needsMeasureUps: true,
    values: { "4": ["070.0", "080.0", "084.5", "090.1"] },
    nut: ["ambient.0.humidity.high"],
  },
  {
    ...SETTING,
    id: "lower_rh_alarm_limit",
    label: "Lower Relative Humidity Alarm Limit",
    wire: once("}"),
    // One value in the seed; one per side on real units (`55,50`, `NO,NO`).
    decode: decodeMeasureLimit,
    unit: "percent_rh",
    needsMeasureUps: true,
    values: { "4": ["010.0", "020.1", "030.2", "040.3"] },
    nut: ["ambient.0.humidity.low"],
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
    // No ring to offer as a select: the mask is set through `set/alarm_enable`.
    ha: null,
    entry: "hex",
  },
] as const satisfies readonly SettingShape[];

export type SettingId = (typeof UPS_SETTINGS)[number]["id"] | (typeof MEASURE_UPS_SETTINGS)[number]["id"];
export type ModifierId = (typeof MODIFIERS)[number]["id"];

/** Every setting, in the seed's order. */
export const SETTINGS = [...UPS_SETTINGS, ...MEASURE_UPS_SETTINGS];

export const SETTING_IDS: readonly SettingId[] = SETTINGS.map((row) => row.id);

/**
 * Settings by what they do to the unit, for code that acts on one in particular (the simulator's
 * physics and factory values): a misspelt id does not compile, and a renamed row is renamed here.
 */
export const SETTING_ROLE = {
  upperTransfer: "upper_transfer_voltage",
  lowerTransfer: "lower_transfer_voltage",
  turnOnDelay: "turn_on_delay",
  shutdownDelay: "shutdown_delay",
  lowBatteryWarning: "low_battery_warning",
  minRestartCapacity: "min_battery_capacity_restart",
  outputVoltage: "output_voltage_setting",
  upperTempAlarm: "upper_temp_alarm_limit",
  lowerTempAlarm: "lower_temp_alarm_limit",
  upperRhAlarm: "upper_rh_alarm_limit",
  lowerRhAlarm: "lower_rh_alarm_limit",
  alarmEnable: "alarm_enable",
  upsId: "ups_id",
  batteryReplacementDate: "battery_replacement_date",
} as const satisfies Readonly<Record<string, SettingId>>;

/** The setting whose opcode is this byte (`>` is a setting only on the 3G Smart-UPS XL). */
export function settingByByte(byte: number): (typeof SETTINGS)[number] | undefined {
  return SETTINGS.find((row) => row.wire.bytes[0] === byte);
}
