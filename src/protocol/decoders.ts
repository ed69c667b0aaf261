// Pure decoders from reply text to published values. A decoder never throws: it returns
// `{ ok: false, error }` for a reply it cannot read, and the caller decides what that means.
// `NA` is never decoded as a value: it means "not supported" or "not now" (PROTOCOL-NOTES
// "Values"), which the link maps to `not_supported` before any decoder runs.
import { type BitId, REGISTER_MAP } from "./catalogue/registers.js";
import type { RegisterPatch } from "./catalogue/rows.js";
import type { DecodeResult, Decoder, RegisterName, Value } from "./types.js";

export function ok(value: Value): DecodeResult {
  return { ok: true, value };
}

export function fail(error: string): DecodeResult {
  return { ok: false, error };
}

/** Printable form of untrusted text for error messages (no control bytes, bounded length). */
function shown(text: string): string {
  const clean = sanitizeText(text);
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

/**
 * Printable ASCII only, trimmed: NUL and space padding (`NS9847001053\0\0`), control bytes and bytes
 * at or above 0x7f are removed. Raw control bytes must never reach JSON or MQTT (PROTOCOL-NOTES
 * "Values").
 */
export function sanitizeText(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x20 && code < 0x7f) out += char;
  }
  return out.trim();
}

/** The reply without a trailing CR LF (the frame parser normally removes it already). */
function stripEol(text: string): string {
  return text.replace(/\r?\n?$/, "");
}

function isNa(text: string): boolean {
  return text.trim() === "NA";
}

/** The seed's fixed-width number shapes (`ddd.d` battery capacity, `dd.dd` frequency, …). */
export type NumberFormat = "ddd.d" | "dd.dd" | "ddd" | "ddd.dd";

// Real units do not always pad as the spec says (`B` on a 48 V unit, a negative temperature):
// any plain decimal is read, the format names what the seed documents.
const DECIMAL = /^-?\d{1,4}(?:\.\d{1,3})?$/;

export function numberDecoder(format: NumberFormat): Decoder {
  return (text) => {
    const value = stripEol(text).trim();
    if (isNa(value)) return fail("NA is a status reply, not a value");
    if (!DECIMAL.test(value)) return fail(`expected a number like ${format}, got '${shown(value)}'`);
    return ok(Number(value));
  };
}

export const decodeDddD = numberDecoder("ddd.d");
export const decodeDdDd = numberDecoder("dd.dd");
export const decodeDdd = numberDecoder("ddd");
export const decodeDddDd = numberDecoder("ddd.dd");

/**
 * `j`: `dddd:` is minutes; `>>>>:` means the runtime cannot be determined, which is unknown
 * (`null`), never 0 (PROTOCOL-NOTES: NUT and apcupsd turn it into 0 and trip low-runtime logic).
 */
export function decodeRunTime(text: string): DecodeResult {
  const reply = stripEol(text).trim();
  if (isNa(reply)) return fail("NA is a status reply, not a value");
  // The `:` is part of the format: without it the reply is not a runtime (`00871` is `0087:`
  // with its colon garbled into a digit, and would read as 871 minutes).
  if (!reply.endsWith(":")) return fail(`expected run time like 0042:, got '${shown(text)}' (no ':')`);
  const value = reply.slice(0, -1);
  if (/^>+$/.test(value)) return ok(null);
  if (!/^\d{1,5}$/.test(value)) return fail(`expected run time like 0042:, got '${shown(text)}'`);
  return ok(Number(value));
}

/** Two hex digits as a number, or null. Accepts either case and surrounding blanks. */
export function parseHexByte(text: string): number | null {
  const value = stripEol(text).trim();
  if (!/^[0-9A-Fa-f]{2}$/.test(value)) return null;
  return Number.parseInt(value, 16);
}

/** A hex register reply as normalized two-digit uppercase hex (`08`); bits via registers.ts. */
export function decodeHexByte(text: string): DecodeResult {
  const byte = parseHexByte(text);
  if (byte === null) return fail(`expected two hex digits, got '${shown(text)}'`);
  return ok(formatHexByte(byte));
}

export function formatHexByte(byte: number): string {
  return (byte & 0xff).toString(16).toUpperCase().padStart(2, "0");
}

/** A decoder for a reply that is one code of a fixed set, mapped to the published enum value. */
export function enumDecoder(what: string, codes: Readonly<Record<string, string>>): Decoder {
  return (text) => {
    const code = stripEol(text).trim();
    const value = Object.hasOwn(codes, code) ? codes[code] : undefined;
    if (value === undefined) {
      return fail(`expected ${what} (${Object.keys(codes).join(", ")}), got '${shown(code)}'`);
    }
    return ok(value);
  };
}

/** `X`: the last self-test result (kept 5 minutes after `W`). */
export const BATTERY_TEST_CODES = {
  OK: "ok",
  BT: "failed",
  NG: "invalid_overload",
  NO: "no_result",
} as const;
/** `G`: why the UPS last went to battery; `S` tells a self-test from an outage (PROTOCOL-NOTES). */
export const TRANSFER_CAUSE_CODES = {
  R: "rate_of_change",
  H: "high_line",
  L: "low_line",
  T: "notch_spike",
  O: "none",
  S: "command_test",
} as const;
/** `9`: utility line quality. */
export const LINE_QUALITY_CODES = { FF: "acceptable", "00": "unacceptable" } as const;

export const decodeBatteryTest = enumDecoder("a battery test result", BATTERY_TEST_CODES);
export const decodeTransferCause = enumDecoder("a transfer cause", TRANSFER_CAUSE_CODES);
export const decodeLineQuality = enumDecoder("a line quality code", LINE_QUALITY_CODES);

