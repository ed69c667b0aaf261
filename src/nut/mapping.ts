// The NUT column of the catalogue: which NUT variable and instant command each catalogue row is,
// under the names, units and text forms NUT's `apcsmart` driver publishes for the same unit
// (NUT drivers/apcsmart_tabs.c, seeds/002), keyed by the catalogue's ids. Pure data and pure
// formatting; the server reads the live values through it.
//
// Forms: apcsmart passes most replies through as the unit sends them (`023.0`, `024`, `020`), turns
// minutes and hours into seconds, the transfer cause into words, and keeps the raw codes of `X` and
// `9`. The bridge stores decoded values, so each row says how to write its value back in that form.
import type { ActionId, BitId, QueryId, SettingId } from "../protocol/catalogue/index.js";
import { TRANSFER_CAUSE_CODES } from "../protocol/decoders.js";
import { formatUpsDate } from "../protocol/identity.js";
import type { Value } from "../protocol/types.js";

export type NutForm =
  /** A number written as the seed's fixed-width reply (`ddd.d` → `023.0`). */
  | { readonly kind: "fixed"; readonly int: number; readonly dec: number }
  /** Text as stored (setting values, identity text). */
  | { readonly kind: "text" }
  /**
   * A numeric setting, published as a number (`20`), back in the ring's fixed width (`020`), as
   * apcsmart passes the unit's reply through; a ring word that is no number (`NO`) as it is.
   */
  | { readonly kind: "setting"; readonly int: number; readonly dec: number }
  /** Minutes (a number, or a setting's `02`) as whole seconds: NUT's standard unit of time. */
  | { readonly kind: "minutes" }
  /** Hours as seconds; a value that is no number (`ON`, `OFF`) reads as 0, as in apcsmart. */
  | { readonly kind: "hours" }
  /** An enum value of ours back to the code or words NUT shows. */
  | { readonly kind: "words"; readonly words: Readonly<Record<string, string>> }
  /** An ISO date back to the unit's mm/dd/yy. */
  | { readonly kind: "date" };

export interface NutVariableRow {
  /** NUT's variable name. */
  readonly nut: string;
  /** The catalogue id whose value (state key) it shows. */
  readonly source: QueryId | SettingId;
  readonly form: NutForm;
  /** NUT's description (`GET DESC`, upsrw). */
  readonly desc: string;
  /**
   * Used only when the value matches: NUT's preference between two sources of one name (`b`
   * only in its SKU.firmware.locale form, else `V`).
   */
  readonly accept?: RegExp;
}

/** apcsmart's words for `G` (its APC_F_REASON conversion). */
const TRANSFER_REASON_WORDS: Readonly<Record<string, string>> = {
  [TRANSFER_CAUSE_CODES.R]: "unacceptable utility voltage rate of change",
  [TRANSFER_CAUSE_CODES.H]: "high utility voltage",
  [TRANSFER_CAUSE_CODES.L]: "low utility voltage",
  [TRANSFER_CAUSE_CODES.T]: "line voltage notch or spike",
  [TRANSFER_CAUSE_CODES.O]: "no transfers yet since turnon",
  [TRANSFER_CAUSE_CODES.S]: "simulated power failure or UPS test",
};

/** `X` and `9` as the unit sends them: apcsmart publishes the raw code. */
const TEST_RESULT_CODES: Readonly<Record<string, string>> = {
  ok: "OK",
  failed: "BT",
  invalid_overload: "NG",
  no_result: "NO",
};
const LINE_QUALITY_CODES: Readonly<Record<string, string>> = { acceptable: "FF", unacceptable: "00" };

const FIXED = {
  "ddd.d": { kind: "fixed", int: 3, dec: 1 },
  "dd.dd": { kind: "fixed", int: 2, dec: 2 },
  ddd: { kind: "fixed", int: 3, dec: 0 },
} as const satisfies Record<string, NutForm>;
const TEXT = { kind: "text" } as const satisfies NutForm;
/** The ring widths of the numeric settings (seed: `020`, `00`, `32.13`, `070.0`). */
const RING = {
  ddd: { kind: "setting", int: 3, dec: 0 },
  dd: { kind: "setting", int: 2, dec: 0 },
  "dd.dd": { kind: "setting", int: 2, dec: 2 },
  "ddd.d": { kind: "setting", int: 3, dec: 1 },
} as const satisfies Record<string, NutForm>;

