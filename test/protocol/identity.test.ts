import { describe, expect, it } from "vitest";
import {
  decodeCapabilities,
  decodeUpsDate,
  formatUpsDate,
  localeLetter,
  parseCapabilities,
  parseFirmwareB,
  parseFirmwareV,
  parseUpsDate,
  sanitizeIdentity,
} from "../../src/protocol/identity.js";

const COMMANDS_3G = "\x01\x0e\x1a'()+-89@ABCDEFGKLMNOPQRSTUVWXYZ`abcefgjklmnopqrsuxyz~\x7f";
const bytesOf = (text: string) => [...text].map((c) => c.charCodeAt(0));

describe("a (capabilities)", () => {
  it("parses a level 3 reply with control bytes among the commands", () => {
    const caps = parseCapabilities(`3.!$%+?=#|.${COMMANDS_3G}`);
    expect(caps.level).toBe(3);
    expect(caps.alerts).toEqual(bytesOf("!$%+?=#|"));
    expect(caps.commands).toEqual(bytesOf(COMMANDS_3G));
    expect(caps.commands).toEqual(expect.arrayContaining([0x01, 0x0e, 0x1a, 0x7f]));
    expect(caps.extensions).toEqual([]);
    expect(caps.printable).toBe(
      `3.!$%+?=#|.\\x01\\x0e\\x1a'()+-89@ABCDEFGKLMNOPQRSTUVWXYZ\`abcefgjklmnopqrsuxyz~\\x7f`,
    );
  });

  it("parses a level 2 reply with only two fields", () => {
    const caps = parseCapabilities("2.!$%+?=#");
    expect(caps.level).toBe(2);
    expect(caps.alerts).toEqual(bytesOf("!$%+?=#"));
    expect(caps.commands).toEqual([]);
  });

  it("parses a level 4 reply whose fourth field holds bytes at or above 0x80, dots included", () => {
    const reply = new Uint8Array([...bytesOf("4.!$%+?=#|.\x01QfjL\x7f."), 0x80, 0x9a, 0x2e, 0xff]);
    const caps = parseCapabilities(reply);
    expect(caps.level).toBe(4);
    expect(caps.commands).toEqual(bytesOf("\x01QfjL\x7f"));
    expect(caps.extensions).toEqual([0x80, 0x9a, 0x2e, 0xff]);
    expect(caps.printable).toBe("4.!$%+?=#|.\\x01QfjL\\x7f.\\x80\\x9a.\\xff");
    // The same reply as Latin-1 text reads the same.
    const asText = String.fromCharCode(...reply);
    expect(parseCapabilities(asText)).toEqual(caps);
  });

  it("returns level null for replies that are not an a answer, and the decoder refuses them", () => {
    for (const text of ["NA", "", "abc.def", "3"]) {
      expect(parseCapabilities(text).level, text).toBeNull();
      expect(decodeCapabilities(text).ok, text).toBe(false);
    }
  });

  it("decodes to a JSON-safe summary", () => {
    const result = decodeCapabilities(`3.!$%+?=#|.${COMMANDS_3G}\r\n`);
    expect(result.ok).toBe(true);
    expect(JSON.stringify(result)).not.toMatch(/[\u0000-\u001f\u007f]/);
  });
});

