// The seed's 16 feedbacks (states read from query replies) and the one state the bridge derives
// itself. `src/protocol/feedbacks.ts` computes them; their rows say where from and how they show.
import { TRANSFER_CAUSE_CODES } from "../decoders.js";
import type { QueryId } from "./queries.js";
import type { BitId } from "./registers.js";
import { type DerivedRow, type FeedbackShape, HA_DIAGNOSTIC, type HaEntity, haSensor } from "./rows.js";

const enumSensor = (enabled: boolean): HaEntity => haSensor("enum", { enabled });
const primary = (deviceClass: string | null): HaEntity => haSensor(deviceClass, { enabled: true });

const FEEDBACK = { values: null, unit: null, register: null, derive: null, notes: "" } as const;

export const FEEDBACKS = [
  {
    ...FEEDBACK,
    id: "power_state",
    type: "enum",
    values: ["on_line", "on_battery", "bypass", "sleep", "off"],
    sourceQuery: "ups_status_register",
    // `Q` alone cannot tell bypass or sleep: `~` and `8` weigh in (feedbacks.ts).
    derive: "registers",
    ha: enumSensor(true),
  },
  {
    ...FEEDBACK,
    id: "battery_test_state",
    type: "enum",
    values: ["ok", "failed", "invalid_overload", "no_result"],
    sourceQuery: "battery_test_result",
    ha: enumSensor(true),
  },
  {
    ...FEEDBACK,
    id: "transfer_cause_state",
    type: "enum",
    values: ["rate_of_change", "high_line", "low_line", "notch_spike", "none", "command_test"],
    sourceQuery: "transfer_cause",
    ha: enumSensor(true),
  },
  {
    ...FEEDBACK,
    id: "line_quality_state",
    type: "enum",
    values: ["acceptable", "unacceptable"],
    sourceQuery: "acceptable_line_quality",
    ha: enumSensor(true),
  },
  {
    ...FEEDBACK,
    id: "battery_capacity_percent",
    type: "number",
    unit: "percent",
    sourceQuery: "battery_capacity",
    // Battery charge is the battery device class; other percentages have none.
    ha: primary("battery"),
  },
  {
    ...FEEDBACK,
    id: "run_time_remaining_minutes",
    type: "number",
    unit: "minutes",
    sourceQuery: "run_time_remaining",
    notes: "`null` when the UPS answers `>>>>:` (unknown, never 0)",
    ha: primary("duration"),
  },
  {
    ...FEEDBACK,
    id: "line_voltage_vac",
    type: "number",
    unit: "Vac",
    sourceQuery: "line_voltage",
    ha: primary("voltage"),
  },
  {
    ...FEEDBACK,
    id: "output_voltage_vac",
    type: "number",
    unit: "Vac",
    sourceQuery: "output_voltage",
    ha: primary("voltage"),
  },
  {
    ...FEEDBACK,
    id: "battery_voltage_vdc",
    type: "number",
    unit: "Vdc",
    sourceQuery: "battery_voltage",
    ha: primary("voltage"),
  },
  {
    ...FEEDBACK,
    id: "internal_temperature_c",
    type: "number",
    unit: "degC",
    sourceQuery: "ups_internal_temperature",
    ha: primary("temperature"),
  },
  {
    ...FEEDBACK,
    id: "load_power_percent",
    type: "number",
    unit: "percent",
    sourceQuery: "load_power",
    ha: primary(null),
  },
  {
    ...FEEDBACK,
    id: "status_register_q",
    type: "hex_byte",
    sourceQuery: "ups_status_register",
    register: "Q",
    ha: HA_DIAGNOSTIC,
  },
  {
    ...FEEDBACK,
    id: "trip_register_8",
    type: "hex_byte",
    sourceQuery: "trip_register",
    register: "8",
    ha: HA_DIAGNOSTIC,
  },
  {
    ...FEEDBACK,
    id: "trip1_register",
    type: "hex_byte",
    sourceQuery: "trip1_register",
    register: "'",
    ha: HA_DIAGNOSTIC,
  },
  {
    ...FEEDBACK,
    id: "state_register",
    type: "hex_byte",
    sourceQuery: "state_register",
    register: "~",
    ha: HA_DIAGNOSTIC,
  },
  {
    ...FEEDBACK,
    id: "dip_switch_register",
    type: "hex_byte",
    sourceQuery: "dip_switch_position",
    register: "7",
    ha: HA_DIAGNOSTIC,
  },
] as const satisfies readonly FeedbackShape[];

export type FeedbackId = (typeof FEEDBACKS)[number]["id"];

/** The feedback that weighs the registers into one word (on_line, on_battery, bypass, sleep, off). */
export const POWER_STATE = "power_state" as const satisfies FeedbackId;

/**
 * The keys `shutdown_recommended` weighs (NUT's `ups.status` OB and LB, `battery.charge`,
 * `battery.runtime`; seeds/002 "ignorelb"). A reading is taken from its feedback, else from the query
 * the feedback comes from.
 */
export interface ShutdownInputs {
  readonly onBattery: BitId;
  readonly lowBattery: BitId;
  readonly charge: readonly (FeedbackId | QueryId)[];
  readonly runtime: readonly (FeedbackId | QueryId)[];
  /** The transfer cause, and its value when the bridge's own test caused the transfer. */
  readonly transferCause: FeedbackId;
  /** The query that reads it (`G`): a reading counts only for a transfer begun before the read. */
  readonly transferCauseQuery: QueryId;
  readonly testCause: string;
}

export const SHUTDOWN_INPUTS = {
  onBattery: "on_battery_mode",
  lowBattery: "low_battery_condition",
  charge: ["battery_capacity_percent", "battery_capacity"],
  runtime: ["run_time_remaining_minutes", "run_time_remaining"],
  transferCause: "transfer_cause_state",
  transferCauseQuery: "transfer_cause",
  testCause: TRANSFER_CAUSE_CODES.S,
} as const satisfies ShutdownInputs;

type DerivedRowShape = DerivedRow & { readonly inputs: ShutdownInputs };

export const DERIVED = [
  {
    id: "shutdown_recommended",
    label: "Shutdown recommended",
    description:
      "`true` when the UPS signals low battery on battery, or the configured shutdown_policy thresholds are crossed",
    inputs: SHUTDOWN_INPUTS,
    ha: { platform: "binary_sensor", deviceClass: "problem", category: null, enabledByDefault: true },
  },
] as const satisfies readonly DerivedRowShape[];

/** The derived key that says hosts on the UPS should shut down now (the shutdown orchestration's trigger). */
export const SHUTDOWN_RECOMMENDED = DERIVED[0].id;