/** Every variable apcsmart maps, in its table's order (NUT drivers/apcsmart_tabs.c, apc_vartab). */
export const NUT_VARIABLES: readonly NutVariableRow[] = [
  {
    nut: "ups.temperature",
    source: "ups_internal_temperature",
    form: FIXED["ddd.d"],
    desc: "UPS temperature (degrees C)",
  },
  { nut: "ups.load", source: "load_power", form: FIXED["ddd.d"], desc: "Load on UPS (percent of full)" },
  {
    nut: "ups.test.interval",
    source: "auto_battery_test_setting",
    form: { kind: "hours" },
    desc: "Interval between self tests (seconds)",
  },
  {
    nut: "ups.test.result",
    source: "battery_test_result",
    form: { kind: "words", words: TEST_RESULT_CODES },
    desc: "Results of last self test",
  },
  {
    nut: "ups.delay.start",
    source: "turn_on_delay",
    form: RING.ddd,
    desc: "Interval to wait before (re)starting the load (seconds)",
  },
  {
    nut: "ups.delay.shutdown",
    source: "shutdown_delay",
    form: RING.ddd,
    desc: "Interval to wait after shutdown with delay command (seconds)",
  },
  { nut: "ups.id", source: "ups_id", form: TEXT, desc: "UPS system identifier" },
  {
    nut: "ups.contacts",
    source: "dip_external_contact_status",
    form: TEXT,
    desc: "UPS external contact sensors",
  },
  {
    nut: "ups.display.language",
    source: "front_panel_language",
    form: TEXT,
    desc: "Language to use on front panel",
  },
  { nut: "input.voltage", source: "line_voltage", form: FIXED["ddd.d"], desc: "Input voltage (V)" },
  {
    nut: "input.frequency",
    source: "operating_frequency",
    form: FIXED["dd.dd"],
    desc: "Input line frequency (Hz)",
  },
  {
    nut: "input.sensitivity",
    source: "utility_failure_sensitivity",
    form: TEXT,
    desc: "Input power sensitivity",
  },
  {
    nut: "input.quality",
    source: "acceptable_line_quality",
    form: { kind: "words", words: LINE_QUALITY_CODES },
    desc: "Input power quality",
  },
  {
    nut: "input.transfer.low",
    source: "lower_transfer_voltage",
    form: RING.ddd,
    desc: "Low voltage transfer point (V)",
  },
  {
    nut: "input.transfer.high",
    source: "upper_transfer_voltage",
    form: RING.ddd,
    desc: "High voltage transfer point (V)",
  },
  {
    nut: "input.transfer.reason",
    source: "transfer_cause",
    form: { kind: "words", words: TRANSFER_REASON_WORDS },
    desc: "Reason for last transfer to battery",
  },
  {
    nut: "input.voltage.maximum",
    source: "max_line_voltage",
    form: FIXED["ddd.d"],
    desc: "Maximum incoming voltage seen (V)",
  },
  {
    nut: "input.voltage.minimum",
    source: "min_line_voltage",
    form: FIXED["ddd.d"],
    desc: "Minimum incoming voltage seen (V)",
  },
  { nut: "output.current", source: "load_current", form: FIXED["dd.dd"], desc: "Output current (A)" },
  { nut: "output.voltage", source: "output_voltage", form: FIXED["ddd.d"], desc: "Output voltage (V)" },
  {
    nut: "output.voltage.nominal",
    source: "output_voltage_setting",
    form: RING.ddd,
    desc: "Nominal output voltage (V)",
  },
  { nut: "ambient.humidity", source: "humidity", form: FIXED["ddd.d"], desc: "Ambient humidity (percent)" },
  // apcsmart reads `{ } [ ]` as packed lists and numbers each item from 1 (its apc_dstate_setinfo).
  {
    nut: "ambient.1.humidity.high",
    source: "upper_rh_alarm_limit",
    form: RING["ddd.d"],
    desc: "Ambient humidity threshold high (percent)",
  },
  {
    nut: "ambient.1.humidity.low",
    source: "lower_rh_alarm_limit",
    form: RING["ddd.d"],
    desc: "Ambient humidity threshold low (percent)",
  },
  {
    nut: "ambient.temperature",
    source: "ambient_temperature",
    form: FIXED["dd.dd"],
    desc: "Ambient temperature (degrees C)",
  },
  {
    nut: "ambient.1.temperature.high",
    source: "upper_temp_alarm_limit",
    form: RING["dd.dd"],
    desc: "Temperature threshold high (degrees C)",
  },
  {
    nut: "ambient.1.temperature.low",
    source: "lower_temp_alarm_limit",
    form: RING["dd.dd"],
    desc: "Temperature threshold low (degrees C)",
  },
  {
    nut: "battery.date",
    source: "battery_replacement_date",
    form: { kind: "date" },
    desc: "Battery change date",
  },
  {
    nut: "battery.charge",
    source: "battery_capacity",
    form: FIXED["ddd.d"],
    desc: "Battery charge (percent of full)",
  },
  {
    nut: "battery.charge.restart",
    source: "min_battery_capacity_restart",
    form: RING.dd,
    desc: "Minimum battery level for restart after power off (percent)",
  },
  { nut: "battery.voltage", source: "battery_voltage", form: FIXED["dd.dd"], desc: "Battery voltage (V)" },
  {
    nut: "battery.voltage.nominal",
    source: "nominal_battery_voltage",
    form: FIXED.ddd,
    desc: "Nominal battery voltage (V)",
  },
  {
    nut: "battery.runtime",
    source: "run_time_remaining",
    form: { kind: "minutes" },
    desc: "Battery runtime (seconds)",
  },
  {
    nut: "battery.runtime.low",
    source: "low_battery_warning",
    form: { kind: "minutes" },
    desc: "Remaining battery runtime when UPS switches to LB (seconds)",
  },
  { nut: "battery.packs", source: "num_battery_packs", form: FIXED.ddd, desc: "Number of battery packs" },
  {
    nut: "battery.packs.bad",
    source: "num_bad_battery_packs",
    form: FIXED.ddd,
    desc: "Number of bad battery packs",
  },
  { nut: "battery.alarm.threshold", source: "audible_alarm", form: TEXT, desc: "Battery alarm threshold" },
  { nut: "ups.serial", source: "ups_serial_number", form: TEXT, desc: "UPS serial number" },
  {
    nut: "ups.mfr.date",
    source: "ups_manufacture_date",
    form: { kind: "date" },
    desc: "UPS manufacturing date",
  },
  { nut: "ups.model", source: "ups_model_name", form: TEXT, desc: "UPS model" },
  { nut: "ups.firmware.aux", source: "measureups_firmware", form: TEXT, desc: "Auxiliary device firmware" },
  {
    nut: "ups.firmware",
    source: "version_in_decimal",
    form: TEXT,
    desc: "UPS firmware",
    accept: /^[A-Za-z0-9]+\.[A-Za-z0-9]+\.[A-Za-z0-9]+$/,
  },
  { nut: "ups.firmware", source: "firmware_version", form: TEXT, desc: "UPS firmware" },
];

