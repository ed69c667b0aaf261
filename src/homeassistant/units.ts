// The catalogue's units in Home Assistant's terms: the unit text it shows, the decimals worth showing
// and the device classes it accepts per unit (it rejects a sensor whose unit does not fit its
// class), plus the template that turns the load percent into watts. A pure table, apart from the
// template, so a new unit in src/protocol/types.ts is a type error here until it has its row.
import type { Unit } from "../protocol/types.js";

/** The catalogue's units as Home Assistant writes them. */
export const HA_UNITS: Readonly<Record<Unit, string>> = {
  Vac: "V",
  Vdc: "V",
  Hz: "Hz",
  degC: "°C",
  A: "A",
  minutes: "min",
  seconds: "s",
  percent_rh: "%",
  percent: "%",
};

/** Decimals worth showing per unit: the UPS reports no finer (battery `27.87` Vdc, `59.94` Hz). */
export const DISPLAY_PRECISION: Readonly<Record<Unit, number>> = {
  Vac: 0,
  Vdc: 1,
  Hz: 1,
  degC: 1,
  A: 1,
  minutes: 0,
  seconds: 0,
  percent_rh: 0,
  percent: 0,
};

/**
 * The device classes Home Assistant accepts for each unit (it rejects a sensor whose unit does not
 * fit its class); the catalogue's rows are checked against it.
 */
export const UNIT_DEVICE_CLASSES: Readonly<Record<Unit, readonly (string | null)[]>> = {
  Vac: ["voltage"],
  Vdc: ["voltage"],
  Hz: ["frequency"],
  degC: ["temperature"],
  A: ["current"],
  minutes: ["duration"],
  seconds: ["duration"],
  percent_rh: ["humidity"],
  percent: [null, "battery"],
};

/** Watts from the load percent: `{{ None if value == 'null' else (value | float * 980 / 100) | round(0) }}`. */
export function wattsTemplate(nominalW: number): string {
  return `{{ None if value == 'null' else ((value | float) * ${nominalW} / 100) | round(0) }}`;
}
