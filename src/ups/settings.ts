// Editing an EEPROM setting (PROTOCOL-NOTES "Editing a setting"): read the value, then `-` steps the
// ring one value at a time (`OK`; `NO` when a DIP switch locks edits; `NA` unsupported), read back
// after each step, stop on the target or when the ring has gone round. An edit that changes nothing
// is skipped: the EEPROM wears. `c` and `x` take `-` then exactly 8 characters, sent slowly.
import { EDIT } from "../protocol/catalogue/index.js";
import { checkEditReply, encodeSettingValue, sameSettingValue } from "../protocol/codec.js";
import { UpsLinkError } from "../protocol/errors.js";
import type { SettingRow, Value } from "../protocol/types.js";
import type { ExclusiveLine, UpsLink } from "./link.js";
import { readOnLine } from "./requests.js";

/** NUT steps at most 32 times; no ring is longer. */
const MAX_STEPS = 32;
/** After `>` on a 3G Smart-UPS XL, `+` adds one external battery pack (and `-` removes one). */
const COUNT_UP = 0x2b;

export interface EditResult {
  readonly [key: string]: Value;
  readonly changed: boolean;
  readonly value: string;
  readonly steps: number;
}

/** Options offered for a setting: the UPS's list when known, else the catalogue's, trimmed and unique. */
export function settingOptions(
  row: SettingRow,
  allowed: readonly string[] | null,
  locale: string | null,
): string[] {
  const fromCatalogue = row.values === null ? [] : (row.values[locale ?? ""] ?? row.values["4"] ?? []);
  const list = allowed !== null && allowed.length > 0 ? allowed : fromCatalogue;
  return [...new Set(list.map((v) => v.trim()))];
}

/** Changes a setting to `value` through its entry kind; the codec validates the value first. */
export async function editSetting(
  link: UpsLink,
  row: SettingRow,
  value: Value,
  allowed: readonly string[] | null,
): Promise<EditResult> {
  const options = row.entry === "ring" ? settingOptions(row, allowed, null) : [];
  const target = encodeSettingValue(row, value, options);
  switch (target.entry) {
    case "text":
    case "hex":
      return link.exclusive((line) => enterText(line, row, target.value, target.bytes));
    case "count":
      return link.exclusive((line) => stepCount(line, row, target.value));
    case "ring":
      return link.exclusive((line) => stepRing(line, row, target.value, options.length));
  }
}

async function stepRing(
  line: ExclusiveLine,
  row: SettingRow,
  target: string,
  ringLength: number,
): Promise<EditResult> {
  let current = await readOnLine(line, row);
  if (sameSettingValue(current, target)) return { changed: false, value: current.trim(), steps: 0 };
  const limit = Math.min(MAX_STEPS, Math.max(ringLength, 1) + 1);
  for (let step = 1; step <= limit; step++) {
    checkEditReply(EDIT, row, await line.send(Uint8Array.from(EDIT.wire.bytes)));
    current = await readOnLine(line, row);
    if (sameSettingValue(current, target)) return { changed: true, value: current.trim(), steps: step };
  }
  throw new UpsLinkError(
    "refused_by_ups",
    `The UPS went round the ring of '${row.id}' without reaching '${target}': it is not a value this unit accepts.`,
  );
}

async function enterText(
  line: ExclusiveLine,
  row: SettingRow,
  wanted: string,
  entry: Uint8Array,
): Promise<EditResult> {
  const current = await readOnLine(line, row);
  if (sameSettingValue(current, wanted)) return { changed: false, value: current.trim(), steps: 0 };
  checkEditReply(EDIT, row, await line.send(Uint8Array.from([...EDIT.wire.bytes, ...entry])));
  const after = await readOnLine(line, row);
  if (!sameSettingValue(after, wanted)) {
    throw new UpsLinkError(
      "refused_by_ups",
      `The UPS kept '${after.trim()}' for '${row.id}' after the edit.`,
    );
  }
  return { changed: true, value: after.trim(), steps: 1 };
}

async function stepCount(line: ExclusiveLine, row: SettingRow, target: number): Promise<EditResult> {
  let current = Number.parseInt(await readOnLine(line, row), 10);
  if (current === target) return { changed: false, value: String(current), steps: 0 };
  let steps = 0;
  while (current !== target && steps < MAX_STEPS) {
    // `+` and `-` after `>` add or remove one external pack (seed: battery_pack_config).
    const reply = await line.send(
      current < target ? Uint8Array.of(COUNT_UP) : Uint8Array.from(EDIT.wire.bytes),
    );
    steps++;
    const next = Number.parseInt(reply, 10);
    if (Number.isNaN(next)) checkEditReply(EDIT, row, reply);
    else current = next;
  }
  if (current !== target)
    throw new UpsLinkError("refused_by_ups", `The UPS stopped at ${current} battery packs.`);
  return { changed: true, value: String(current), steps };
}
