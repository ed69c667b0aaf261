// The EEPROM settings of a simulated unit, taken from the catalogue: which opcodes it has, the ring
// its `-` edit steps through for its voltage version, its factory value, and its Ctrl-Z items.
import { CATALOGUE, SETTING_ROLE, type SettingId } from "../protocol/catalogue/index.js";
import type { DumpItem } from "../protocol/dump-format.js";
import { NOMINAL } from "./physics.js";
import { ownRings, type Profile, supports } from "./profiles.js";

export interface SimSetting {
  /** Catalogue id (the public setting name). */
  readonly id: SettingId;
  readonly byte: number;
  /** `ring`: `-` steps to the next value; `text`: `-` then 8 characters (c, x); `hex`: `-` then 2 hex digits (I). */
  readonly entry: "ring" | "text" | "hex";
  /** The ring for the unit's voltage version (empty for text and hex entry). */
  readonly ring: readonly string[];
  /** The value after `z` (and at first power-on). */
  readonly factory: string;
  /** Listed by Ctrl-Z (Measure-UPS limits and direct-entry values are not). */
  readonly inDump: boolean;
  /** Ctrl-Z items, one per compatibility letter the catalogue knows, as a real unit lists them. */
  readonly dumpItems: readonly DumpItem[];
}

/** The settings whose values the simulated unit acts on or gives a factory value: its own physics. */
export const SETTING = SETTING_ROLE;

function factoryValue(id: SettingId, ring: readonly string[], profile: Profile): string {
  if (id === SETTING.upsId) return "UPS_IDEN";
  if (id === SETTING.batteryReplacementDate) return profile.manufactureDate;
  if (id === SETTING.alarmEnable) return "FF";
  // The 220–240 V ring starts at 225 but the units ship set to their nominal 230 V.
  const nominal = String(NOMINAL[profile.locale].volts);
  if (id === SETTING.outputVoltage && ring.includes(nominal)) return nominal;
  return ring[0] ?? "";
}

export function settingsFor(profile: Profile): SimSetting[] {
  const settings: SimSetting[] = [];
  for (const row of CATALOGUE) {
    // `>` is the battery pack count on these units (entry `count`), not simulated.
    if (row.kind !== "setting" || row.entry === "count") continue;
    const byte = row.wire.bytes[0];
    if (byte === undefined || !supports(profile, byte)) continue;
    const entry = row.entry;
    // A recorded unit's own rings replace the catalogue's (PROTOCOL-NOTES "Ctrl-Z").
    const values: Readonly<Record<string, readonly string[]>> = ownRings(profile, byte) ?? row.values ?? {};
    const sides = profile.measureSides?.[String.fromCharCode(byte)];
    const ring =
      entry !== "ring"
        ? []
        : sides !== undefined
          ? sideRing(sides)
          : (values[profile.locale] ?? values["4"] ?? []);
    if (entry === "ring" && ring.length === 0) continue;
    settings.push({
      id: row.id,
      byte,
      entry,
      ring,
      factory: profile.factory?.[row.id] ?? factoryValue(row.id, ring, profile),
      inDump: entry === "ring" && !row.needsMeasureUps,
      dumpItems: Object.entries(values).map(([letter, choices]) => ({ opcode: byte, letter, choices })),
    });
  }
  return settings;
}

/**
 * A Measure-UPS limit answered per side (`55,50`) as one ring of every combination, so `-` steps it
 * like any ring. How a real unit steps a pair is not documented publicly (APC's specification shows
 * one value; the captures only read pairs). The simulator assumes an odometer: each `-` steps the
 * first side to its next value, and when the first side comes round to its start the next side steps
 * too. Every combination is then reached, and the pair comes back to where it started after the
 * product of the sides' ring lengths.
 */
function sideRing(sides: readonly (readonly string[])[]): string[] {
  let combos: string[][] = [[]];
  for (const side of sides) combos = side.flatMap((value) => combos.map((combo) => [...combo, value]));
  return combos.map((combo) => combo.join(","));
}

/** Every setting at its factory value (first power-on). */
export function factorySettings(settings: readonly SimSetting[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const setting of settings) values[setting.id] = setting.factory;
  return values;
}
