// The seed's actions (§3.1 control commands and `z` of §3.4), in the seed's order, with what each
// does to the line, what to re-read after it, what its refusals mean, and the shutdown methods
// (NUT's `sdtype`/`advorder`, seeds/002) built from them.
import type { HaEntity } from "./rows.js";
import { type ActionShape, NOT_MATRIX_ONLY, once, twice } from "./rows.js";

const HA_BUTTON: HaEntity = {
  platform: "button",
  deviceClass: null,
  category: "config",
  enabledByDefault: true,
};

/** The most dangerous buttons: discovered when allowed, but the user enables them in Home Assistant. */
const HA_BUTTON_HIDDEN: HaEntity = { ...HA_BUTTON, enabledByDefault: false };

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
  nut: [],
  apcupsd: [],
  ha: HA_BUTTON,
  effect: "none",
  reread: [],
  rereadTier: null,
  rereadLater: null,
  refusal: null,
  interlock: null,
  toggles: null,
} as const;

// What a transfer the bridge commanded changes (PROTOCOL-NOTES "Commands").
const TRANSFER_REREAD = ["ups_status_register", "transfer_cause"] as const;

// ----- §3.1 UPS control commands -----
export const CONTROL_ACTIONS = [
  {
    ...ACTION,
    id: "set_smart_mode",
    label: "Set UPS to Smart Mode",
    wire: once("Y"),
    replies: ["SM"],
    notes:
      "Must be sent when UPS is turned on to enter smart signaling mode. Disables standard signaling outputs.",
    // The bridge keeps the UPS in smart mode itself: no button.
    ha: null,
    effect: "enters_smart_mode",
  },
  {
    ...ACTION,
    id: "test_lights_beeper",
    label: "Test Lights and Beeper",
    wire: once("A"),
    replies: ["OK"],
    notes: "Illuminates all front panel LEDs and sounds beeper for 2 seconds.",
    nut: ["test.panel.start"],
    // Home Assistant's button class for "make the device show itself".
    ha: { ...HA_BUTTON, deviceClass: "identify" },
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
    nut: ["shutdown.stayoff"],
    effect: "goes_silent",
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
    nut: ["shutdown.return"],
    effect: "goes_silent",
    interlock: {
      code: "not_on_battery",
      key: "on_battery_mode",
      value: true,
      sentence: "The UPS honours 'shutdown_on_battery' (S) only while on battery, and it is on line now.",
      hint: "Use 'shutdown_delayed_wake' or 'shutdown_return' to shut down on line.",
    },
  },
  {
    ...ACTION,
    id: "simulate_power_failure",
    label: "Simulate Power Failure",
    wire: once("U"),
    replies: ["OK", "NA"],
    destructive: true,
    notes: "Forces brief switch to battery operation.",
    nut: ["test.failure.start"],
    ha: HA_BUTTON_HIDDEN,
    effect: "commanded_transfer",
    reread: TRANSFER_REREAD,
  },
  {
    ...ACTION,
    id: "battery_test",
    label: "Battery Test",
    wire: once("W"),
    replies: ["OK", "NA"],
    notes: "Runs ~8 s battery test. Result saved 5 min for retrieval via X command.",
    nut: ["test.battery.start", "test.battery.stop"],
    // The one action on the device page rather than among its configuration.
    ha: { ...HA_BUTTON, category: null },
    effect: "commanded_transfer",
    reread: TRANSFER_REREAD,
    // The self-test takes about 8 s; its result stays readable for 5 minutes.
    rereadLater: { afterMs: 12_000, reread: ["battery_test_result"] },
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
    nut: ["load.off"],
    effect: "goes_silent",
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
    nut: ["shutdown.return"],
    effect: "goes_silent",
  },
  {
    ...ACTION,
    id: "abort_shutdown",
    label: "Abort Shutdown",
    wire: once("DEL", 0x7f),
    replies: ["OK", "NO"],
    lackedBy: ["smart_ups_old", "smart_ups_250_400_370ci"],
    notes: "Aborts @ddd, S, and K (K only during the delay). Valid on Matrix-UPS and newer Smart-UPS.",
    // NUT's standard name; apcsmart maps no command to DEL.
    nut: ["shutdown.stop"],
    reread: ["ups_status_register", "trip_register"],
    refusal: {
      code: "refused_by_ups",
      sentence: "There was nothing to abort: no shutdown or sleep is counting down.",
    },
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
    nut: ["calibrate.start", "calibrate.stop"],
    toggles: ["run_time_calibration_running"],
    effect: "commanded_transfer",
    reread: ["ups_status_register"],
    refusal: {
      code: "refused_by_ups",
      sentence:
        "The UPS refused to calibrate: calibration starts only at 100 % battery charge. Wait for a full charge and try again.",
    },
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
    nut: ["bypass.start", "bypass.stop"],
    toggles: ["bypass_manual", "bypass_by_command", "bypass_internal_fault"],
    ha: HA_BUTTON_HIDDEN,
    reread: ["ups_status_register", "state_register"],
    refusal: {
      code: "refused_by_ups",
      sentence:
        "The UPS cannot change to or from bypass now (ERR): check that the bypass supply is present and the UPS has no fault.",
    },
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
    nut: ["load.on"],
  },
  {
    ...ACTION,
    id: "return_to_simple_mode",
    label: "Return to Simple Mode",
    wire: once("R"),
    replies: ["BYE"],
    lackedBy: ["smart_ups_old", "smart_ups_250_400_370ci", "matrix_ups"],
    notes: "Forces UPS out of Smart mode; Y is needed again. Valid on 3G Smart-UPS, v/s, Back-UPS Pro.",
    // The bridge keeps the UPS in smart mode itself: no button.
    ha: null,
    effect: "leaves_smart_mode",
  },
] as const satisfies readonly ActionShape[];

