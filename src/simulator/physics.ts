// The electrical side of the simulated unit: runtime, battery voltage, line and output voltages,
// and the reply formats of the seed's power inquiry commands. Pure functions of the state.
import type { Locale, Profile } from "./profiles.js";

/** Nominal utility voltage and frequency per voltage version (seed, `V` third character). */
export const NOMINAL: Readonly<Record<Locale, { readonly volts: number; readonly hertz: number }>> = {
  A: { volts: 100, hertz: 50 },
  D: { volts: 120, hertz: 60 },
  I: { volts: 230, hertz: 50 },
  M: { volts: 208, hertz: 60 },
  // Smart-UPS RT (200 to 240 V): set to 230 V as shipped in Europe.
  W: { volts: 230, hertz: 50 },
};

/** Minutes a full battery lasts at `load` percent (a Peukert-like curve through the profile's half-load point). */
export function fullRuntimeMinutes(profile: Profile, load: number): number {
  if (load <= 0) return Number.POSITIVE_INFINITY;
  return profile.runtimeAtHalfLoad * (50 / load) ** 1.3;
}

/** Remaining runtime in minutes, or null when it cannot be determined (no load). */
export function runtimeMinutes(profile: Profile, charge: number, load: number): number | null {
  const full = fullRuntimeMinutes(profile, load);
  if (!Number.isFinite(full)) return null;
  return (full * charge) / 100;
}

/** Battery terminal voltage: float charge on line, falling with the charge on battery. */
export function batteryVolts(profile: Profile, charge: number, discharging: boolean, load: number): number {
  const cells = profile.batteryVolts / 2;
  const perCell = discharging
    ? 1.95 + 0.2 * (charge / 100) - 0.08 * (load / 100)
    : 2.2 + 0.075 * (charge / 100);
  return cells * perCell;
}

/** `ddd.d` with leading zeros, as L, M, N, O, P, C and h answer. */
export function fmt31(value: number): string {
  return clamp(value, 0, 999.9).toFixed(1).padStart(5, "0");
}

/** `dd.dd`, as B, F, t and `/` answer. */
export function fmt22(value: number): string {
  return clamp(value, 0, 99.99).toFixed(2).padStart(5, "0");
}

/** `ddd.dd`, as `\` answers. */
export function fmt32(value: number): string {
  return clamp(value, 0, 999.99).toFixed(2).padStart(6, "0");
}

/** `dddd:` or `>>>>:` (PROTOCOL-NOTES "Values": unknown runtime). */
export function fmtRuntime(minutes: number | null): string {
  if (minutes === null) return ">>>>:";
  return `${String(Math.min(9999, Math.floor(minutes))).padStart(4, "0")}:`;
}

export function hex2(value: number): string {
  return (value & 0xff).toString(16).toUpperCase().padStart(2, "0");
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
