import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALERT_BYTES } from "../../src/protocol/catalogue/index.js";
import { FrameParser, isAlertByte, MAX_LINE_BYTES } from "../../src/protocol/frames.js";
import type { Frame, ReplyMode } from "../../src/protocol/types.js";

const enc = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** A frame in a form that compares across chunkings (noise split by chunk edges is merged). */
type Flat =
  | { type: "reply"; text: string }
  | { type: "alert"; byte: number; event: string }
  | { type: "discarded"; bytes: string; reason: string };

function flatten(frames: readonly Frame[]): Flat[] {
  const out: Flat[] = [];
  for (const frame of frames) {
    if (frame.type === "reply") out.push({ type: "reply", text: frame.text });
    else if (frame.type === "alert") out.push({ type: "alert", byte: frame.byte, event: frame.event });
    else {
      const bytes = String.fromCharCode(...frame.bytes);
      const last = out.at(-1);
      if (
        last?.type === "discarded" &&
        last.reason === frame.reason &&
        frame.reason === "no request outstanding"
      ) {
        last.bytes += bytes;
      } else out.push({ type: "discarded", bytes, reason: frame.reason });
    }
  }
  return out;
}

function run(
  mode: ReplyMode | null,
  chunks: readonly Uint8Array[],
  declared: readonly number[] = [],
): Flat[] {
  const parser = new FrameParser();
  parser.declareAlerts(declared);
  parser.expect(mode);
  const frames: Frame[] = [];
  for (const chunk of chunks) frames.push(...parser.push(chunk));
  frames.push(...parser.flush("end of test"));
  return flatten(frames);
}

/** Every way of cutting the stream in two, plus byte by byte: all must give the same frames. */
function expectSameAtEverySplit(
  mode: ReplyMode | null,
  stream: Uint8Array,
  declared: readonly number[] = [],
): Flat[] {
  const whole = run(mode, [stream], declared);
  for (let cut = 1; cut < stream.length; cut++) {
    expect(run(mode, [stream.subarray(0, cut), stream.subarray(cut)], declared), `cut at ${cut}`).toEqual(
      whole,
    );
  }
  const single = Array.from(stream, (byte) => Uint8Array.of(byte));
  expect(run(mode, single, declared), "byte by byte").toEqual(whole);
  return whole;
}