/**
 * The published form of a setting value: the wire text trimmed (`E` answers `ON ` with a trailing
 * space). Compare ring values (which keep the wire padding) through this.
 */
export function normalizeSettingValue(text: string): string {
  return sanitizeText(text);
}

/** A setting's current value as trimmed printable text (rings hold `ON `, `020`, `H`, `32.13`, …). */
export function decodeSettingText(text: string): DecodeResult {
  const value = normalizeSettingValue(stripEol(text));
  if (value === "") return fail("empty setting value");
  if (value === "NA") return fail("NA is a status reply, not a value");
  return ok(value);
}

/** Sides of a Measure-UPS pair reply: `55,50`, `NO,NO`, `0F,00`; one side for the seed's form. */
const MAX_SIDES = 4;

function sides(text: string): string[] | null {
  const parts = stripEol(text)
    .split(",")
    .map((part) => sanitizeText(part));
  return parts.length > MAX_SIDES || parts.some((part) => part === "") ? null : parts;
}

/**
 * A Measure-UPS alarm limit (`[ ] { }`). The seed shows one value (`32.13`); real units answer one
 * per side, comma separated (PROTOCOL-NOTES "Real units": `NO,NO`, `55,50`), `NO` being a side
 * with no limit. Each side is checked (a number or `NO`); one side is published as a number (`4.08`),
 * pairs as the unit orders them (`55,50`), so the value reads back and is set in the same form.
 */
export function decodeMeasureLimit(text: string): DecodeResult {
  const parts = sides(text);
  if (parts === null)
    return fail(`expected a limit like 32.13 or one per side like 55,50, got '${shown(text)}'`);
  if (parts.length === 1 && parts[0] === "NA") return fail("NA is a status reply, not a value");
  for (const part of parts) {
    if (part.toUpperCase() !== "NO" && !DECIMAL.test(part))
      return fail(`expected each side of a limit to be a number or NO, got '${shown(text)}'`);
  }
  // One side is a number without the ring's padding (`04.08` → 4.08), as every numeric setting is;
  // pairs stay the unit's text (`055.0,NO`), sides compared by value when set (codec.ts).
  const normal = parts.map((part) => (part.toUpperCase() === "NO" ? "NO" : part));
  return ok(normal.length === 1 && normal[0] !== "NO" ? Number(normal[0]) : normal.join(","));
}

/**
 * Measure-UPS `J`: one alarm byte, or one per side (`0F,00` from a real unit). The bits mean the
 * same alarm on every side, so the sides are combined: a bit is set when any side has it.
 */
export function decodeAlarmRegister(text: string): DecodeResult {
  const parts = sides(text);
  const bytes = parts?.map(parseHexByte) ?? [];
  if (parts === null || bytes.some((byte) => byte === null))
    return fail(`expected two hex digits, or one pair per side like 0F,00, got '${shown(text)}'`);
  return ok(formatHexByte(bytes.reduce<number>((all, byte) => all | (byte ?? 0), 0)));
}

/**
 * A numeric setting's value as a number in the seed's unit, without the ring's padding (`020` → 20
 * seconds, `070.0` → 70 percent, `04.08` → 4.08 °C): the per-key topics keep one machine form
 * (CONTRACT "Machine forms"). A ring word that is no number (`NO` of run_time_conservation, a
 * Measure-UPS pair `55,50` not decoded yet) stays the trimmed text, as `decodeSettingText` gives it.
 */
export function decodeSettingNumber(text: string): DecodeResult {
  const decoded = decodeSettingText(text);
  if (!decoded.ok || typeof decoded.value !== "string") return decoded;
  return /^[+-]?\d+(\.\d+)?$/.test(decoded.value) ? ok(Number(decoded.value)) : decoded;
}

/** Free text (copyright, Measure-UPS version): printable and trimmed, may not be empty. */
export function decodeText(text: string): DecodeResult {
  const value = sanitizeText(text);
  if (value === "") return fail("empty reply");
  if (value === "NA") return fail("NA is a status reply, not a value");
  return ok(value);
}

/** A `ddd` count (battery packs): an integer. */
export function decodeCount(text: string): DecodeResult {
  const value = stripEol(text).trim();
  if (isNa(value)) return fail("NA is a status reply, not a value");
  if (!/^\d{1,3}$/.test(value)) return fail(`expected a count like 001, got '${shown(value)}'`);
  return ok(Number(value));
}

// ----- registers -----

/** The bits of a register byte as `{ bitId: boolean }` (only the bits the map names). */
export function registerBits(name: RegisterName, byte: number): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const b of REGISTER_MAP[name].bits) out[b.id] = (byte & (1 << b.bit)) !== 0;
  return out;
}

/** Decodes a register reply (`08`) into `{ bitId: boolean }`. Never throws. */
export function decodeRegister(name: RegisterName, hexText: string): DecodeResult {
  const byte = parseHexByte(hexText);
  if (byte === null) return fail(`register ${name}: expected two hex digits`);
  return ok(registerBits(name, byte));
}

/** A register patch as masks: `byte | set & ~clear` applies it. */
export function patchMasks(patch: RegisterPatch): { readonly set: number; readonly clear: number } {
  const mask = (ids: readonly BitId[]) =>
    REGISTER_MAP[patch.register].bits.reduce((m, b) => (ids.includes(b.id) ? m | (1 << b.bit) : m), 0);
  return { set: mask(patch.set), clear: mask(patch.clear) };
}
