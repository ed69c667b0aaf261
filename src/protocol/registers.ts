// Bit maps of the UPS-Link hex registers, as data. `Q` and `8` use the seed's bit names (they are
// public state keys); the others are named from PROTOCOL-NOTES "Registers". Every bit id is unique
// across all registers because each becomes its own state key and binary sensor.
import { fail, formatHexByte, ok, parseHexByte } from "./decoders.js";
import type { DecodeResult, RegisterBit, RegisterMap, RegisterName } from "./types.js";

function bit(bitNumber: number, id: string, label: string, problem = false): RegisterBit {
  return { bit: bitNumber, id, label, problem };
}

/** The register maps keyed by register name. */
export const REGISTER_MAP: Readonly<Record<RegisterName, RegisterMap>> = {
  // Seed feedback `status_register_q`. `00` means the output is off; bit 3 also changes during a
  // self-test (G = S tells which).
  Q: {
    name: "Q",
    query: "ups_status_register",
    bits: [
      bit(7, "replace_battery_condition", "Replace battery", true),
      bit(6, "low_battery_condition", "Low battery", true),
      bit(5, "overloaded_output", "Overloaded output", true),
      bit(4, "on_battery_mode", "On battery"),
      bit(3, "on_line_mode", "On line"),
      bit(2, "smart_boost_mode", "SmartBoost"),
      bit(1, "smart_trim_mode", "SmartTrim"),
      bit(0, "run_time_calibration_running", "Run time calibration running"),
    ],
  },
  // Full only on Matrix-UPS; 3G Smart-UPS report bits 7 and 6.
  "~": {
    name: "~",
    query: "state_register",
    bits: [
      bit(7, "ready_to_power_on_command_or_line", "Ready to power the load on command or return of line"),
      bit(6, "ready_to_power_on_command", "Ready to power the load on command"),
      bit(5, "bypass_manual", "In bypass by manual control"),
      bit(4, "bypass_returning", "Returning from bypass"),
      bit(3, "bypass_by_command", "In bypass by UPS-Link or key command"),
      bit(2, "bypass_going_by_command", "Going to bypass by UPS-Link or key command"),
      bit(1, "bypass_internal_fault", "In bypass because of an internal fault", true),
      bit(0, "wake_up_startup_test", "Wake-up startup test"),
    ],
  },
  // Trip1: faults, changes announced by `?` / `=`.
  "'": {
    name: "'",
    query: "trip1_register",
    bits: [
      bit(7, "fault_bad_output_voltage", "Bad output voltage", true),
      bit(6, "fault_boost_trim_relay", "SmartBoost or SmartTrim relay fault", true),
      bit(5, "fault_bypass_no_batteries", "Told to leave bypass with no batteries (in bypass)", true),
      bit(4, "fault_dc_imbalance", "DC imbalance (in bypass)", true),
      bit(3, "fault_output_voltage_select", "Output voltage select failure (in bypass)", true),
      bit(2, "fault_bypass_supply", "Bypass supply failure", true),
      bit(1, "fault_isolation_unit_fan", "Isolation unit fan failure", true),
      bit(0, "fault_electronics_unit_fan", "Electronics unit fan failure (in bypass)", true),
    ],
  },
  // Seed feedback `trip_register_8`.
  "8": {
    name: "8",
    query: "trip_register",
    bits: [
      bit(7, "fault_internal_over_temperature", "Internal over-temperature", true),
      bit(6, "fault_bypass_relay_malfunction", "Bypass relay fault", true),
      bit(5, "fault_battery_charger_failure", "Battery charger failure", true),
      bit(4, "shutdown_via_S_command", "Shut down by S"),
      bit(3, "sleep_via_at_ddd_command", "Sleeping by @ddd"),
      bit(2, "fault_main_relay_malfunction", "Main relay fault (UPS off)", true),
      bit(1, "unable_to_transfer_on_battery_overload", "Could not go on battery because of overload", true),
      bit(0, "output_unpowered_low_battery_shutdown", "Output off after low-battery shutdown", true),
    ],
  },
  // Option switches; models without switches answer `00`. While any switch is on, edits answer NO.
  "7": {
    name: "7",
    query: "dip_switch_position",
    bits: [
      bit(3, "dip_switch_1_desensitized", "DIP switch 1: desensitized (wider input range)"),
      bit(2, "dip_switch_2_range_115_240", "DIP switch 2: output and transfer range 115/240"),
      bit(1, "dip_switch_3_alarm_delayed", "DIP switch 3: utility-fail alarm delayed 30 s"),
      bit(0, "dip_switch_4_low_battery_warning_5_min", "DIP switch 4: low-battery warning 5 min"),
    ],
  },
  // Measure-UPS: contact inputs (1 = closed) and its DIP switches (1 = normally closed).
  i: {
    name: "i",
    query: "dip_external_contact_status",
    bits: [
      bit(7, "contact_input_4_closed", "Contact input 4 closed"),
      bit(6, "contact_input_3_closed", "Contact input 3 closed"),
      bit(5, "contact_input_2_closed", "Contact input 2 closed"),
      bit(4, "contact_input_1_closed", "Contact input 1 closed"),
      bit(3, "contact_4_normally_closed", "Contact 4 normally closed"),
      bit(2, "contact_3_normally_closed", "Contact 3 normally closed"),
      bit(1, "contact_2_normally_closed", "Contact 2 normally closed"),
      bit(0, "contact_1_normally_closed", "Contact 1 normally closed"),
    ],
  },
  // Measure-UPS alarms; a contact alarm means the input disagrees with its DIP switch.
  J: {
    name: "J",
    query: "alarm_status",
    bits: [
      bit(7, "alarm_above_upper_temperature", "Above upper temperature limit", true),
      bit(6, "alarm_below_lower_temperature", "Below lower temperature limit", true),
      bit(5, "alarm_above_upper_humidity", "Above upper humidity limit", true),
      bit(4, "alarm_below_lower_humidity", "Below lower humidity limit", true),
      bit(3, "alarm_contact_4_abnormal", "Contact 4 abnormal", true),
      bit(2, "alarm_contact_3_abnormal", "Contact 3 abnormal", true),
      bit(1, "alarm_contact_2_abnormal", "Contact 2 abnormal", true),
      bit(0, "alarm_contact_1_abnormal", "Contact 1 abnormal", true),
    ],
  },
};