describe("FrameParser: realistic streams at every split point", () => {
  it("frames a plain CR LF reply", () => {
    expect(expectSameAtEverySplit("line", enc("08\r\n"))).toEqual([{ type: "reply", text: "08" }]);
  });

  it("takes an alert out of the middle of a reply and keeps the reply intact", () => {
    const frames = expectSameAtEverySplit("line", enc("12!0.5\r\n"));
    expect(frames).toEqual([
      { type: "alert", byte: 0x21, event: "line_fail" },
      { type: "reply", text: "120.5" },
    ]);
  });

  it("ends the runtime reply at the colon, keeps the colon, and swallows its CR LF", () => {
    expect(expectSameAtEverySplit("runtime", enc("0042:\r\n"))).toEqual([{ type: "reply", text: "0042:" }]);
    expect(expectSameAtEverySplit("runtime", enc(">>>>:\r\n"))).toEqual([{ type: "reply", text: ">>>>:" }]);
  });

  it("frames a runtime reply that ends at CR without its colon as it came, for the decoder to refuse", () => {
    expect(expectSameAtEverySplit("runtime", enc("00871\r\n"))).toEqual([{ type: "reply", text: "00871" }]);
  });

  it("keeps an alert that arrives between the colon and its CR LF an alert, with nothing discarded", () => {
    expect(expectSameAtEverySplit("runtime", enc("0042:%\r\n"))).toEqual([
      { type: "reply", text: "0042:" },
      { type: "alert", byte: 0x25, event: "low_battery" },
    ]);
  });

  it("keeps alert characters as data in verbatim mode (the Ctrl-Z dump starts with #)", () => {
    const dump = "#uD43127130133136lD43106103100097e4420155090E443336168ON OFF";
    expect(expectSameAtEverySplit("verbatim", enc(`${dump}\r\n`))).toEqual([{ type: "reply", text: dump }]);
  });

  it("keeps the alert list and control bytes of an `a` reply", () => {
    const reply = "3.!$%+?=#|.\x01\x0e\x1a\x7f#$%'+-789<>?@ABCDEFGKLMNOPQRSUVWXYZ^abcefgjklmnopqrsuxyz~";
    const frames = expectSameAtEverySplit("verbatim", enc(`${reply}\r\n`));
    expect(frames).toEqual([{ type: "reply", text: reply }]);
  });

  it("recognises alerts again once the verbatim reply is out", () => {
    expect(expectSameAtEverySplit("verbatim", enc("3.!$.AB\r\n$"))).toEqual([
      { type: "reply", text: "3.!$.AB" },
      { type: "alert", byte: 0x24, event: "return_from_line_fail" },
    ]);
  });

  it("reads a bare * as the reply of old units in star_or_line mode, and swallows an optional CR LF", () => {
    expect(expectSameAtEverySplit("star_or_line", enc("*"))).toEqual([{ type: "reply", text: "*" }]);
    expect(expectSameAtEverySplit("star_or_line", enc("*\r\n"))).toEqual([{ type: "reply", text: "*" }]);
    expect(expectSameAtEverySplit("star_or_line", enc("OK\r\n"))).toEqual([{ type: "reply", text: "OK" }]);
  });

  it("treats * as an alert in other modes and inside a star_or_line reply", () => {
    expect(expectSameAtEverySplit("line", enc("*OK\r\n"))).toEqual([
      { type: "alert", byte: 0x2a, event: "ups_about_to_turn_load_off" },
      { type: "reply", text: "OK" },
    ]);
    expect(expectSameAtEverySplit("star_or_line", enc("O*K\r\n"))).toEqual([
      { type: "alert", byte: 0x2a, event: "ups_about_to_turn_load_off" },
      { type: "reply", text: "OK" },
    ]);
  });

  it("tolerates a lone LF and a CR followed by something else", () => {
    expect(expectSameAtEverySplit("line", enc("SM\n"))).toEqual([{ type: "reply", text: "SM" }]);
    expect(expectSameAtEverySplit(null, enc("SM\rOK\r\n"))).toEqual([
      { type: "reply", text: "SM" },
      { type: "reply", text: "OK" },
    ]);
  });

  it("keeps NUL padding of a serial number in the reply (sanitizing is the decoder's job)", () => {
    expect(expectSameAtEverySplit("line", enc("NS9847001053\0\0\r\n"))).toEqual([
      { type: "reply", text: "NS9847001053\0\0" },
    ]);
  });

  it("still frames a reply that arrives with nothing outstanding (the session decides it is out of step)", () => {
    expect(expectSameAtEverySplit(null, enc("SM\r\n"))).toEqual([{ type: "reply", text: "SM" }]);
  });

  it("reports empty lines, noise with no request and partial lines as discarded", () => {
    expect(expectSameAtEverySplit(null, enc("\r\n\x00\xff!"))).toEqual([
      { type: "discarded", bytes: "\r", reason: "empty line" },
      { type: "discarded", bytes: "\x00\xff", reason: "no request outstanding" },
      { type: "alert", byte: 0x21, event: "line_fail" },
    ]);
    expect(run("line", [enc("12")])).toEqual([{ type: "discarded", bytes: "12", reason: "end of test" }]);
  });

  it("discards an overlong line in full and frames the next one", () => {
    const long = "9".repeat(MAX_LINE_BYTES + 20);
    const frames = run("line", [enc(`${long}\r\nOK\r\n`)]);
    const discardedBytes = frames
      .filter((f) => f.type === "discarded")
      .reduce((n, f) => n + (f.type === "discarded" ? f.bytes.length : 0), 0);
    expect(discardedBytes).toBe(long.length);
    expect(frames.filter((f) => f.type === "reply")).toEqual([{ type: "reply", text: "OK" }]);
  });

  it("maps every alert character to the seed's event", () => {
    const parser = new FrameParser();
    const frames = parser.push(enc("!$%+?=*#|&"));
    expect(frames.map((f) => (f.type === "alert" ? f.event : f.type))).toEqual([
      "line_fail",
      "return_from_line_fail",
      "low_battery",
      "return_from_low_battery",
      "abnormal_condition",
      "return_from_abnormal_condition",
      "ups_about_to_turn_load_off",
      "replace_battery",
      "eeprom_variable_change",
      "measureups_alarm",
    ]);
  });

  it("abandons a partial line when a new request is made, so it cannot prefix the new reply", () => {
    const parser = new FrameParser();
    parser.expect("verbatim");
    expect(parser.push(enc("3.!$"))).toEqual([]);
    parser.expect("line");
    expect(flatten(parser.push(enc("08\r\n")))).toEqual([
      { type: "discarded", bytes: "3.!$", reason: "partial line abandoned by a new request" },
      { type: "reply", text: "08" },
    ]);
  });

  it("goes back to nothing outstanding after one reply", () => {
    const parser = new FrameParser();
    parser.expect("runtime");
    expect(parser.expecting).toBe("runtime");
    parser.push(enc("0042:\r\n"));
    expect(parser.expecting).toBeNull();
  });
});