describe("b and V (firmware)", () => {
  it("reads SKU.firmware.locale with fields of varying length", () => {
    expect(parseFirmwareB("21.3.I")).toEqual({ form: "decimal", sku: "21", firmware: "3", locale: "I" });
    expect(parseFirmwareB("411.7.I")).toEqual({ form: "decimal", sku: "411", firmware: "7", locale: "I" });
    expect(parseFirmwareB("60.11.I")).toEqual({ form: "decimal", sku: "60", firmware: "11", locale: "I" });
    expect(parseFirmwareB("50.14.D\r\n")).toEqual({
      form: "decimal",
      sku: "50",
      firmware: "14",
      locale: "D",
    });
  });

  it("reads the AP9620 form", () => {
    expect(parseFirmwareB("UPS 09.3 / ID=18")).toEqual({ form: "ap9620", firmware: "09.3", upsId: 18 });
  });

  it("reads alphanumeric fields, as real units send them (issue 13)", () => {
    expect(parseFirmwareB("42.L.I")).toEqual({ form: "decimal", sku: "42", firmware: "L", locale: "I" });
    expect(parseFirmwareB("42.J.I")).toEqual({ form: "decimal", sku: "42", firmware: "J", locale: "I" });
    expect(parseFirmwareB("62.J.I")).toEqual({ form: "decimal", sku: "62", firmware: "J", locale: "I" });
    expect(parseFirmwareB("13.J.D")).toEqual({ form: "decimal", sku: "13", firmware: "J", locale: "D" });
    expect(parseFirmwareB("112.1DL4.I")).toEqual({
      form: "decimal",
      sku: "112",
      firmware: "1DL4",
      locale: "I",
    });
    expect(localeLetter("42.L.I", null)).toBe("I");
    expect(localeLetter("13.J.D", null)).toBe("D");
  });

  it("returns null for garbage so the caller falls back to V", () => {
    for (const text of ["NA", "", "\x8f\x01garbage", "21.3", "21.3.IX"])
      expect(parseFirmwareB(text), text).toBeNull();
  });

  it("reads V as model, firmware letter and locale letter", () => {
    expect(parseFirmwareV("GWD")).toEqual({ model: "G", firmwareLetter: "W", locale: "D" });
    expect(parseFirmwareV("NA")).toBeNull();
    expect(parseFirmwareV("GWDX")).toBeNull();
  });

  it("takes the locale letter from b, else from V", () => {
    expect(localeLetter("21.3.I", "GWD")).toBe("I");
    expect(localeLetter("UPS 09.3 / ID=18", "GWD")).toBe("D");
    expect(localeLetter("garbage", "0ZM")).toBe("M");
    expect(localeLetter(null, undefined)).toBeNull();
    expect(localeLetter("NA", "NA")).toBeNull();
  });
});

describe("model, serial and dates", () => {
  it("strips padding and control bytes", () => {
    expect(sanitizeIdentity("NS9847001053\0\0")).toBe("NS9847001053");
    expect(sanitizeIdentity("Smart-UPS 1400 RM XL   ")).toBe("Smart-UPS 1400 RM XL");
    expect(sanitizeIdentity("\x01Smart\x1a-UPS\x7f")).toBe("Smart-UPS");
  });

  it("reads dates month first, as every real unit sends them (issue 13)", () => {
    // SU420INET NS9847…: made in week 47 of 1998.
    expect(parseUpsDate("11/17/98")).toBe("1998-11-17");
    expect(parseUpsDate("07/31/99")).toBe("1999-07-31");
    expect(parseUpsDate("01/06/07")).toBe("2007-01-06");
    expect(parseUpsDate("02/29/24")).toBe("2024-02-29");
    expect(parseUpsDate("02/29/23")).toBeNull();
    expect(parseUpsDate("04/31/05")).toBeNull();
    expect(parseUpsDate("17/11/98")).toBeNull();
  });

  it("formats ISO or mm/dd/yy input in the unit's form", () => {
    expect(formatUpsDate("2009-07-31")).toBe("07/31/09");
    expect(formatUpsDate("1998-11-17")).toBe("11/17/98");
    expect(formatUpsDate("10/22/11")).toBe("10/22/11");
    expect(formatUpsDate("22/10/11")).toBeNull();
    expect(formatUpsDate("2009-02-29")).toBeNull();
    expect(formatUpsDate("2080-01-01")).toBeNull();
  });

  it("keeps an unparseable date as sanitized text", () => {
    expect(decodeUpsDate("11/17/98")).toEqual({ ok: true, value: "1998-11-17" });
    expect(decodeUpsDate("17/11/98\0")).toEqual({ ok: true, value: "17/11/98" });
    expect(decodeUpsDate("NA").ok).toBe(false);
  });
});
