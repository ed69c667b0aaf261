// Bit maps of the UPS-Link hex registers, as data. `Q` and `8` use the seed's bit names (they are
// public state keys); the others are named from PROTOCOL-NOTES "Registers". Every bit id is unique
// across all registers because each becomes its own state key and binary sensor.
import type { RegisterName } from "../types.js";
import type { HaCategory, HaEntity, RegisterMap, RegisterMapShape } from "./rows.js";

interface BitOptions {
  /** The bit reports a fault or a condition that needs attention (a `problem` binary sensor). */
  readonly problem?: boolean;
  /** A fault users must see (a trip register bit): a problem, enabled by default, in "Fault". */
  readonly fault?: boolean;
  /** Another device class than `problem`/none (Home Assistant shows `battery` as "low"). */
  readonly deviceClass?: string | null;
  readonly enabled?: boolean;
  readonly category?: HaCategory;
  /** NUT's `ups.status` word while the bit is set. */
  readonly nut?: string;
}

function bit<const Id extends string>(bitNumber: number, id: Id, label: string, options: BitOptions = {}) {
  const fault = options.fault ?? false;
  const problem = fault || (options.problem ?? false);
  const ha: HaEntity = {
    platform: "binary_sensor",
    deviceClass: options.deviceClass !== undefined ? options.deviceClass : problem ? "problem" : null,
    category: options.category ?? null,
    enabledByDefault: options.enabled ?? fault,
  };
  return { bit: bitNumber, id, label, problem, fault, ha, nut: options.nut ?? null };
}

// `nut`: NUT's `ups.status` words, from `Q` as apcsmart's ups_status_set writes them, and BYPASS from
// `~`, which apcsmart does not read.

// Option switches and Measure-UPS wiring: configuration facts, for troubleshooting.
const DIAGNOSTIC = { category: "diagnostic" } as const;