/** Descriptions of the variables the server makes itself (status, identity mirrors, driver). */
export const DERIVED_DESCRIPTIONS: Readonly<Record<string, string>> = {
  "ups.status": "UPS status",
  "ups.realpower": "Current value of real power (W)",
  "ups.realpower.nominal": "Nominal value of real power (W)",
  "ups.mfr": "UPS manufacturer",
  "device.mfr": "Description unavailable",
  "device.model": "Description unavailable",
  "device.serial": "Description unavailable",
  "device.type": "Description unavailable",
  "driver.name": "Driver name",
  "driver.version": "Driver version - NUT release",
  "driver.parameter.pollinterval": "Description unavailable",
  "driver.parameter.port": "Description unavailable",
};

/**
 * `ups.status` words from the status register's bits, in apcsmart's order (its ups_status_set), and
 * BYPASS from the state register (`~`), which apcsmart does not read.
 */
export const STATUS_WORDS: readonly { readonly key: BitId; readonly word: string }[] = [
  { key: "run_time_calibration_running", word: "CAL" },
  { key: "smart_trim_mode", word: "TRIM" },
  { key: "smart_boost_mode", word: "BOOST" },
  { key: "on_line_mode", word: "OL" },
  { key: "on_battery_mode", word: "OB" },
  { key: "overloaded_output", word: "OVER" },
  { key: "low_battery_condition", word: "LB" },
  { key: "replace_battery_condition", word: "RB" },
  { key: "bypass_manual", word: "BYPASS" },
  { key: "bypass_by_command", word: "BYPASS" },
  { key: "bypass_internal_fault", word: "BYPASS" },
];

export interface NutCommandRow {
  /** NUT's instant command name. */
  readonly nut: string;
  /** The catalogue action id it runs, or the bridge's composite `shutdown_return`. */
  readonly action: ActionId | "shutdown_return";
  readonly desc: string;
  /**
   * For toggles (`D`, `^`): the state bit that says the command has nothing to do, as apcsmart's
   * do_cal checks before sending `D`. The command then answers OK and sends nothing.
   */
  readonly doneWhen?: { readonly keys: readonly BitId[]; readonly value: boolean };
}

