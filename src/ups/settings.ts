// Editing an EEPROM setting (PROTOCOL-NOTES "Editing a setting"): read the value, then `-` steps the
// ring one value at a time (`OK`; `NO` when a DIP switch locks edits; `NA` unsupported), read back
// after each step, stop on the target or when the ring has gone round. An edit that changes nothing
// is skipped: the EEPROM wears. `c` and `x` take `-` then exactly 8 characters, sent slowly.
import { UpsLinkError } from "../protocol/errors.js";
import type { CatalogueRow, Value } from "../protocol/types.js";
import type { ExclusiveLine, UpsLink } from "./link.js";
import { validateHexByte, validateText } from "./params.js";
import { readOnLine } from "./requests.js";

const EDIT = 0x2d; // `-`
/** NUT steps at most 32 times; no ring is longer. */
const MAX_STEPS = 32;

export interface EditResult {
  readonly [key: string]: Value;
  readonly changed: boolean;
  readonly value: string;
  readonly steps: number;
}

/** Options offered for a setting: the UPS's list when known, else the catalogue's, trimmed and unique. */
export function settingOptions(
  row: CatalogueRow,
  allowed: readonly string[] | null,
  locale: string | null,
): string[] {
  const fromCatalogue = row.values === null ? [] : (row.values[locale ?? ""] ?? row.values["4"] ?? []);
  const list = allowed !== null && allowed.length > 0 ? allowed : fromCatalogue;
  return [...new Set(list.map((v) => v.trim()))];
}

export async function editSetting(
  link: UpsLink,
  row: CatalogueRow,
  value: Value,
  allowed: readonly string[] | null,
): Promise<EditResult> {
  const text = row.params.find((p) => p.type === "text");
  if (text !== undefined && text.type === "text") {
    const wanted = validateText(row.id, text.name, text.length, text.pattern, value, text.description);
    return link.exclusive((line) => enterText(line, row, wanted.padEnd(text.length, " ")));
  }
  if (row.params.some((p) => p.type === "hex_byte")) {
    const wanted = validateHexByte(row.id, "mask", value);
    return link.exclusive((line) => enterText(line, row, wanted));
  }
  if (row.id === "battery_pack_config") {
    const n = typeof value === "string" && /^\d{1,3}$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 255) {
      throw new UpsLinkError(
        "invalid_params",
        "battery_pack_config takes the number of external battery packs, 0 to 255.",
      );
    }
    return link.exclusive((line) => stepCount(line, row, n));
  }
  const options = settingOptions(row, allowed, null);
  const target = matchOption(options, value);
  if (target === null) {
    throw new UpsLinkError(
      "invalid_params",
      `'${String(value)}' is not an allowed value of '${row.id}'. Allowed: ${options.join(", ") || "(none reported by this UPS)"}.`,
      { setting: row.id, allowed: options },
    );
  }
  return link.exclusive((line) => stepRing(line, row, target, options.length));
}

function matchOption(options: readonly string[], value: Value): string | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const wanted = String(value).trim();
  for (const option of options) {
    if (option.toUpperCase() === wanted.toUpperCase()) return option;
    if (/^\d+(\.\d+)?$/.test(option) && /^\d+(\.\d+)?$/.test(wanted) && Number(option) === Number(wanted))
      return option;
  }
  return null;
}

function same(reply: string, target: string): boolean {
  const a = reply.trim();
  const b = target.trim();
  if (a.toUpperCase() === b.toUpperCase()) return true;
  return /^\d+(\.\d+)?$/.test(a) && /^\d+(\.\d+)?$/.test(b) && Number(a) === Number(b);
}

function checkEditReply(row: CatalogueRow, reply: string): void {
  const text = reply.trim();
  if (text === "OK") return;
  if (text === "NO") {
    throw new UpsLinkError(
      "edit_locked",
      `The UPS refused to change '${row.id}': a DIP switch on its back is on, which locks settings. Turn the DIP switches off to edit settings from the bridge.`,
    );
  }
  if (text === "NA")
    throw new UpsLinkError("not_supported", `This UPS does not allow '${row.id}' to be changed (NA).`);
  throw new UpsLinkError("bad_reply", `The UPS answered the edit of '${row.id}' with '${text}'.`, {
    reply: text,
  });
}

async function stepRing(
  line: ExclusiveLine,
  row: CatalogueRow,
  target: string,
  ringLength: number,
): Promise<EditResult> {
  let current = await readOnLine(line, row);
  if (same(current, target)) return { changed: false, value: current.trim(), steps: 0 };
  const limit = Math.min(MAX_STEPS, Math.max(ringLength, 1) + 1);
  for (let step = 1; step <= limit; step++) {
    checkEditReply(row, await line.send(Uint8Array.of(EDIT)));
    current = await readOnLine(line, row);
    if (same(current, target)) return { changed: true, value: current.trim(), steps: step };
  }
  throw new UpsLinkError(
    "refused_by_ups",
    `The UPS went round the ring of '${row.id}' without reaching '${target}': it is not a value this unit accepts.`,
  );
}

async function enterText(line: ExclusiveLine, row: CatalogueRow, wanted: string): Promise<EditResult> {
  const current = await readOnLine(line, row);
  if (same(current, wanted)) return { changed: false, value: current.trim(), steps: 0 };
  const bytes = Uint8Array.from([EDIT, ...[...wanted].map((c) => c.charCodeAt(0))]);
  checkEditReply(row, await line.send(bytes));
  const after = await readOnLine(line, row);
  if (!same(after, wanted)) {
    throw new UpsLinkError(
      "refused_by_ups",
      `The UPS kept '${after.trim()}' for '${row.id}' after the edit.`,
    );
  }
  return { changed: true, value: after.trim(), steps: 1 };
}

async function stepCount(line: ExclusiveLine, row: CatalogueRow, target: number): Promise<EditResult> {
  let current = Number.parseInt(await readOnLine(line, row), 10);
  if (current === target) return { changed: false, value: String(current), steps: 0 };
  let steps = 0;
  while (current !== target && steps < MAX_STEPS) {
    // `+` and `-` after `>` add or remove one external pack (seed: battery_pack_config).
    const reply = await line.send(Uint8Array.of(current < target ? 0x2b : EDIT));
    steps++;
    const next = Number.parseInt(reply, 10);
    if (Number.isNaN(next)) checkEditReply(row, reply);
    else current = next;
  }
  if (current !== target)
    throw new UpsLinkError("refused_by_ups", `The UPS stopped at ${current} battery packs.`);
  return { changed: true, value: String(current), steps };
}