/** The register maps keyed by register name. */
export const REGISTER_MAP = {
  // Seed feedback `status_register_q`. `00` means the output is off; bit 3 also changes during a
  // self-test (G = S tells which).
  Q: {
    name: "Q",
    query: "ups_status_register",
    bits: [
      bit(7, "replace_battery_condition", "Replace battery", { problem: true, enabled: true, nut: "RB" }),
      bit(6, "low_battery_condition", "Low battery", {
        problem: true,
        deviceClass: "battery",
        enabled: true,
        nut: "LB",
      }),
      bit(5, "overloaded_output", "Overloaded output", { problem: true, enabled: true, nut: "OVER" }),
      bit(4, "on_battery_mode", "On battery", { enabled: true, nut: "OB" }),
      bit(3, "on_line_mode", "On line", { deviceClass: "power", nut: "OL" }),
      // Enabled: NUT users see BOOST and TRIM in their status (issue 14).
      bit(2, "smart_boost_mode", "SmartBoost", { enabled: true, nut: "BOOST" }),
      bit(1, "smart_trim_mode", "SmartTrim", { enabled: true, nut: "TRIM" }),
      bit(0, "run_time_calibration_running", "Run time calibration running", {
        deviceClass: "running",
        nut: "CAL",
      }),
    ],
  },
  // Full only on Matrix-UPS; 3G Smart-UPS report bits 7 and 6.
  "~": {
    name: "~",
    query: "state_register",
    bits: [
      bit(7, "ready_to_power_on_command_or_line", "Ready to power the load on command or return of line"),
      bit(6, "ready_to_power_on_command", "Ready to power the load on command"),
      bit(5, "bypass_manual", "In bypass by manual control", { nut: "BYPASS" }),
      bit(4, "bypass_returning", "Returning from bypass"),
      bit(3, "bypass_by_command", "In bypass by UPS-Link or key command", { nut: "BYPASS" }),
      bit(2, "bypass_going_by_command", "Going to bypass by UPS-Link or key command"),
      bit(1, "bypass_internal_fault", "In bypass because of an internal fault", {
        problem: true,
        nut: "BYPASS",
      }),
      bit(0, "wake_up_startup_test", "Wake-up startup test"),
    ],
  },
  // Trip1: faults, changes announced by `?` / `=`.
  "'": {
    name: "'",
    query: "trip1_register",
    bits: [
      bit(7, "fault_bad_output_voltage", "Bad output voltage", { fault: true }),
      bit(6, "fault_boost_trim_relay", "SmartBoost or SmartTrim relay fault", { fault: true }),
      bit(5, "fault_bypass_no_batteries", "Told to leave bypass with no batteries (in bypass)", {
        fault: true,
      }),
      bit(4, "fault_dc_imbalance", "DC imbalance (in bypass)", { fault: true }),
      bit(3, "fault_output_voltage_select", "Output voltage select failure (in bypass)", { fault: true }),
      bit(2, "fault_bypass_supply", "Bypass supply failure", { fault: true }),
      bit(1, "fault_isolation_unit_fan", "Isolation unit fan failure", { fault: true }),
      bit(0, "fault_electronics_unit_fan", "Electronics unit fan failure (in bypass)", { fault: true }),
    ],
  },
  // Seed feedback `trip_register_8`.
  "8": {
    name: "8",
    query: "trip_register",
    bits: [
      bit(7, "fault_internal_over_temperature", "Internal over-temperature", { fault: true }),
      bit(6, "fault_bypass_relay_malfunction", "Bypass relay fault", { fault: true }),
      bit(5, "fault_battery_charger_failure", "Battery charger failure", { fault: true }),
      bit(4, "shutdown_via_S_command", "Shut down by S"),
      bit(3, "sleep_via_at_ddd_command", "Sleeping by @ddd"),
      bit(2, "fault_main_relay_malfunction", "Main relay fault (UPS off)", { fault: true }),
      bit(1, "unable_to_transfer_on_battery_overload", "Could not go on battery because of overload", {
        fault: true,
      }),
      // A consequence of a low-battery shutdown, not a fault of the UPS: not in "Fault".
      bit(0, "output_unpowered_low_battery_shutdown", "Output off after low-battery shutdown", {
        problem: true,
      }),
    ],
  },
  // Option switches; models without switches answer `00`. While any switch is on, edits answer NO.
  "7": {
    name: "7",
    query: "dip_switch_position",
    bits: [
      bit(3, "dip_switch_1_desensitized", "DIP switch 1: desensitized (wider input range)", DIAGNOSTIC),
      bit(2, "dip_switch_2_range_115_240", "DIP switch 2: output and transfer range 115/240", DIAGNOSTIC),
      bit(1, "dip_switch_3_alarm_delayed", "DIP switch 3: utility-fail alarm delayed 30 s", DIAGNOSTIC),
      bit(0, "dip_switch_4_low_battery_warning_5_min", "DIP switch 4: low-battery warning 5 min", DIAGNOSTIC),
    ],
  },
  // Measure-UPS: contact inputs (1 = closed) and its DIP switches (1 = normally closed).
  i: {
    name: "i",
    query: "dip_external_contact_status",
    bits: [
      bit(7, "contact_input_4_closed", "Contact input 4 closed", DIAGNOSTIC),
      bit(6, "contact_input_3_closed", "Contact input 3 closed", DIAGNOSTIC),
      bit(5, "contact_input_2_closed", "Contact input 2 closed", DIAGNOSTIC),
      bit(4, "contact_input_1_closed", "Contact input 1 closed", DIAGNOSTIC),
      bit(3, "contact_4_normally_closed", "Contact 4 normally closed", DIAGNOSTIC),
      bit(2, "contact_3_normally_closed", "Contact 3 normally closed", DIAGNOSTIC),
      bit(1, "contact_2_normally_closed", "Contact 2 normally closed", DIAGNOSTIC),
      bit(0, "contact_1_normally_closed", "Contact 1 normally closed", DIAGNOSTIC),
    ],
  },
  // Measure-UPS alarms; a contact alarm means the input disagrees with its DIP switch.
  J: {
    name: "J",
    query: "alarm_status",
    bits: [
      bit(7, "alarm_above_upper_temperature", "Above upper temperature limit", { problem: true }),
      bit(6, "alarm_below_lower_temperature", "Below lower temperature limit", { problem: true }),
      bit(5, "alarm_above_upper_humidity", "Above upper humidity limit", { problem: true }),
      bit(4, "alarm_below_lower_humidity", "Below lower humidity limit", { problem: true }),
      bit(3, "alarm_contact_4_abnormal", "Contact 4 abnormal", { problem: true }),
      bit(2, "alarm_contact_3_abnormal", "Contact 3 abnormal", { problem: true }),
      bit(1, "alarm_contact_2_abnormal", "Contact 2 abnormal", { problem: true }),
      bit(0, "alarm_contact_1_abnormal", "Contact 1 abnormal", { problem: true }),
    ],
  },
} as const satisfies Readonly<Record<RegisterName, RegisterMapShape>>;

/** Every register bit id: each is a binary state key. */
export type BitId = (typeof REGISTER_MAP)[RegisterName]["bits"][number]["id"];

export const REGISTER_NAMES: readonly RegisterName[] = ["Q", "~", "'", "8", "7", "i", "J"];

/** The register maps in the order above. */
export const REGISTERS: readonly RegisterMap[] = REGISTER_NAMES.map((name) => REGISTER_MAP[name]);

/** Every bit of every register, with the register it belongs to. */
export const ALL_REGISTER_BITS: readonly (RegisterMap["bits"][number] & {
  readonly register: RegisterName;
})[] = REGISTERS.flatMap((map) => map.bits.map((b) => ({ ...b, register: map.name })));

/**
 * The `Q` bits that say where the load is powered from, for the layers that follow transfers (the
 * model's transfer tracking, the NIS server's counters).
 */
export const POWER_SOURCE_BITS = {
  onLine: "on_line_mode",
  onBattery: "on_battery_mode",
} as const satisfies Readonly<Record<string, BitId>>;
