// The byte format of the Ctrl-Z dump (PROTOCOL-NOTES "Ctrl-Z"), without catalogue knowledge so the
// catalogue's own Ctrl-Z decoder can use it. `#` then items; on Matrix-UPS `##` before every item,
// the first included (`##uI43253264271280##lI43196188208204…`, as NUT's and apcupsd's parsers read
// it). An item is: setting opcode (may be a control
// character such as Ctrl-V or Ctrl-L), compatibility letter, number of choices, characters per
// choice, then the choices run together, spaces included: `E443336168ON OFF`.

import { UpsLinkError } from "./errors.js";
import { escapeBytes } from "./escape.js";

export interface DumpItem {
  /** The setting's opcode byte. */
  readonly opcode: number;
  /** `4` (every version) or the utility voltage letter (`A`, `D`, `I`, `M`). */
  readonly letter: string;
  /** The choices exactly as on the wire (`ON ` keeps its space). */
  readonly choices: readonly string[];
}

export interface SkippedItem {
  /** The bytes that were not used, escaped (`\x16I...`): safe to log and publish. */
  readonly item: string;
  readonly reason: string;
}

export interface TokenizedDump {
  readonly matrix: boolean;
  readonly items: readonly DumpItem[];
  readonly skipped: readonly SkippedItem[];
}

type ItemAt =
  | { readonly ok: true; readonly item: DumpItem; readonly end: number }
  | { readonly ok: false; readonly reason: string };

const DIGIT_0 = 0x30;

function isDigit1to9(byte: number | undefined): byte is number {
  return byte !== undefined && byte > DIGIT_0 && byte <= 0x39;
}

function isPrintable(byte: number): boolean {
  return byte >= 0x20 && byte < 0x7f;
}

function readItem(bytes: readonly number[], start: number, matrix: boolean): ItemAt {
  if (matrix && (bytes[start] !== 0x23 || bytes[start + 1] !== 0x23))
    return { ok: false, reason: "no ## before a Matrix-UPS item" };
  const at = matrix ? start + 2 : start;
  if (at + 4 > bytes.length) return { ok: false, reason: "truncated item header" };
  const opcode = bytes[at] ?? 0;
  const letter = bytes[at + 1] ?? 0;
  const count = bytes[at + 2];
  const width = bytes[at + 3];
  if (opcode === 0x0d || opcode === 0x0a || opcode === 0x23) return { ok: false, reason: "bad opcode" };
  if (!/^[0-9A-Z]$/.test(String.fromCharCode(letter)))
    return { ok: false, reason: "bad compatibility letter" };
  if (!isDigit1to9(count)) return { ok: false, reason: "bad choice count" };
  if (!isDigit1to9(width)) return { ok: false, reason: "bad choice width" };
  const n = count - DIGIT_0;
  const w = width - DIGIT_0;
  const end = at + 4 + n * w;
  if (end > bytes.length) return { ok: false, reason: "choices overrun the dump" };
  const choices: string[] = [];
  for (let i = 0; i < n; i++) {
    const chunk = bytes.slice(at + 4 + i * w, at + 4 + (i + 1) * w);
    if (!chunk.every(isPrintable)) return { ok: false, reason: "non-printable choice" };
    choices.push(String.fromCharCode(...chunk));
  }
  return { ok: true, item: { opcode, letter: String.fromCharCode(letter), choices }, end };
}

function toBytes(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i) & 0xffff);
  let end = out.length;
  while (end > 0 && (out[end - 1] === 0x0a || out[end - 1] === 0x0d)) end--;
  return out.slice(0, end);
}

/**
 * Splits a dump into items. Some firmware sends malformed counts or overruns (PROTOCOL-NOTES): a bad
 * item is reported in `skipped` and reading resumes at the next place where a well-formed item with
 * a known opcode starts. Never throws.
 */
export function tokenizeDump(text: string, isKnownOpcode: (byte: number) => boolean): TokenizedDump {
  const bytes = toBytes(text);
  if (bytes[0] !== 0x23) {
    return {
      matrix: false,
      items: [],
      skipped: bytes.length === 0 ? [] : [{ item: escapeBytes(bytes), reason: "dump does not start with #" }],
    };
  }
  const matrix = bytes[1] === 0x23;
  const items: DumpItem[] = [];
  const skipped: SkippedItem[] = [];
  let pos = matrix ? 0 : 1;
  while (pos < bytes.length) {
    const read = readItem(bytes, pos, matrix);
    if (read.ok && isKnownOpcode(read.item.opcode)) {
      items.push(read.item);
      pos = read.end;
      continue;
    }
    if (read.ok) {
      // Well formed, so its length is known: skip exactly this item.
      skipped.push({ item: escapeBytes(bytes.slice(pos, read.end)), reason: "unknown opcode" });
      pos = read.end;
      continue;
    }
    let next = pos + 1;
    while (next < bytes.length) {
      const candidate = readItem(bytes, next, matrix);
      if (candidate.ok && isKnownOpcode(candidate.item.opcode)) break;
      next++;
    }
    skipped.push({ item: escapeBytes(bytes.slice(pos, next)), reason: read.reason });
    pos = next;
  }
  return { matrix, items, skipped };
}

/** A dump as a UPS sends it (without CR LF). Choices are padded with spaces to one width. */
export function formatDump(items: readonly DumpItem[], options: { readonly matrix: boolean }): string {
  let out = options.matrix ? "" : "#";
  for (const item of items) {
    const width = Math.max(0, ...item.choices.map((choice) => choice.length));
    const valid =
      item.choices.length >= 1 &&
      item.choices.length <= 9 &&
      width >= 1 &&
      width <= 9 &&
      /^[0-9A-Z]$/.test(item.letter) &&
      item.choices.every((choice) => [...choice].every((c) => isPrintable(c.charCodeAt(0))));
    if (!valid) {
      throw new UpsLinkError(
        "invalid_params",
        "A dump item needs 1 to 9 printable choices of 1 to 9 characters.",
        {
          opcode: item.opcode,
          letter: item.letter,
        },
      );
    }
    if (options.matrix) out += "##";
    out += String.fromCharCode(item.opcode) + item.letter + String(item.choices.length) + String(width);
    out += item.choices.map((choice) => choice.padEnd(width, " ")).join("");
  }
  return out;
}
