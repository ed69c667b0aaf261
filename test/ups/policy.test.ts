import { describe, expect, it } from "vitest";
import { type PowerReadings, type ShutdownThresholds, shutdownRecommended } from "../../src/ups/policy.js";

const base: PowerReadings = {
  onBattery: true,
  lowBattery: false,
  chargePercent: 80,
  runtimeMinutes: 30,
  testInduced: false,
};
const thresholds: ShutdownThresholds = {
  chargeBelowPercent: 20,
  runtimeBelowMinutes: 5,
  honourLowBatteryFlag: true,
};

describe("shutdown_recommended", () => {
  it("is false on battery above both thresholds", () => {
    expect(shutdownRecommended(base, thresholds)).toBe(false);
  });
  it("follows the UPS's low-battery flag", () => {
    expect(shutdownRecommended({ ...base, lowBattery: true }, thresholds)).toBe(true);
    expect(
      shutdownRecommended({ ...base, lowBattery: true }, { ...thresholds, honourLowBatteryFlag: false }),
    ).toBe(false);
  });
  it("trips on charge below the threshold only while on battery", () => {
    expect(shutdownRecommended({ ...base, chargePercent: 19.9 }, thresholds)).toBe(true);
    expect(shutdownRecommended({ ...base, chargePercent: 20 }, thresholds)).toBe(false);
    expect(shutdownRecommended({ ...base, onBattery: false, chargePercent: 5 }, thresholds)).toBe(false);
  });
  it("trips on runtime below the threshold, never on an unknown runtime", () => {
    expect(shutdownRecommended({ ...base, runtimeMinutes: 4 }, thresholds)).toBe(true);
    expect(shutdownRecommended({ ...base, runtimeMinutes: null }, thresholds)).toBe(false);
  });
  it("disabled conditions never trip (NUT's override.battery.runtime.low = -1)", () => {
    const off = { chargeBelowPercent: null, runtimeBelowMinutes: null, honourLowBatteryFlag: false };
    expect(shutdownRecommended({ ...base, chargePercent: 1, runtimeMinutes: 0, lowBattery: true }, off)).toBe(
      false,
    );
  });
  it("a self-test's transfer is not a power failure", () => {
    expect(shutdownRecommended({ ...base, chargePercent: 5, testInduced: true }, thresholds)).toBe(false);
  });
});
