// What every part of the simulated unit shares: its profile, its state, its settings, its clock and
// timers, and its output line. The parts (intake, commands, power, Measure-UPS) are wired together
// by SmartUpsSimulator.
import type { Clock } from "./clock.js";
import type { Output } from "./output.js";
import type { Profile } from "./profiles.js";
import type { SimSetting } from "./settings.js";
import type { SimState } from "./state.js";
import type { SimTimers } from "./timers.js";

export interface Unit {
  readonly profile: Profile;
  readonly state: SimState;
  /** The settings this unit has, with their rings for its voltage version. */
  readonly settings: readonly SimSetting[];
  readonly clock: Clock;
  readonly timers: SimTimers;
  readonly out: Output;
}

/** A setting's current value as a number, or `fallback` when the unit lacks it. */
export function numberSetting(unit: Unit, id: string, fallback: number): number {
  const raw = unit.state.settings[id];
  if (raw === undefined) return fallback;
  const value = Number.parseFloat(raw);
  return Number.isFinite(value) ? value : fallback;
}