// ---- alerts the unit declares (issue 13 item 5) ----

/** The alert field of an RT 1000 XL's `a` reply (test/fixtures/real/rt1000xl.json). */
const RT_DECLARED = [...enc("!$%+?=*#|\x04")];
const UNKNOWN_04 = { type: "alert", byte: 0x04, event: "unknown_alert" } as const;

describe("FrameParser: alerts the unit declares in `a`", () => {
  it("takes a declared 0x04 out of the middle of a reply, as unknown_alert, at every split", () => {
    const frames = expectSameAtEverySplit("line", enc("54\x04.27\r\n"), RT_DECLARED);
    expect(frames).toEqual([UNKNOWN_04, { type: "reply", text: "54.27" }]);
  });

  it("left 0x04 inside the reply before the unit declared it (the bug this guards)", () => {
    expect(expectSameAtEverySplit("line", enc("54\x04.27\r\n"))).toEqual([
      { type: "reply", text: "54\x04.27" },
    ]);
  });

  it("takes a declared byte out wherever it arrives: first, last, between `:` and CR LF, with nothing asked", () => {
    expect(expectSameAtEverySplit("line", enc("\x04216.0\x04\r\n"), RT_DECLARED)).toEqual([
      UNKNOWN_04,
      UNKNOWN_04,
      { type: "reply", text: "216.0" },
    ]);
    expect(expectSameAtEverySplit("runtime", enc("00\x0464:\x04\r\n"), RT_DECLARED)).toEqual([
      UNKNOWN_04,
      { type: "reply", text: "0064:" },
      UNKNOWN_04,
    ]);
    // With nothing outstanding a control byte is line noise, unless the unit declared it.
    expect(expectSameAtEverySplit(null, enc("\x04"), RT_DECLARED)).toEqual([UNKNOWN_04]);
    expect(expectSameAtEverySplit(null, enc("\x04"))).toEqual([
      { type: "discarded", bytes: "\x04", reason: "no request outstanding" },
    ]);
  });

  it("keeps declared bytes as data inside verbatim replies (the `a` reply lists them)", () => {
    const a = "4.!$%+?=*#|\x04.\x01\x05\t\f\x0e\x14\x16\x1a')+-/789<>@ABC";
    expect(expectSameAtEverySplit("verbatim", enc(`${a}\r\n`), RT_DECLARED)).toEqual([
      { type: "reply", text: a },
    ]);
  });

  it("still knows the catalogue's alerts, and never takes CR, LF or NUL padding as alerts", () => {
    expect(
      expectSameAtEverySplit("line", enc("NS98\x04470!01053\0\0\r\n"), [0x00, 0x0d, 0x0a, 0x04]),
    ).toEqual([
      UNKNOWN_04,
      { type: "alert", byte: 0x21, event: "line_fail" },
      { type: "reply", text: "NS9847001053\0\0" },
    ]);
  });

  it("a later declaration replaces the earlier one", () => {
    const parser = new FrameParser();
    parser.declareAlerts([0x04]);
    expect(parser.isAlert(0x04)).toBe(true);
    parser.declareAlerts([]);
    expect(parser.isAlert(0x04)).toBe(false);
    expect(parser.isAlert(0x21)).toBe(true);
    parser.expect("line");
    expect(flatten(parser.push(enc("5\x044\r\n")))).toEqual([{ type: "reply", text: "5\x044" }]);
  });
});

