// The corpus of real captures (test/fixtures/real/, each naming its source and unit): every reply is
// decoded as the unit meant it, the identity and Ctrl-Z rings come out right, and the frame parser
// turns each recorded byte stream back into exactly the replies that were sent (issue 13).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { eventByByte, rowsByOpcodeByte } from "../../src/protocol/catalogue/index.js";
import { interpretReply } from "../../src/protocol/codec.js";
import { parseDump } from "../../src/protocol/dump.js";
import { FrameParser } from "../../src/protocol/frames.js";
import {
  localeLetter,
  parseCapabilities,
  parseFirmwareB,
  parseUpsDate,
  sanitizeIdentity,
} from "../../src/protocol/identity.js";
import type { CatalogueRow, Value } from "../../src/protocol/types.js";

interface Exchange {
  readonly send: string;
  readonly reply: string;
  readonly value?: Value | Record<string, Value>;
  readonly not_available?: boolean;
  readonly not_a_list?: boolean;
}
interface Capture {
  readonly unit: string;
  readonly source: string;
  readonly identity?: {
    readonly firmware?: string;
    readonly locale?: string;
    readonly manufactureDate?: string;
    readonly serial?: string;
    readonly protocolLevel?: number | null;
  };
  readonly exchanges: readonly Exchange[];
  readonly dump?: {
    readonly text: string;
    readonly locale: string;
    readonly values: Readonly<Record<string, readonly string[]>>;
  };
}

const DIR = join(import.meta.dirname, "../fixtures/real");
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".json"));

function load(file: string): Capture {
  return JSON.parse(readFileSync(join(DIR, file), "utf8")) as Capture;
}

/** The row a recorded byte asked for: the query or setting it reads, else the action. */
function rowFor(send: string): CatalogueRow {
  const rows = rowsByOpcodeByte(send.charCodeAt(0));
  const row = rows.find((r) => r.kind === "query" || r.kind === "setting") ?? rows[0];
  if (row === undefined) throw new Error(`no catalogue row for ${JSON.stringify(send)}`);
  return row;
}

function bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

it("has captures", () => {
  expect(FILES.length).toBeGreaterThanOrEqual(6);
});

for (const file of FILES) {
  const capture = load(file);
  describe(`${file}: ${capture.unit}`, () => {
    it("names its source", () => {
      expect(capture.source.length).toBeGreaterThan(10);
    });

    it("decodes every reply as the unit meant it", () => {
      for (const ex of capture.exchanges) {
        const row = rowFor(ex.send);
        const meaning = interpretReply(row, ex.reply);
        if (ex.not_available === true) {
          expect(meaning.kind, ex.send).toBe("not_available");
          continue;
        }
        if (ex.not_a_list === true) {
          expect(parseCapabilities(ex.reply).level, ex.send).toBeNull();
          continue;
        }
        if (row.kind === "action") {
          expect(meaning.kind, ex.send).toBe("done");
          continue;
        }
        expect(meaning.kind, ex.send).toBe("value");
        expect(row.decode?.(ex.reply), `${ex.send} ${JSON.stringify(ex.reply)}`).toEqual({
          ok: true,
          value: ex.value,
        });
      }
    });

    if (capture.identity !== undefined) {
      const identity = capture.identity;
      it("yields the unit's identity", () => {
        const reply = (send: string) => capture.exchanges.find((e) => e.send === send)?.reply ?? null;
        if (identity.firmware !== undefined) {
          expect(parseFirmwareB(reply("b") ?? "")).not.toBeNull();
          expect(sanitizeIdentity(reply("b") ?? "")).toBe(identity.firmware);
        }
        if (identity.locale !== undefined) expect(localeLetter(reply("b"), reply("V"))).toBe(identity.locale);
        if (identity.manufactureDate !== undefined)
          expect(parseUpsDate(reply("m") ?? "")).toBe(identity.manufactureDate);
        if (identity.serial !== undefined) expect(sanitizeIdentity(reply("n") ?? "")).toBe(identity.serial);
        if (identity.protocolLevel !== undefined) {
          const a = reply("a");
          expect(a === null ? null : parseCapabilities(a).level).toBe(identity.protocolLevel);
        }
      });
    }

    if (capture.dump !== undefined) {
      const dump = capture.dump;
      it("reads its Ctrl-Z rings", () => {
        const parsed = parseDump(dump.text, dump.locale);
        expect(parsed.values).toEqual(dump.values);
      });
    }

    it("frames the recorded byte stream into exactly the replies sent", () => {
      const parser = new FrameParser();
      const sent: { mode: CatalogueRow["replyMode"]; reply: string }[] = [
        ...capture.exchanges.map((ex) => ({ mode: rowFor(ex.send).replyMode, reply: ex.reply })),
        ...(capture.dump === undefined ? [] : [{ mode: "verbatim" as const, reply: capture.dump.text }]),
      ];
      for (const { mode, reply } of sent) {
        parser.expect(mode);
        // Byte by byte, as a serial port may deliver them, then CR LF.
        const frames = [...bytes(`${reply}\r\n`)].flatMap((byte) => parser.push(Uint8Array.of(byte)));
        // A runtime reply keeps its `:`: the decoder refuses one without it (line noise).
        expect(frames, JSON.stringify(reply)).toEqual([{ type: "reply", text: reply, bytes: bytes(reply) }]);
      }
      expect(parser.flush("end of capture")).toEqual([]);
    });

    const aReply = capture.exchanges.find((ex) => ex.send === "a")?.reply;
    const declared = aReply === undefined ? [] : [...parseCapabilities(aReply).alerts];
    if (declared.length > 0) {
      // Issue 13 item 5: every byte of the alert field is an alert of this unit (the RT 1000 XL
      // declares 0x04), taken out of any reply it lands in, mid-reply included.
      it("takes every alert its `a` declares out of the middle of every other reply", () => {
        const parser = new FrameParser();
        parser.declareAlerts(declared);
        for (const ex of capture.exchanges) {
          const mode = rowFor(ex.send).replyMode;
          if (mode === "verbatim" || ex.reply.length < 2) continue;
          for (const alert of declared) {
            parser.expect(mode);
            const stream = `${ex.reply.slice(0, 1)}${String.fromCharCode(alert)}${ex.reply.slice(1)}\r\n`;
            const frames = [...bytes(stream)].flatMap((byte) => parser.push(Uint8Array.of(byte)));
            const event = eventByByte(alert)?.id ?? "unknown_alert";
            expect(frames, `${ex.send} with ${alert}`).toEqual([
              { type: "alert", byte: alert, event },
              { type: "reply", text: ex.reply, bytes: bytes(ex.reply) },
            ]);
          }
        }
        expect(parser.flush("end of capture")).toEqual([]);
      });
    }
  });
}

it("the RT 1000 XL capture declares an alert the catalogue does not know (0x04)", () => {
  const a = load("rt1000xl.json").exchanges.find((ex) => ex.send === "a")?.reply ?? "";
  const unknown = parseCapabilities(a).alerts.filter((byte) => eventByByte(byte) === undefined);
  expect(unknown).toEqual([0x04]);
});
