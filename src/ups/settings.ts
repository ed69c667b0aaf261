// Editing an EEPROM setting (PROTOCOL-NOTES "Editing a setting"): read the value, then `-` steps the
// ring one value at a time (`OK`; `NO` when a DIP switch locks edits; `NA` unsupported), read back
// after each step, stop on the target or when the ring has gone round. An edit that changes nothing
// is skipped: the EEPROM wears. `c` and `x` take `-` then exactly 8 characters, sent slowly.
import { EDIT } from "../protocol/catalogue/index.js";
import { checkEditReply, encodeSettingValue, sameSettingValue } from "../protocol/codec.js";
import { decodeMeasureLimit } from "../protocol/decoders.js";
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
  /** What the unit now holds, as the per-key topic publishes it (`20`, not the ring's `020`). */
  readonly value: Value;
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

/**
 * A ring value outside the catalogue's ring, for a unit whose own ring is unknown: real rings differ
 * from the specification (an SC450's `p` 060/180/300/600, a 601.3.I holding `p` = 090, RT rings of
 * 8 choices). A short printable word without `-` is worth stepping for; anything else is refused.
 */
const RING_WORD = /^[0-9A-Za-z. ]{1,5}$/;
/** A Measure-UPS limit in the unit's per-side form (`55,45`, `NO,50`): stepped for like a word. */
const SIDES = /^[0-9A-Za-z. ]{1,5}(,[0-9A-Za-z. ]{1,5}){1,3}$/;

function sideCount(value: string): number {
  return value.split(",").length;
}

/**
 * The options to offer for a ring setting (probe, HA select): the unit's ring when known, else the
 * catalogue's; the current value is always among them (a 601.3.I held `p` = 090, which no ring lists).
 */
export function offeredOptions(
  allowed: readonly string[] | null,
  current: Value | undefined,
): string[] | null {
  const currentText =
    typeof current === "string" || typeof current === "number" ? String(current).trim() : "";
  if (allowed === null) return currentText === "" ? null : [currentText];
  const list = [...new Set(allowed.map((v) => v.trim()))];
  // A unit writes every value of a setting in one shape: one that holds a Measure-UPS limit per side
  // (`55,50`) cannot hold the catalogue's single values (`32.13`), so offering them would only lead
  // round the whole ring to a refusal. Its own values are unknown: only the one it holds is offered.
  if (currentText !== "" && list.length > 0 && list.every((v) => sideCount(v) !== sideCount(currentText)))
    return [currentText];
  if (currentText !== "" && !list.some((v) => sameSettingValue(v, currentText))) list.push(currentText);
  return list;
}

/**
 * Changes a setting to `value` through its entry kind; the codec validates the value first.
 * `ringFromUnit`: `allowed` is the unit's own Ctrl-Z ring (the truth: a value outside it is refused).
 * Otherwise the ring is the catalogue's, and a value outside it is still tried: step with `-` until
 * the read-back is the wanted value, and stop when the original value comes round again.
 */
export async function editSetting(
  link: UpsLink,
  row: SettingRow,
  value: Value,
  allowed: readonly string[] | null,
  ringFromUnit = false,
): Promise<EditResult> {
  return link.exclusive(planEdit(row, value, allowed, ringFromUnit));
}

/**
 * Checks the wanted value (throws before anything is sent) and returns the edit to run on the held
 * line: the caller knows a refusal here never touched the UPS.
 */
export function planEdit(
  row: SettingRow,
  value: Value,
  allowed: readonly string[] | null,
  ringFromUnit = false,
): (line: ExclusiveLine) => Promise<EditResult> {
  const options = row.entry === "ring" ? settingOptions(row, allowed, null) : [];
  if (row.entry === "ring" && !ringFromUnit) {
    const wanted = typeof value === "number" || typeof value === "string" ? String(value).trim() : "";
    const known = options.some((option) => sameSettingValue(option, wanted));
    if (known || RING_WORD.test(wanted) || (row.decode === decodeMeasureLimit && SIDES.test(wanted)))
      return (line) => stepRingUntilRound(line, row, wanted);
  }
  const target = encodeSettingValue(row, value, options);
  switch (target.entry) {
    case "text":
    case "hex":
      return (line) => enterText(line, row, target.value, target.bytes);
    case "count":
      return (line) => stepCount(line, row, target.value);
    case "ring":
      return (line) => stepRing(line, row, target.value, options.length);
  }
}

async function stepRing(
  line: ExclusiveLine,
  row: SettingRow,
  target: string,
  ringLength: number,
): Promise<EditResult> {
  let current = await readOnLine(line, row);
  if (sameSettingValue(current, target)) return { changed: false, value: published(row, current), steps: 0 };
  const limit = Math.min(MAX_STEPS, Math.max(ringLength, 1) + 1);
  for (let step = 1; step <= limit; step++) {
    checkEditReply(EDIT, row, await line.send(Uint8Array.from(EDIT.wire.bytes)));
    current = await readOnLine(line, row);
    if (sameSettingValue(current, target))
      return { changed: true, value: published(row, current), steps: step };
  }
  throw new UpsLinkError(
    "refused_by_ups",
    `The UPS went round the ring of '${row.id}' without reaching '${target}': it is not a value this unit accepts.`,
  );
}