// ---- properties ----

const ALERTS = [...ALERT_BYTES];
const alertByte = fc.constantFrom(...ALERTS);
const replyChar = fc.integer({ min: 0x20, max: 0x7e }).filter((b) => !isAlertByte(b) && b !== 0x3a);
const reply = fc.array(replyChar, { minLength: 1, maxLength: 40 });
const noise = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 });
const mode = fc.constantFrom<ReplyMode | null>("line", "verbatim", "runtime", "star_or_line", null);

/** A reply with alerts sprinkled into it, a terminator, or noise. */
const segment = fc.oneof(
  fc
    .tuple(
      reply,
      fc.array(fc.tuple(fc.nat(), alertByte), { maxLength: 3 }),
      fc.constantFrom("\r\n", "\n", ":\r\n", "\r"),
    )
    .map(([body, alerts, end]) => {
      const bytes = [...body];
      for (const [at, byte] of alerts) bytes.splice(at % (bytes.length + 1), 0, byte);
      return [...bytes, ...enc(end)];
    }),
  alertByte.map((b) => [b]),
  noise,
);

type Op =
  | { op: "expect"; mode: ReplyMode | null }
  | { op: "push"; bytes: number[]; cuts: number[] }
  | { op: "flush" };
const op: fc.Arbitrary<Op> = fc.oneof(
  mode.map((m): Op => ({ op: "expect", mode: m })),
  fc
    .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 4 }))
    .map(([segments, cuts]): Op => ({ op: "push", bytes: segments.flat(), cuts })),
  fc.constant<Op>({ op: "flush" }),
);

function chunksOf(bytes: readonly number[], cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(Uint8Array.from(bytes.slice(from, point)));
    from = point;
  }
  return chunks;
}

function countBytes(into: Map<number, number>, bytes: Iterable<number>): void {
  for (const b of bytes) if (b !== 0x0d && b !== 0x0a) into.set(b, (into.get(b) ?? 0) + 1);
}

describe("FrameParser: properties", () => {
  it("never throws, never puts an alert byte into a non-verbatim reply, accounts for every byte", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const parser = new FrameParser();
        const input = new Map<number, number>();
        const output = new Map<number, number>();
        let verbatimOutstanding = false;
        let starOutstanding = false;
        const take = (frames: Frame[]): void => {
          for (const frame of frames) {
            if (frame.type === "reply") {
              // Verbatim replies carry alert characters as data; old units answer K/Z/@ with a bare `*`.
              const allowed = verbatimOutstanding || (starOutstanding && frame.text === "*");
              if (!allowed) expect(frame.bytes.some(isAlertByte)).toBe(false);
              verbatimOutstanding = false;
              starOutstanding = false;
              countBytes(output, frame.bytes);
            } else if (frame.type === "alert") {
              expect(isAlertByte(frame.byte)).toBe(true);
              countBytes(output, [frame.byte]);
            } else {
              expect(frame.reason.length).toBeGreaterThan(0);
              countBytes(output, frame.bytes);
            }
          }
        };
        for (const step of ops) {
          if (step.op === "expect") {
            parser.expect(step.mode);
            verbatimOutstanding = step.mode === "verbatim";
            starOutstanding = step.mode === "star_or_line";
          } else if (step.op === "flush") take(parser.flush("property flush"));
          else {
            countBytes(input, step.bytes);
            for (const chunk of chunksOf(step.bytes, step.cuts)) take(parser.push(chunk));
          }
        }
        take(parser.flush("end"));
        // The colon that ends a `j` reply stays in it: every byte but CR and LF comes out once.
        expect(output).toEqual(input);
      }),
      { numRuns: 500 },
    );
  });

  it("frames the same stream the same way however it is chunked", () => {
    fc.assert(
      fc.property(
        mode,
        fc.array(segment, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (m, segs, cuts) => {
          const bytes = segs.flat();
          expect(run(m, chunksOf(bytes, cuts))).toEqual(run(m, [Uint8Array.from(bytes)]));
        },
      ),
      { numRuns: 300 },
    );
  });
});
