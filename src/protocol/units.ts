// How the catalogue's units read in text (probe's table, the generated references).
import type { Unit } from "./types.js";

export const UNIT_TEXT: Readonly<Record<Unit, string>> = {
  percent: "%",
  minutes: "min",
  Vac: "V AC",
  Vdc: "V DC",
  degC: "°C",
  Hz: "Hz",
  A: "A",
  seconds: "s",
  percent_rh: "% RH",
};
