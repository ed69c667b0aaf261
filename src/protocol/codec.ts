// The one codec between requests and the wire, read from the catalogue's rows. Going out: parameters
// and setting values are validated and encoded here and nowhere else. Coming back: what a reply
// means (`NA`, `NO`, `ERR`, `BYP`, `INV`, `*`, `OK`, ...) is read here and nowhere else, and turned
// into an error with a code and a sentence a user can act on. Pure: no I/O, no timers.
import { ALERT_BYTES } from "./catalogue/events.js";
import type { ActionRow, CatalogueRow, ModifierRow, SettingRow } from "./catalogue/rows.js";
import { UpsLinkError } from "./errors.js";
import { byteName, escapeBytes } from "./escape.js";
import { formatUpsDate } from "./identity.js";
import type { ParamSpec, Value } from "./types.js";

// ----- going out: parameters -----

/** Validates a row's params; returns them normalized. Unknown or out-of-range values throw `invalid_params`. */
export function validateParams(
  row: CatalogueRow,
  params: Readonly<Record<string, Value>>,
): Record<string, Value> {
  const known = new Set(row.params.map((p) => p.name));
  for (const name of Object.keys(params)) {
    if (!known.has(name)) {
      const allowed =
        row.params.length === 0 ? "it takes no parameters" : `allowed: ${[...known].join(", ")}`;
      throw new UpsLinkError("invalid_params", `'${row.id}' has no parameter '${name}' (${allowed}).`, {
        action: row.id,
      });
    }
  }
  const out: Record<string, Value> = {};
  for (const spec of row.params) out[spec.name] = validateParam(row.id, spec, params[spec.name]);
  return out;
}

function validateParam(id: string, spec: ParamSpec, raw: Value | undefined): Value {
  switch (spec.type) {
    case "integer": {
      // `shutdown_delayed_wake` without `tenths` wakes with no extra delay (NUT's awd default).
      if (raw === undefined || raw === null) return spec.min;
      const n = typeof raw === "string" && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== "number" || !Number.isInteger(n) || n < spec.min || n > spec.max) {
        throw new UpsLinkError(
          "invalid_params",
          `'${spec.name}' of '${id}' must be a whole number from ${spec.min} to ${spec.max} (${spec.description}).`,
          { action: id, param: spec.name },
        );
      }
      return n;
    }
    case "text":
      return validateText(id, spec, raw);
    case "hex_byte":
      return validateHexByte(id, spec, raw);
  }
}

function validateText(
  id: string,
  spec: Extract<ParamSpec, { type: "text" }>,
  raw: Value | undefined,
): string {
  if (typeof raw !== "string") {
    throw new UpsLinkError("invalid_params", `'${id}' needs '${spec.name}' as text: ${spec.description}.`, {
      setting: id,
    });
  }
  // A date is typed as ISO (10 characters) and written in the unit's 8: its pattern bounds it.
  const longest = spec.format === "date" ? 10 : spec.length;
  if (raw.length > longest || !new RegExp(spec.pattern).test(raw)) {
    throw new UpsLinkError(
      "invalid_params",
      `'${raw}' is not a valid value for '${id}': ${spec.description} (at most ${spec.length} characters).`,
      { setting: id },
    );
  }
  if (spec.format === "date") {
    const wire = formatUpsDate(raw);
    if (wire === null) {
      throw new UpsLinkError(
        "invalid_params",
        `'${raw}' is not a valid value for '${id}': ${spec.description}, and a real calendar date.`,
        { setting: id },
      );
    }
    return wire;
  }
  return raw;
}

function validateHexByte(id: string, spec: ParamSpec, raw: Value | undefined): string {
  const text = typeof raw === "number" && Number.isInteger(raw) ? raw.toString(16) : raw;
  if (typeof text !== "string" || !/^[0-9a-fA-F]{1,2}$/.test(text)) {
    throw new UpsLinkError(
      "invalid_params",
      `'${spec.name}' of '${id}' must be a byte in hex, 00 to FF (or a number 0 to 255).`,
      { setting: id },
    );
  }
  return text.toUpperCase().padStart(2, "0");
}