/**
 * Instant commands, NUT's names (apcsmart's apc_cmdtab, plus `shutdown.stop` for DEL, a NUT
 * standard name apcsmart does not map). `test.battery.stop` is not offered: `W` starts a self-test
 * and a Smart-UPS refuses it while one runs (seed: battery_test).
 */
export const NUT_COMMANDS: readonly NutCommandRow[] = [
  { nut: "test.panel.start", action: "test_lights_beeper", desc: "Start testing the UPS panel" },
  { nut: "test.battery.start", action: "battery_test", desc: "Start a battery test" },
  { nut: "test.failure.start", action: "simulate_power_failure", desc: "Start a simulated power failure" },
  {
    nut: "calibrate.start",
    action: "run_time_calibration",
    desc: "Start run time calibration",
    doneWhen: { keys: ["run_time_calibration_running"], value: true },
  },
  {
    nut: "calibrate.stop",
    action: "run_time_calibration",
    desc: "Stop run time calibration",
    doneWhen: { keys: ["run_time_calibration_running"], value: false },
  },
  {
    nut: "bypass.start",
    action: "ups_to_bypass_toggle",
    desc: "Put the UPS in bypass mode",
    doneWhen: { keys: ["bypass_manual", "bypass_by_command", "bypass_internal_fault"], value: true },
  },
  {
    nut: "bypass.stop",
    action: "ups_to_bypass_toggle",
    desc: "Take the UPS out of bypass mode",
    doneWhen: { keys: ["bypass_manual", "bypass_by_command", "bypass_internal_fault"], value: false },
  },
  {
    nut: "shutdown.return",
    action: "shutdown_return",
    desc: "Turn off the load and return when power is back",
  },
  { nut: "shutdown.stayoff", action: "turn_off_after_delay", desc: "Turn off the load and remain off" },
  { nut: "shutdown.stop", action: "abort_shutdown", desc: "Stop a shutdown in progress" },
  { nut: "load.off", action: "turn_off_immediate", desc: "Turn off the load immediately" },
  { nut: "load.on", action: "turn_ups_on", desc: "Turn on the load immediately" },
];

/**
 * `shutdown.return at:<n>`: apcsmart's hard hibernate with n × 6 minutes of extra wake delay, which
 * is `@` with n tenths of an hour.
 */
export const SHUTDOWN_RETURN_AT = /^[Aa][Tt]:(\d{1,3})$/;

/** Writes a stored value in the row's NUT form; null when there is nothing to show. */
export function formatNut(form: NutForm, value: Value | undefined): string | null {
  if (value === null || value === undefined) return null;
  switch (form.kind) {
    case "fixed": {
      const n = typeof value === "number" ? value : Number(value);
      if (!Number.isFinite(n)) return null;
      return fixed(n, form.int, form.dec);
    }
    case "text":
      return typeof value === "string" || typeof value === "number" ? String(value) : null;
    case "setting":
      if (typeof value === "number") return Number.isFinite(value) ? fixed(value, form.int, form.dec) : null;
      return typeof value === "string" ? value : null;
    case "minutes": {
      const n = leadingInteger(value);
      return n === null ? null : String(n * 60);
    }
    case "hours": {
      const n = leadingInteger(value);
      return String((n ?? 0) * 3600);
    }
    case "words":
      return typeof value === "string" ? (form.words[value] ?? value) : null;
    case "date": {
      if (typeof value !== "string") return null;
      // The unit's own month-first form, as apcsmart shows it (issue 13).
      return formatUpsDate(value) ?? value;
    }
  }
}

/** `n` zero-padded to `int` integer digits with `dec` decimals, as the unit writes it (`-05.2` too). */
function fixed(n: number, int: number, dec: number): string {
  const text = Math.abs(n).toFixed(dec);
  const [whole = "", fraction] = text.split(".");
  const padded = `${whole.padStart(int, "0")}${fraction === undefined ? "" : `.${fraction}`}`;
  return n < 0 ? `-${padded}` : padded;
}

/** The integer a value starts with (`02` → 2, 4 → 4), like C's strtol; null when there is none. */
function leadingInteger(value: Value): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : null;
  if (typeof value !== "string") return null;
  const match = /^\s*([+-]?\d+)/.exec(value);
  return match?.[1] === undefined ? null : Number.parseInt(match[1], 10);
}
