// The NUT request grammar: words, quoting, escapes, comments, bad and long lines, and the quoting of
// replies read back by the same grammar (what libupsclient does with them).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineSplitter, MAX_WORDS, parseLine, quote } from "../../src/nut/protocol.js";

const words = (line: string): readonly string[] => {
  const parsed = parseLine(line);
  if (!parsed.ok) throw new Error(`did not parse: ${parsed.reason}`);
  return parsed.words;
};

describe("parseLine", () => {
  it("splits on blanks and drops a trailing CR", () => {
    expect(words("GET VAR ups ups.status")).toEqual(["GET", "VAR", "ups", "ups.status"]);
    expect(words("  LIST\tUPS  \r")).toEqual(["LIST", "UPS"]);
    expect(words("")).toEqual([]);
    expect(words("   ")).toEqual([]);
  });

  it("reads quoted words with blanks, escaped quotes and backslashes, and empty words", () => {
    expect(words('SET VAR ups ups.id "My UPS"')).toEqual(["SET", "VAR", "ups", "ups.id", "My UPS"]);
    expect(words('PASSWORD "a \\"b\\" \\\\ c"')).toEqual(["PASSWORD", 'a "b" \\ c']);
    expect(words('PASSWORD ""')).toEqual(["PASSWORD", ""]);
    expect(words('PASSWORD "x\\#y"')).toEqual(["PASSWORD", "x#y"]);
  });

  it("takes a backslash outside quotes literally and a quote inside a word as a character", () => {
    expect(words("USERNAME a\\ b")).toEqual(["USERNAME", "a b"]);
    expect(words('USERNAME a"b')).toEqual(["USERNAME", 'a"b']);
    expect(words("USERNAME ab\\")).toEqual(["USERNAME", "ab"]);
  });

  it("ends the request at an unquoted #", () => {
    expect(words("VER # a comment")).toEqual(["VER"]);
    expect(words("VER#x")).toEqual(["VER"]);
  });

  it("refuses an unbalanced quote, a # inside quotes, control characters and too many words", () => {
    for (const line of [
      'PASSWORD "abc',
      'PASSWORD "a#b"',
      "USERNAME a\u0000b",
      "USERNAME a\u001bb",
      Array.from({ length: MAX_WORDS + 1 }, () => "w").join(" "),
    ]) {
      const parsed = parseLine(line);
      expect(parsed.ok, line).toBe(false);
      if (!parsed.ok) expect(parsed.error).toBe("INVALID-ARGUMENT");
    }
    expect(parseLine(Array.from({ length: MAX_WORDS }, () => "w").join(" ")).ok).toBe(true);
  });

  it("never throws on any input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (line) => {
        const parsed = parseLine(line);
        expect(typeof parsed.ok).toBe("boolean");
      }),
    );
  });
});

describe("quote", () => {
  it('escapes ", \\ and #', () => {
    expect(quote("OL")).toBe('"OL"');
    expect(quote('a"b\\c#d')).toBe('"a\\"b\\\\c\\#d"');
  });

  it("reads back as the same word for any printable text", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }),
        (text) => {
          expect(words(`VAR ups x ${quote(text)}`)).toEqual(["VAR", "ups", "x", text]);
        },
      ),
    );
  });
});

describe("LineSplitter", () => {
  const bytes = (text: string) => Buffer.from(text, "latin1");

  it("joins lines split across chunks and splits several in one chunk", () => {
    const splitter = new LineSplitter(100);
    expect(splitter.push(bytes("GET VAR u"))).toEqual([]);
    expect(splitter.push(bytes("ps ups.status\nVER\nNET"))).toEqual([
      { kind: "line", text: "GET VAR ups ups.status" },
      { kind: "line", text: "VER" },
    ]);
    expect(splitter.push(bytes("VER\r\n"))).toEqual([{ kind: "line", text: "NETVER\r" }]);
  });

  it("reports an overlong line once, holds none of it, and reads the next line", () => {
    const splitter = new LineSplitter(16);
    const events = [
      ...splitter.push(bytes("x".repeat(10))),
      ...splitter.push(bytes("x".repeat(10))),
      ...splitter.push(bytes("x".repeat(1000))),
    ];
    expect(events).toEqual([{ kind: "overflow" }]);
    expect(splitter.pending).toBe(0);
    expect(splitter.push(bytes("yyy\nVER\n"))).toEqual([{ kind: "line", text: "VER" }]);
    // An overlong line that ends in the same chunk.
    expect(splitter.push(bytes(`${"z".repeat(40)}\nHELP\n`))).toEqual([
      { kind: "overflow" },
      { kind: "line", text: "HELP" },
    ]);
  });

  it("accepts a line of exactly the bound", () => {
    const splitter = new LineSplitter(8);
    expect(splitter.push(bytes("12345678\n"))).toEqual([{ kind: "line", text: "12345678" }]);
  });
});