/** A normalized param value as it goes on the wire: digits zero padded, text space padded. */
function paramText(spec: ParamSpec, value: Value | undefined): string {
  switch (spec.type) {
    case "integer":
      return String(value).padStart(spec.digits, "0");
    case "text":
      return String(value).padEnd(spec.length, " ");
    case "hex_byte":
      return String(value);
  }
}

function latin1(text: string): number[] {
  return Array.from(text, (char) => char.charCodeAt(0) & 0xff);
}

/** An action ready for the wire: its row, its normalized params (what a confirmation shows), its bytes. */
export interface EncodedAction {
  readonly row: ActionRow;
  readonly params: Readonly<Record<string, Value>>;
  /** One press: the opcode then the parameters (`@` + 3 digits). A two-press row sends it twice. */
  readonly bytes: Uint8Array;
}

/** Validates and encodes an action; throws `invalid_params` before anything can be sent. */
export function encodeAction(row: ActionRow, params: Readonly<Record<string, Value>> = {}): EncodedAction {
  const normalized = validateParams(row, params);
  const bytes = [...row.wire.bytes];
  for (const spec of row.params) bytes.push(...latin1(paramText(spec, normalized[spec.name])));
  return { row, params: normalized, bytes: Uint8Array.from(bytes) };
}

// ----- going out: setting values -----

/** What an edit is to reach, by the setting's entry kind. */
export type SettingTarget =
  | { readonly entry: "ring"; readonly value: string }
  | { readonly entry: "text" | "hex"; readonly value: string; readonly bytes: Uint8Array }
  | { readonly entry: "count"; readonly value: number };

/**
 * Validates the value a user wants for a setting. `options` are the ring's values for this unit
 * (its Ctrl-Z items or the seed's ring). Throws `invalid_params`, naming what is allowed.
 */
export function encodeSettingValue(row: SettingRow, value: Value, options: readonly string[]): SettingTarget {
  switch (row.entry) {
    case "text":
    case "hex": {
      const spec = row.params[0];
      if (spec === undefined) throw new UpsLinkError("invalid_params", `'${row.id}' takes no entry.`);
      // Refused characters are named before the row's pattern gives its general sentence; the wire
      // form is checked again, whatever the typed form became.
      if (spec.type === "text" && typeof value === "string")
        refuseEntryBytes(row.id, value, typedRefusals(spec));
      const normalized = validateParam(row.id, spec, value);
      const text = paramText(spec, normalized);
      if (row.entry === "text") refuseEntryBytes(row.id, String(value), ENTRY_REFUSED_BYTES, text);
      return { entry: row.entry, value: text, bytes: Uint8Array.from(latin1(text)) };
    }
    case "count": {
      const n = typeof value === "string" && /^\d{1,3}$/.test(value) ? Number(value) : value;
      if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 255) {
        throw new UpsLinkError(
          "invalid_params",
          `${row.id} takes the number of external battery packs, 0 to 255.`,
          { setting: row.id },
        );
      }
      return { entry: "count", value: n };
    }
    case "ring": {
      const target = matchOption(options, value);
      if (target === null) {
        throw new UpsLinkError(
          "invalid_params",
          `'${String(value)}' is not an allowed value of '${row.id}'. Allowed: ${options.join(", ") || "(none reported by this UPS)"}.`,
          { setting: row.id, allowed: options },
        );
      }
      return { entry: "ring", value: target };
    }
  }
}

// ----- going out: text entries (`c`, `x`) -----

const EDIT_BYTE = 0x2d;

/**
 * Bytes a `c` or `x` entry may not carry: the UPS takes an alert character as that alert (`UPS#1`
 * is stored as `UPS1` and raises replace battery), and `-` inside the value as the edit command
 * (PROTOCOL-NOTES "Editing a setting"). Read from the catalogue's events, so a new alert row is
 * refused here too.
 */
export const ENTRY_REFUSED_BYTES: ReadonlySet<number> = new Set([...ALERT_BYTES, EDIT_BYTE]);

/** What may not be typed: a date row keeps `-`, which separates an ISO date (written as `mm/dd/yy`). */
function typedRefusals(spec: Extract<ParamSpec, { type: "text" }>): ReadonlySet<number> {
  if (spec.format !== "date") return ENTRY_REFUSED_BYTES;
  return new Set([...ENTRY_REFUSED_BYTES].filter((byte) => byte !== EDIT_BYTE));
}

