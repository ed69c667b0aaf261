// Identity replies: the capability list (`a`), firmware (`b`, `V`), model, serial and dates.
// These replies are the least regular of the protocol (PROTOCOL-NOTES "Values"): padding with NUL
// or spaces, control bytes inside `a`, bytes at or above 0x80 on level 4, an AP9620 card's own
// `b` form. Every function here is pure and never throws on any input.
import { decodeText, fail, ok, sanitizeText } from "./decoders.js";
import { escapeBytes } from "./escape.js";
import type { DecodeResult } from "./types.js";

/** Text or bytes as byte values; characters beyond Latin-1 (a lossy decode upstream) are dropped. */
function toBytes(input: string | Uint8Array): number[] {
  if (typeof input !== "string") return Array.from(input);
  const out: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const code = input.charCodeAt(i);
    if (code <= 0xff) out.push(code);
  }
  return out;
}

function stripEolBytes(bytes: number[]): number[] {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  return bytes.slice(0, end);
}

/** The `a` reply, parsed: what the unit lists of itself. */
export interface CapabilityList {
  /** UPS-Link protocol level (2, 3, 4), null when the reply is not an `a` answer. */
  readonly level: number | null;
  /** Alert characters the UPS may send. */
  readonly alerts: readonly number[];
  /** Single-byte commands the UPS implements (control characters included: 0x01, 0x0e, 0x1a, 0x7f). */
  readonly commands: readonly number[];
  /** The level-4 fourth field, raw bytes (may be at or above 0x80). */
  readonly extensions: readonly number[];
  /** The whole reply with every non-printable byte escaped (`\x01`): safe to log and publish. */
  readonly printable: string;
}

const DOT = 0x2e;

/**
 * Parses `a`: `level.alerts.commands[.extensions]`, e.g. `3.!$%+?=#|.` + command bytes. Only the
 * first three dots split fields: the fourth field is kept whole. Never throws.
 */
export function parseCapabilities(input: string | Uint8Array): CapabilityList {
  const bytes = stripEolBytes(toBytes(input));
  const fields: number[][] = [[]];
  for (const byte of bytes) {
    const current = fields[fields.length - 1] ?? [];
    if (byte === DOT && fields.length < 4) fields.push([]);
    else current.push(byte);
  }
  const levelText = String.fromCharCode(...(fields[0] ?? []));
  const level = /^\d{1,2}$/.test(levelText) && fields.length >= 2 ? Number(levelText) : null;
  const unique = (list: readonly number[] | undefined): number[] => [...new Set(list ?? [])];
  return {
    level,
    alerts: level === null ? [] : unique(fields[1]),
    commands: level === null ? [] : unique(fields[2]),
    extensions: level === null ? [] : (fields[3] ?? []),
    printable: escapeBytes(bytes),
  };
}

/** Catalogue decoder for `a`: a JSON-safe summary (control bytes escaped). */
export function decodeCapabilities(text: string): DecodeResult {
  const caps = parseCapabilities(text);
  if (caps.level === null) return fail("expected level.alerts.commands");
  return ok({
    level: caps.level,
    alerts: escapeBytes(caps.alerts),
    commands: escapeBytes(caps.commands),
    extensions: escapeBytes(caps.extensions),
  });
}

export type FirmwareB =
  | {
      readonly form: "decimal";
      readonly sku: string;
      readonly firmware: string;
      /** The utility voltage / country letter (I, D, A, M, J). */
      readonly locale: string;
    }
  | {
      /** Units behind an AP9620 card answer `UPS 09.3 / ID=18`. */
      readonly form: "ap9620";
      readonly firmware: string;
      readonly upsId: number;
    };

/** Parses `b`: `SKU.firmware.locale` with fields of varying length (`21.3.I`, `411.7.I`, `60.11.I`). */
export function parseFirmwareB(text: string): FirmwareB | null {
  const clean = sanitizeText(text);
  const card = /^UPS\s+([0-9A-Za-z.]{1,10})\s*\/\s*ID=(\d{1,5})$/.exec(clean);
  if (card?.[1] !== undefined && card[2] !== undefined) {
    return { form: "ap9620", firmware: card[1], upsId: Number(card[2]) };
  }
  const decimal = /^(\d{1,4})\.(\d{1,3})\.([A-Z])$/.exec(clean);
  if (decimal?.[1] !== undefined && decimal[2] !== undefined && decimal[3] !== undefined) {
    return { form: "decimal", sku: decimal[1], firmware: decimal[2], locale: decimal[3] };
  }
  // Some old units answer `b` with garbage: the caller falls back to `V`.
  return null;
}

export interface FirmwareV {
  /** Base model type (first character). */
  readonly model: string;
  /** Firmware letter (`W` on 3G Smart-UPS). */
  readonly firmwareLetter: string;
  /** Utility voltage version letter: the compatibility letter of the Ctrl-Z dump. */
  readonly locale: string;
}

/** Parses `V`: exactly three printable characters. */
export function parseFirmwareV(text: string): FirmwareV | null {
  const clean = sanitizeText(text);
  if (!/^[0-9A-Za-z]{3}$/.test(clean)) return null;
  return { model: clean.charAt(0), firmwareLetter: clean.charAt(1), locale: clean.charAt(2) };
}

/**
 * The locale letter the Ctrl-Z dump's items are matched against: the last field of `b`, else the
 * last character of `V` (PROTOCOL-NOTES "Ctrl-Z"). Null when neither reply is usable.
 */
export function localeLetter(
  firmwareB: string | null | undefined,
  firmwareV: string | null | undefined,
): string | null {
  const b = firmwareB == null ? null : parseFirmwareB(firmwareB);
  if (b?.form === "decimal") return b.locale;
  const v = firmwareV == null ? null : parseFirmwareV(firmwareV);
  if (v !== null && /^[A-Z]$/.test(v.locale)) return v.locale;
  return null;
}

/** Model name (Ctrl-A) or serial (`n`): printable, without NUL or space padding. */
export function sanitizeIdentity(text: string): string {
  return sanitizeText(text);
}

/** Catalogue decoder for model names and serials: empty after sanitizing is not a value. */
export function decodeIdentityText(text: string): DecodeResult {
  return decodeText(text);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * `dd/mm/yy` as an ISO date (`1998-11-27`), or null. Two-digit years from 80 on are 19xx: UPS-Link
 * units were first made in the 1990s.
 */
export function parseUpsDate(text: string): string | null {
  const match = /^(\d{2})\/(\d{2})\/(\d{2})$/.exec(sanitizeText(text));
  if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) return null;
  const day = Number(match[1]);
  const month = Number(match[2]);
  const yy = Number(match[3]);
  const year = yy >= 80 ? 1900 + yy : 2000 + yy;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return `${year}-${match[2]}-${match[1]}`;
}

/** Catalogue decoder for `m`: ISO date when valid, else the sanitized text as the UPS sent it. */
export function decodeManufactureDate(text: string): DecodeResult {
  const iso = parseUpsDate(text);
  if (iso !== null) return ok(iso);
  return decodeText(text);
}
