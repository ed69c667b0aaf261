// The Ctrl-Z dump: every setting the UPS has with the values it allows (PROTOCOL-NOTES "Ctrl-Z").
// A real unit's dump overrides the catalogue's rings, which are the seed's defaults.
import { CATALOGUE, findRow, type SettingId } from "./catalogue.js";
import { type DumpItem, formatDump, type SkippedItem, tokenizeDump } from "./dump-format.js";

export type { DumpItem, SkippedItem } from "./dump-format.js";

export interface ParsedDump {
  /** Allowed values per setting id, exactly as on the wire (`ON ` keeps its space). */
  readonly values: Partial<Record<SettingId, string[]>>;
  /** Items not used: malformed (bad count, overrun, unknown opcode), reported, never fatal. */
  readonly skipped: SkippedItem[];
}

function settingIdByByte(byte: number): SettingId | undefined {
  for (const row of CATALOGUE) {
    if (row.kind === "setting" && row.wire.bytes[0] === byte) return row.id;
  }
  return undefined;
}

/**
 * Parses a dump and keeps the items whose compatibility letter is `4` (every version) or the
 * firmware's locale letter (`localeLetter` from identity.ts). With no locale letter only `4` items
 * apply. When a setting has both, the locale's own item wins. Never throws.
 */
export function parseDump(text: string, locale: string | null): ParsedDump {
  const dump = tokenizeDump(text, (byte) => settingIdByByte(byte) !== undefined);
  const values: Partial<Record<SettingId, string[]>> = {};
  const fromLocale = new Set<SettingId>();
  for (const item of dump.items) {
    const id = settingIdByByte(item.opcode);
    if (id === undefined) continue;
    const exact = locale !== null && item.letter === locale;
    if (!exact && item.letter !== "4") continue;
    if (!exact && fromLocale.has(id)) continue;
    values[id] = [...item.choices];
    if (exact) fromLocale.add(id);
  }
  return { values, skipped: [...dump.skipped] };
}

/** A dump as a UPS sends it, from items (pure: the simulator serves it). */
export function buildDump(items: readonly DumpItem[], options: { readonly matrix: boolean }): string {
  return formatDump(items, options);
}

/** A dump item for a setting id (its opcode byte from the catalogue). */
export function dumpItem(setting: SettingId, letter: string, choices: readonly string[]): DumpItem {
  const row = findRow(setting);
  return { opcode: row?.wire.bytes[0] ?? 0, letter, choices };
}

/** Items for every setting ring of the catalogue, one per compatibility letter (simulator default). */
export function catalogueDumpItems(): DumpItem[] {
  const items: DumpItem[] = [];
  for (const row of CATALOGUE) {
    if (row.kind !== "setting" || row.values === null) continue;
    for (const [letter, choices] of Object.entries(row.values)) {
      const opcode = row.wire.bytes[0];
      if (opcode !== undefined) items.push({ opcode, letter, choices });
    }
  }
  return items;
}