function refuseEntryBytes(id: string, typed: string, refused: ReadonlySet<number>, wire = typed): void {
  const found = [...new Set(latin1(wire))].filter((byte) => refused.has(byte));
  if (found.length === 0) return;
  const names = (bytes: Iterable<number>) => [...bytes].map((byte) => `'${byteName(byte)}'`).join(" ");
  throw new UpsLinkError(
    "invalid_params",
    `'${typed}' cannot be written to '${id}': the UPS would take ${names(found)} as an alert or as the edit command, not as part of the value. Leave out ${names(ENTRY_REFUSED_BYTES)}.`,
    { setting: id, refused: found.map(byteName) },
  );
}

/**
 * What a text entry accepts as typed, as a regular expression source (for Home Assistant's `text`
 * pattern): the row's pattern without the bytes that may not be typed.
 */
export function textEntryPattern(spec: Extract<ParamSpec, { type: "text" }>): string {
  const klass = [...typedRefusals(spec)].map((byte) => `\\x${byte.toString(16).padStart(2, "0")}`).join("");
  const lookahead = `(?!.*[${klass}])`;
  return spec.pattern.startsWith("^")
    ? `^${lookahead}${spec.pattern.slice(1)}`
    : `${lookahead}${spec.pattern}`;
}

function isDecimal(text: string): boolean {
  return /^\d+(\.\d+)?$/.test(text);
}

function matchOption(options: readonly string[], value: Value): string | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const wanted = String(value).trim();
  for (const option of options) {
    // `ON ` (trailing space in the ring) is `ON` as published and as Home Assistant sends it back.
    if (option.trim().toUpperCase() === wanted.toUpperCase()) return option;
    if (isDecimal(option) && isDecimal(wanted) && Number(option) === Number(wanted)) return option;
  }
  return null;
}

/** Whether a read-back setting value is the wanted one (case and zero padding aside: `020` is 20). */
export function sameSettingValue(reply: string, target: string): boolean {
  // Measure-UPS limits come one per side (`55,50`, `NO,NO`): the same when every side is.
  const a = reply.trim().split(",");
  const b = target.trim().split(",");
  return a.length === b.length && a.every((side, i) => sameSide(side, b[i] ?? ""));
}

function sameSide(reply: string, target: string): boolean {
  const a = reply.trim();
  const b = target.trim();
  if (a.toUpperCase() === b.toUpperCase()) return true;
  return isDecimal(a) && isDecimal(b) && Number(a) === Number(b);
}

// ----- coming back: replies -----

/** What a reply means for the row it answers. */
export type ReplyMeaning =
  /** A query or setting answered with its value. */
  | { readonly kind: "value"; readonly text: string }
  /** An action or the edit modifier did what was asked. */
  | { readonly kind: "done"; readonly data: ActionReply }
  /** `NA`: not supported, or not now (sleeping, after `S`, during calibration). */
  | { readonly kind: "not_available" }
  /** `NO` or `ERR`: the UPS declined (what it means is the row's `refusal`). */
  | { readonly kind: "refused"; readonly reply: "NO" | "ERR" }
  /** The value is not valid yet: ask again (`Q` answering `SM`). */
  | { readonly kind: "not_ready" }
  /** An action reply its row does not list. */
  | { readonly kind: "unexpected"; readonly reply: string };

/** The data of an action's response: the reply, and what a toggle did (`^`: to bypass or back). */
export type ActionReply =
  | { readonly reply: string }
  | { readonly reply: string; readonly result: "to_bypass" | "to_inverter" };

const DONE: Readonly<Record<string, ActionReply>> = {
  OK: { reply: "OK" },
  "*": { reply: "*" }, // old units answer K, Z and @ with a bare `*`
  SM: { reply: "SM" },
  BYE: { reply: "BYE" },
  CLEAR: { reply: "CLEAR" },
  BYP: { reply: "BYP", result: "to_bypass" },
  INV: { reply: "INV", result: "to_inverter" },
};

