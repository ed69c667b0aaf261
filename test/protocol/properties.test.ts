// Properties over arbitrary bytes: the parsers of untrusted replies never throw, and nothing they
// return for publishing holds a control byte (PROTOCOL-NOTES: never publish raw control bytes).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../../src/protocol/catalogue/index.js";
import { sanitizeText } from "../../src/protocol/decoders.js";
import { buildDump, catalogueDumpItems, parseDump } from "../../src/protocol/dump.js";
import {
  decodeCapabilities,
  localeLetter,
  parseCapabilities,
  parseFirmwareB,
  parseFirmwareV,
  sanitizeIdentity,
} from "../../src/protocol/identity.js";
import type { Value } from "../../src/protocol/types.js";

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Latin-1 text of arbitrary bytes, as a reply's text is. */
const anyReply = fc.uint8Array({ maxLength: 80 }).map((bytes) => String.fromCharCode(...bytes));
/** Replies that look like the real thing, so the parsers go deep, with arbitrary bytes mixed in. */
const dumpLike = fc
  .array(
    fc.oneof(
      fc.constantFrom("#", "##", "E443336168ON OFF", "uD43127130133136", "01", "\x16", "4", "9"),
      anyReply,
    ),
    {
      maxLength: 8,
    },
  )
  .map((parts) => parts.join(""));
const aLike = fc
  .tuple(fc.constantFrom("2", "3", "4", "x"), anyReply, anyReply, anyReply)
  .map(([level, alerts, commands, ext]) => `${level}.${alerts}.${commands}.${ext}`);

function strings(value: Value): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v as Value)]);
  }
  return [];
}

describe("sanitizers", () => {
  it("return printable ASCII without padding, for any bytes", () => {
    fc.assert(
      fc.property(anyReply, (text) => {
        for (const clean of [sanitizeText(text), sanitizeIdentity(text)]) {
          expect(CONTROL.test(clean)).toBe(false);
          expect(/[^\x20-\x7e]/.test(clean)).toBe(false);
          expect(clean).toBe(clean.trim());
        }
      }),
    );
  });

  it("keep printable text as it is", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/), (text) => {
        expect(sanitizeText(text)).toBe(text);
      }),
    );
  });
});

describe("parsers of untrusted replies", () => {
  it("a: never throws, printable output", () => {
    fc.assert(
      fc.property(fc.oneof(anyReply, aLike), (text) => {
        const caps = parseCapabilities(text);
        expect(CONTROL.test(caps.printable)).toBe(false);
        const decoded = decodeCapabilities(text);
        if (decoded.ok) for (const s of strings(decoded.value)) expect(CONTROL.test(s)).toBe(false);
        for (const byte of [...caps.alerts, ...caps.commands, ...caps.extensions]) {
          expect(byte >= 0 && byte <= 0xff).toBe(true);
        }
      }),
    );
  });

  it("dump: never throws, printable values and skipped items", () => {
    fc.assert(
      fc.property(fc.oneof(anyReply, dumpLike), fc.constantFrom("A", "D", "I", "M", null), (text, locale) => {
        const parsed = parseDump(text, locale);
        for (const values of Object.values(parsed.values)) {
          for (const v of values ?? []) expect(CONTROL.test(v)).toBe(false);
        }
        for (const s of parsed.skipped) expect(CONTROL.test(s.item)).toBe(false);
      }),
    );
  });

  it("dump: a good dump with noise appended keeps every good item", () => {
    const good = buildDump(catalogueDumpItems(), { matrix: false });
    const expected = Object.keys(parseDump(good, "I").values);
    expect(expected.length).toBeGreaterThan(10);
    fc.assert(
      fc.property(anyReply, (noise) => {
        // Noise can add or override items after the good ones, never lose one of them.
        const parsed = parseDump(good + noise, "I");
        expect(Object.keys(parsed.values)).toEqual(expect.arrayContaining(expected));
      }),
    );
  });

  it("firmware and every row decoder: never throw, published strings are printable", () => {
    fc.assert(
      fc.property(anyReply, (text) => {
        parseFirmwareB(text);
        parseFirmwareV(text);
        const letter = localeLetter(text, text);
        if (letter !== null) expect(letter).toMatch(/^[A-Z]$/);
        for (const row of CATALOGUE) {
          const result = row.decode?.(text);
          if (result === undefined) continue;
          const out = result.ok ? strings(result.value) : [result.error];
          for (const s of out) expect(CONTROL.test(s), `${row.id}: ${JSON.stringify(s)}`).toBe(false);
        }
      }),
    );
  });
});