/**
 * A read-back value as the row publishes it (`x` reads `03/15/24` and publishes `2024-03-15`, `p`
 * reads `020` and publishes 20).
 */
function published(row: SettingRow, text: string): Value {
  const decoded = row.decode?.(text);
  return decoded?.ok === true && decoded.value !== null ? decoded.value : text.trim();
}

/**
 * Steps a ring whose length is not known: stop on the target, or when the original value comes
 * round after another value was seen (the ring has gone round, and the original is back), or when
 * two steps in a row change nothing (a ring of one value). Rings may repeat a value (`H M L L`).
 */
async function stepRingUntilRound(line: ExclusiveLine, row: SettingRow, target: string): Promise<EditResult> {
  const original = await readOnLine(line, row);
  if (sameSettingValue(original, target))
    return { changed: false, value: published(row, original), steps: 0 };
  let movedAway = false;
  let unchanged = 0;
  let current = original;
  for (let step = 1; step <= MAX_STEPS; step++) {
    checkEditReply(EDIT, row, await line.send(Uint8Array.from(EDIT.wire.bytes)));
    const next = await readOnLine(line, row);
    if (sameSettingValue(next, target)) return { changed: true, value: published(row, next), steps: step };
    unchanged = sameSettingValue(next, current) ? unchanged + 1 : 0;
    current = next;
    if (!sameSettingValue(next, original)) movedAway = true;
    else if (movedAway || unchanged >= 2) break;
  }
  const kept = sameSettingValue(current, original)
    ? `it is back at '${original.trim()}'`
    : `it was left at '${current.trim()}'`;
  throw new UpsLinkError(
    "refused_by_ups",
    `The UPS went round the ring of '${row.id}' without reaching '${target}': it is not a value this unit accepts (${kept}).`,
    { setting: row.id, value: current.trim() },
  );
}

/** Replies to `-` by which the UPS declines the edit: no entry has begun (PROTOCOL-NOTES, seed). */
const DECLINED = ["NO", "NA"];

/**
 * Direct entry (`c`, `x`: 8 characters; Measure-UPS `I`: 2 hex digits). `-` goes out alone first,
 * with the first-character wait. `NO` (a DIP switch locks edits) or `NA` (not supported) mean the
 * UPS declined and is not waiting for characters: nothing more is sent, or the characters would run
 * as commands. Any other answer (silence, the usual case; `OK`; an echo of the value; noise) does not
 * decline, and a unit that did not decline takes the next characters as the value (NUT's apcsmart
 * sends them whatever `-` answers). So the entry is finished with the wanted characters, all of them,
 * the line still held: stopping half-way lets the next polls become the stored value (issue 12).
 * Then the value is read back on the held line. Anything short of the expected exchange (`-`
 * silent or `OK`, `OK` after the last character, the wanted value read back) is an error naming
 * what the UPS now holds.
 */
async function enterText(
  line: ExclusiveLine,
  row: SettingRow,
  wanted: string,
  entry: Uint8Array,
): Promise<EditResult> {
  const current = await readOnLine(line, row);
  if (sameSettingValue(current, wanted)) return { changed: false, value: published(row, current), steps: 0 };
  const dash = (await line.send(Uint8Array.from(EDIT.wire.bytes), null)).trim();
  if (DECLINED.includes(dash)) {
    checkEditReply(EDIT, row, dash);
  }
  const { early, reply } = await line.sendWhole(entry);
  let after: string;
  try {
    after = await readOnLine(line, row);
  } catch (error) {
    throw new UpsLinkError(
      "bad_reply",
      `The entry of '${row.id}' was finished but its value could not be read back: read it again before relying on it.`,
      { setting: row.id, value: null, cause: String(error) },
    );
  }
  const held = published(row, after);
  const answers = [dash === "" ? "(silence)" : dash, ...early, reply === "" ? "(silence)" : reply.trim()];
  const clean = (dash === "" || dash === "OK") && early.length === 0 && reply.trim() === "OK";
  if (!sameSettingValue(after, wanted)) {
    throw new UpsLinkError(
      reply.trim() === "NO" ? "refused_by_ups" : "bad_reply",
      `The UPS did not take '${wanted.trim()}' for '${row.id}': it now holds '${held}' (it answered ${answers.join(", ")}).`,
      { setting: row.id, value: held },
    );
  }
  if (!clean) {
    throw new UpsLinkError(
      "bad_reply",
      `The UPS answered the entry of '${row.id}' unexpectedly (${answers.join(", ")}); it now holds '${held}'.`,
      { setting: row.id, value: held },
    );
  }
  return { changed: true, value: held, steps: 1 };
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