export const REGISTER_NAMES: readonly RegisterName[] = ["Q", "~", "'", "8", "7", "i", "J"];

/** The register maps in the order above. */
export const REGISTERS: readonly RegisterMap[] = REGISTER_NAMES.map((name) => REGISTER_MAP[name]);

/** Every bit of every register, with the register it belongs to. */
export const ALL_REGISTER_BITS: readonly (RegisterBit & { readonly register: RegisterName })[] =
  REGISTER_NAMES.flatMap((name) => REGISTER_MAP[name].bits.map((b) => ({ ...b, register: name })));

/** The bits of a register byte as `{ bitId: boolean }` (only the bits the map names). */
export function registerBits(name: RegisterName, byte: number): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const b of REGISTER_MAP[name].bits) out[b.id] = (byte & (1 << b.bit)) !== 0;
  return out;
}

/** Decodes a register reply (`08`) into `{ bitId: boolean }`. Never throws. */
export function decodeRegister(name: RegisterName, hexText: string): DecodeResult {
  const byte = parseHexByte(hexText);
  if (byte === null) return fail(`register ${name}: expected two hex digits`);
  return ok(registerBits(name, byte));
}

/** Whether bit `n` is set in a normalized hex register value (`08`); null when unreadable. */
export function hexBit(hex: string, n: number): boolean | null {
  const byte = parseHexByte(hex);
  return byte === null ? null : (byte & (1 << n)) !== 0;
}

export { formatHexByte, parseHexByte };
