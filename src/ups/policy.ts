// `shutdown_recommended`: when hosts powered by the UPS should shut down. True on the UPS's own
// low-battery flag, or, while on battery, when charge or runtime fall below the user's thresholds:
// NUT's `ignorelb` idea (seeds/002: battery.charge.low / battery.runtime.low), so automations can
// follow a policy the user sets instead of the firmware's runtime estimate alone.

export interface ShutdownThresholds {
  /** On battery and charge below this percentage; null disables the condition. */
  readonly chargeBelowPercent: number | null;
  /** On battery and runtime below this many minutes; null disables the condition. */
  readonly runtimeBelowMinutes: number | null;
  /** Whether the UPS's low-battery flag alone recommends a shutdown (NUT without `ignorelb`). */
  readonly honourLowBatteryFlag: boolean;
}

export interface PowerReadings {
  readonly onBattery: boolean | null;
  readonly lowBattery: boolean | null;
  readonly chargePercent: number | null;
  /** `null` when unknown (`>>>>:`): never treated as zero. */
  readonly runtimeMinutes: number | null;
  /** The transfer was caused by a self-test or simulated failure (G = S): not a power failure. */
  readonly testInduced: boolean;
}

export function shutdownRecommended(readings: PowerReadings, thresholds: ShutdownThresholds): boolean {
  if (readings.testInduced) return false;
  if (thresholds.honourLowBatteryFlag && readings.lowBattery === true) return true;
  if (readings.onBattery !== true) return false;
  const { chargeBelowPercent, runtimeBelowMinutes } = thresholds;
  if (
    chargeBelowPercent !== null &&
    readings.chargePercent !== null &&
    readings.chargePercent < chargeBelowPercent
  ) {
    return true;
  }
  if (
    runtimeBelowMinutes !== null &&
    readings.runtimeMinutes !== null &&
    readings.runtimeMinutes < runtimeBelowMinutes
  ) {
    return true;
  }
  return false;
}