// ----- §3.4 UPS customizing commands: the one action among them -----
export const EEPROM_ACTIONS = [
  {
    ...ACTION,
    id: "reset_eeprom",
    label: "Reset UPS EEPROM Variables",
    wire: once("z"),
    replies: ["CLEAR"],
    destructive: true,
    notes: "Restores defaults for all customizing commands except c and x.",
    ha: HA_BUTTON_HIDDEN,
    // Every setting changed: read them all again.
    rereadTier: "slow",
  },
] as const satisfies readonly ActionShape[];

export type ActionId = (typeof CONTROL_ACTIONS)[number]["id"] | (typeof EEPROM_ACTIONS)[number]["id"];

export interface ShutdownStep {
  readonly action: ActionId;
  /** The parameter that takes the configured wake-up delay (`@ddd`). */
  readonly wakeDelayParam: string | null;
}

/**
 * The shutdown methods of NUT's apcsmart (`sdtype`, `advorder`; seeds/002), each a sequence of
 * actions. A method's first action is checked against its interlock; the later ones run in the state
 * the earlier ones caused (CS: `U` puts the UPS on battery, then `S` is honoured), after a pause.
 */
export const SHUTDOWN_METHODS = {
  /** Soft hibernate: off now, back when the line returns. Honoured only on battery. */
  S: { label: "soft hibernate", steps: [{ action: "shutdown_on_battery", wakeDelayParam: null }] },
  /** Hard hibernate, on line too, with the configured extra wake-up delay. */
  "@": { label: "hard hibernate", steps: [{ action: "shutdown_delayed_wake", wakeDelayParam: "tenths" }] },
  K: { label: "delayed poweroff", steps: [{ action: "turn_off_after_delay", wakeDelayParam: null }] },
  Z: { label: "instant poweroff", steps: [{ action: "turn_off_immediate", wakeDelayParam: null }] },
  /** "Force OB hack": simulate a power failure, pause, then S. */
  CS: {
    label: "force OB hack",
    steps: [
      { action: "simulate_power_failure", wakeDelayParam: null },
      { action: "shutdown_on_battery", wakeDelayParam: null },
    ],
  },
} as const satisfies Readonly<
  Record<string, { readonly label: string; readonly steps: readonly ShutdownStep[] }>
>;

export type ShutdownMethod = keyof typeof SHUTDOWN_METHODS;

/** The method names, in NUT's advorder digit order (0 S, 1 @, 2 K, 3 Z, 4 CS). */
export const SHUTDOWN_METHOD_NAMES = ["S", "@", "K", "Z", "CS"] as const satisfies readonly ShutdownMethod[];