export function interpretReply(row: CatalogueRow, text: string): ReplyMeaning {
  const reply = text.trim();
  if (reply === "NA") return { kind: "not_available" };
  if (row.kind === "query" || row.kind === "setting") {
    if (row.kind === "query" && row.notReady !== null && reply === row.notReady) return { kind: "not_ready" };
    // Matrix-UPS answers `NO` to the settings it lacks (`l`, `e`: seed §3.4); but `NO` is also a
    // value of `w` (run time conservation off).
    if (row.kind === "setting" && reply === "NO" && !ringHas(row, "NO")) return { kind: "refused", reply };
    return { kind: "value", text };
  }
  // `ERR` is how `^` declines; from any other action it can only mean the same. The edit modifier
  // declines with `NO` alone.
  if (reply === "NO" || (reply === "ERR" && row.kind === "action")) return { kind: "refused", reply };
  const done = DONE[reply];
  if (done !== undefined) return { kind: "done", data: done };
  // A row the seed lists no reply for (Ctrl-N): silence or an empty line is success.
  if (row.replies.length === 0 && reply === "") return { kind: "done", data: { reply: "" } };
  return { kind: "unexpected", reply };
}

function ringHas(row: SettingRow, value: string): boolean {
  return Object.values(row.values ?? {}).some((values) => values.includes(value));
}

/** The error a reply means, with the row's own sentence where it has one. */
export function replyError(
  row: CatalogueRow,
  meaning: Exclude<ReplyMeaning, { kind: "value" | "done" }>,
  options: { readonly transient?: boolean } = {},
): UpsLinkError {
  switch (meaning.kind) {
    case "not_available": {
      const transient = options.transient ?? true;
      const message = transient
        ? `The UPS cannot do '${row.id}' right now (it answered NA).`
        : `The UPS does not support '${row.id}' (it answered NA).`;
      return new UpsLinkError("not_supported", message, { id: row.id, transient });
    }
    case "refused": {
      const refusal = row.kind === "action" || row.kind === "modifier" ? row.refusal : null;
      return new UpsLinkError(
        refusal?.code ?? "refused_by_ups",
        refusal?.sentence ?? `The UPS refused '${row.id}' (it answered ${meaning.reply}).`,
        { id: row.id, reply: meaning.reply },
      );
    }
    case "not_ready":
      return badReply(row, row.kind === "query" ? (row.notReady ?? "") : "", "status not valid yet");
    case "unexpected":
      return new UpsLinkError(
        "bad_reply",
        `The UPS answered '${row.id}' with '${meaning.reply}', which this bridge does not expect.`,
        { id: row.id, reply: meaning.reply },
      );
  }
}

/** The data of an action's reply (as `interpretReply` read it), or the error it means. */
export function actionResult(row: ActionRow, meaning: ReplyMeaning): ActionReply {
  if (meaning.kind === "done") return meaning.data;
  if (meaning.kind === "value") throw replyError(row, { kind: "unexpected", reply: meaning.text });
  throw replyError(row, meaning);
}

/**
 * Checks the reply to `-` while editing `setting`: `OK` goes on; `NO` means a DIP switch locks edits
 * (`edit_locked`), `NA` that this unit does not allow the change.
 */
export function checkEditReply(edit: ModifierRow, setting: SettingRow, text: string): void {
  const meaning = interpretReply(edit, text);
  switch (meaning.kind) {
    case "done":
      if (meaning.data.reply === "OK") return;
      break;
    case "refused":
      throw new UpsLinkError(
        edit.refusal?.code ?? "refused_by_ups",
        `The UPS refused to change '${setting.id}': ${edit.refusal?.sentence ?? `it answered ${meaning.reply}.`}`,
      );
    case "not_available":
      throw new UpsLinkError("not_supported", `This UPS does not allow '${setting.id}' to be changed (NA).`);
    default:
      break;
  }
  throw new UpsLinkError("bad_reply", `The UPS answered the edit of '${setting.id}' with '${text.trim()}'.`, {
    reply: text.trim(),
  });
}

/** A reply that does not fit its row: most likely the late answer to an earlier request. */
export function badReply(row: CatalogueRow, text: string, why: string): UpsLinkError {
  return new UpsLinkError(
    "bad_reply",
    `Unexpected reply to '${row.id}': ${escapeBytes(latin1(text))} (${why}).`,
    {
      id: row.id,
    },
  );
}
