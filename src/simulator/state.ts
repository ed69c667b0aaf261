// What the simulated unit is doing, inspectable by tests and printed by the `status` control line.
import { NOMINAL } from "./physics.js";
import type { Profile } from "./profiles.js";
import { factorySettings, type SimSetting } from "./settings.js";

export type TestResult = "OK" | "BT" | "NG" | "NO";

/** A shutdown the host ordered that has not yet turned the output off (DEL aborts it). */
export type PendingShutdown = "S" | "K" | "@" | null;

/** K and Z keep the output off until Ctrl-N; S, @ddd and a low-battery shutdown end when line returns. */
export type OffReason = "S" | "K" | "Z" | "@" | "battery_exhausted" | null;

export interface SimFaults {
  /** The unit says nothing at all (unplugged cable). */
  silent: boolean;
  /** A burst of random bytes every few seconds. */
  garbage: boolean;
  /** `NA` to every command but `Y`. */
  na: boolean;
  /**
   * `NA` to these command characters only, every time: a query a unit lists in `a` but never
   * answers (issue 12: `~`, `V`, `y` on one unit; `n` on another).
   */
  naTo: string;
  /** `SM` to `Q` (PROTOCOL-NOTES: status not valid yet). */
  smToQ: boolean;
  /** An alert byte inside each reply (PROTOCOL-NOTES "Wire"); the character injected. */
  alertMidReply: string | null;
  /** Extra milliseconds before each reply. */
  slowMs: number;
  /** True 2400 bit/s: one character every 4.17 ms, with realistic reply latency. */
  pacing: boolean;
  /** The battery fails its next self-test (BT) and the unit asks for a replacement (`#`). */
  badBattery: boolean;
  /**
   * What `-` on a direct-entry setting (c, x, I) answers instead of silence, as units and mocks seen
   * in the field do (issue 12): `NO`/`NA` decline and start no entry; `echo` answers the current
   * value and any other text is sent as it is (noise, an early `OK`), and the entry still begins.
   */
  editReply: string | null;
}

export interface SimState {
  readonly profile: string;
  /** The microcontroller is powered: line present, or the output is on from the battery. */
  alive: boolean;
  /** After `Y` → `SM`, until `R` or a power cycle. */
  smartMode: boolean;
  linePresent: boolean;
  /** Utility voltage while present (`L`). */
  lineVoltage: number;
  onBattery: boolean;
  outputOn: boolean;
  /** Battery charge, percent. */
  charge: number;
  /** Load, percent of rated power. */
  load: number;
  internalTemp: number;
  lowBattery: boolean;
  replaceBattery: boolean;
  calibrating: boolean;
  selfTestRunning: boolean;
  /** `U` in progress: command-induced brief transfer to battery. */
  simulatingFailure: boolean;
  lastTestResult: TestResult;
  /** When the last self-test finished (its result is readable for 5 minutes). */
  lastTestAt: number | null;
  /** `G` reply letter, null before the first transfer. */
  transferCause: string | null;
  pendingShutdown: PendingShutdown;
  /** Output off after `@ddd` until `wakeAt`. */
  sleeping: boolean;
  wakeAt: number | null;
  /** Why the output is off (null while it is on). */
  offReason: OffReason;
  bypass: boolean;
  /** `8` register fault bits set by control (bits 7, 6, 5, 2, 1); the command bits are derived. */
  tripFaults: number;
  /** `'` register. */
  trip1: number;
  /** `7` register. */
  dip: number;
  /** Current value of every setting the unit has, by catalogue id. */
  settings: Record<string, string>;
  ambientTemp: number;
  humidity: number;
  /** Measure-UPS contact inputs 1 to 4 closed (bits 0 to 3). */
  contacts: number;
  faults: SimFaults;
}

/** A unit just plugged in: on line, fully charged, 23 % load, factory settings, simple signalling. */
export function initialState(profile: Profile, settings: readonly SimSetting[], pacing: boolean): SimState {
  const nominal = NOMINAL[profile.locale];
  return {
    profile: profile.name,
    alive: true,
    smartMode: false,
    linePresent: true,
    lineVoltage: nominal.volts + (nominal.volts > 200 ? 0.9 : 0.6),
    onBattery: false,
    outputOn: true,
    charge: 100,
    load: 23,
    internalTemp: 31.5,
    lowBattery: false,
    replaceBattery: false,
    calibrating: false,
    selfTestRunning: false,
    simulatingFailure: false,
    lastTestResult: "NO",
    lastTestAt: null,
    transferCause: null,
    pendingShutdown: null,
    sleeping: false,
    wakeAt: null,
    offReason: null,
    bypass: false,
    tripFaults: 0,
    trip1: 0,
    dip: profile.dip,
    settings: factorySettings(settings),
    ambientTemp: 24.5,
    humidity: 41.2,
    contacts: 0,
    faults: {
      silent: false,
      garbage: false,
      na: false,
      naTo: "",
      smToQ: false,
      alertMidReply: null,
      slowMs: 0,
      editReply: null,
      pacing,
      badBattery: false,
    },
  };
}
