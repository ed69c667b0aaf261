// The Ctrl-Z dump: every setting the UPS has with the values it allows (PROTOCOL-NOTES "Ctrl-Z").
// A real unit's dump overrides the catalogue's rings, which are the seed's defaults. One decoder
// reads it (`readDump`): the `read_all_eeprom` row publishes all of it, capability discovery keeps
// the items of the unit's locale (`parseDump`).
import { SETTINGS, type SettingId, settingByByte } from "./catalogue/settings.js";
import { fail, ok } from "./decoders.js";
import { type DumpItem, formatDump, type SkippedItem, tokenizeDump } from "./dump-format.js";
import type { DecodeResult, SettingValues, Value } from "./types.js";

export type { DumpItem, SkippedItem } from "./dump-format.js";

export interface ReadDump {
  /** Choices per setting id, then per compatibility letter, exactly as on the wire (`ON ` keeps its space). */
  readonly settings: Partial<Record<SettingId, SettingValues>>;
  /** Items not used: malformed (bad count, overrun, unknown opcode), reported, never fatal. */
  readonly skipped: readonly SkippedItem[];
}

/**
 * Reads a dump into choices per setting and compatibility letter; a later item for the same setting
 * and letter replaces an earlier one. Items of unknown opcodes are skipped. Never throws.
 */
export function readDump(text: string): ReadDump {
  const dump = tokenizeDump(text, (byte) => settingByByte(byte) !== undefined);
  const settings: Partial<Record<SettingId, Record<string, readonly string[]>>> = {};
  for (const item of dump.items) {
    const row = settingByByte(item.opcode);
    if (row === undefined) continue;
    const perLetter = settings[row.id] ?? {};
    perLetter[item.letter] = item.choices;
    settings[row.id] = perLetter;
  }
  return { settings, skipped: dump.skipped };
}

/** Catalogue decoder for Ctrl-Z (`read_all_eeprom`): every item with its letter, and what was skipped. */
export function decodeDump(text: string): DecodeResult {
  const dump = readDump(text);
  if (Object.keys(dump.settings).length === 0 && dump.skipped.length > 0) {
    return fail(`no readable setting in the dump (${dump.skipped[0]?.reason ?? "malformed"})`);
  }
  const settings: { [id: string]: Value } = { ...dump.settings };
  return ok({ settings, skipped: dump.skipped.map((s) => ({ item: s.item, reason: s.reason })) });
}

export interface ParsedDump {
  /** Allowed values per setting id, exactly as on the wire (`ON ` keeps its space). */
  readonly values: Partial<Record<SettingId, string[]>>;
  /** Items not used: malformed (bad count, overrun, unknown opcode), reported, never fatal. */
  readonly skipped: SkippedItem[];
}

/**
 * The values that apply to this unit: the items whose compatibility letter is the firmware's locale
 * letter (`localeLetter` from identity.ts), else `4` (every version). With no locale letter only `4`
 * items apply. Never throws.
 */
export function parseDump(text: string, locale: string | null): ParsedDump {
  const dump = readDump(text);
  const values: Partial<Record<SettingId, string[]>> = {};
  for (const row of SETTINGS) {
    const perLetter = dump.settings[row.id];
    const choices = (locale === null ? undefined : perLetter?.[locale]) ?? perLetter?.["4"];
    if (choices !== undefined) values[row.id] = [...choices];
  }
  return { values, skipped: [...dump.skipped] };
}

/** A dump as a UPS sends it, from items (pure: the simulator serves it). */
export function buildDump(items: readonly DumpItem[], options: { readonly matrix: boolean }): string {
  return formatDump(items, options);
}

/** A dump item for a setting id (its opcode byte from the catalogue). */
export function dumpItem(setting: SettingId, letter: string, choices: readonly string[]): DumpItem {
  const row = SETTINGS.find((r) => r.id === setting);
  return { opcode: row?.wire.bytes[0] ?? 0, letter, choices };
}

/** Items for every setting ring of the catalogue, one per compatibility letter (simulator default). */
export function catalogueDumpItems(): DumpItem[] {
  const items: DumpItem[] = [];
  for (const row of SETTINGS) {
    if (row.values === null) continue;
    for (const [letter, choices] of Object.entries(row.values)) {
      const opcode = row.wire.bytes[0];
      if (opcode !== undefined) items.push({ opcode, letter, choices });
    }
  }
  return items;
}
