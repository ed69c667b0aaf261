import { describe, expect, it } from "vitest";
import {
  decodeAlarmRegister,
  decodeBatteryTest,
  decodeDdDd,
  decodeDddD,
  decodeHexByte,
  decodeLineQuality,
  decodeMeasureLimit,
  decodeRunTime,
  decodeSettingText,
  decodeTransferCause,
  normalizeSettingValue,
  numberDecoder,
  parseHexByte,
  sanitizeText,
} from "../../src/protocol/decoders.js";

describe("numbers", () => {
  it("reads the seed's fixed-width shapes", () => {
    expect(numberDecoder("ddd.d")("230.4")).toEqual({ ok: true, value: 230.4 });
    expect(numberDecoder("dd.dd")("49.98")).toEqual({ ok: true, value: 49.98 });
    expect(numberDecoder("ddd")("024")).toEqual({ ok: true, value: 24 });
    expect(numberDecoder("ddd.dd")("100.00")).toEqual({ ok: true, value: 100 });
  });

  it("reads unpadded and negative values real units send", () => {
    expect(decodeDdDd("13.6")).toEqual({ ok: true, value: 13.6 });
    expect(decodeDddD("-05.0")).toEqual({ ok: true, value: -5 });
  });

  it("refuses NA, empty and non-numbers with a reason", () => {
    for (const text of ["NA", "", "SM", "12a.3", "1.2.3", "NaN"]) {
      const result = decodeDddD(text);
      expect(result.ok, text).toBe(false);
    }
    const bad = decodeDddD("xx\x01");
    expect(bad.ok === false && bad.error).toMatch(/ddd\.d/);
    expect(bad.ok === false && /[\x00-\x1f]/.test(bad.error)).toBe(false);
  });
});

describe("run time (j)", () => {
  it("reads dddd: as minutes", () => {
    expect(decodeRunTime("0042:")).toEqual({ ok: true, value: 42 });
    expect(decodeRunTime("0000:")).toEqual({ ok: true, value: 0 });
  });

  it("reads >>>>: as unknown (null), never 0", () => {
    expect(decodeRunTime(">>>>:")).toEqual({ ok: true, value: null });
  });

  it("refuses a reply without its ':' (issue 17: `00871` is `0087:` with the colon garbled)", () => {
    const garbled = decodeRunTime("00871");
    expect(garbled.ok).toBe(false);
    if (!garbled.ok) expect(garbled.error).toMatch(/no ':'/);
    expect(decodeRunTime("0042").ok).toBe(false);
    expect(decodeRunTime(">>>>").ok).toBe(false);
  });

  it("refuses NA and garbage", () => {
    expect(decodeRunTime("NA").ok).toBe(false);
    expect(decodeRunTime("12:34").ok).toBe(false);
  });
});

describe("hex bytes", () => {
  it("normalizes to two uppercase digits", () => {
    expect(decodeHexByte("08")).toEqual({ ok: true, value: "08" });
    expect(decodeHexByte("c0")).toEqual({ ok: true, value: "C0" });
    expect(parseHexByte("FF")).toBe(255);
    expect(parseHexByte(" 7f ")).toBe(0x7f);
  });

  it("refuses anything but two hex digits", () => {
    for (const text of ["8", "008", "G0", "NA", "SM", ""]) {
      expect(parseHexByte(text), text).toBeNull();
      expect(decodeHexByte(text).ok, text).toBe(false);
    }
  });
});

describe("enums", () => {
  it("maps X", () => {
    const all = ["OK", "BT", "NG", "NO"].map((code) => decodeBatteryTest(code));
    expect(all).toEqual(
      ["ok", "failed", "invalid_overload", "no_result"].map((value) => ({ ok: true, value })),
    );
  });

  it("maps G", () => {
    const all = ["R", "H", "L", "T", "O", "S"].map((code) => decodeTransferCause(code));
    expect(all).toEqual(
      ["rate_of_change", "high_line", "low_line", "notch_spike", "none", "command_test"].map((value) => ({
        ok: true,
        value,
      })),
    );
  });

  it("maps 9", () => {
    expect(decodeLineQuality("FF")).toEqual({ ok: true, value: "acceptable" });
    expect(decodeLineQuality("00")).toEqual({ ok: true, value: "unacceptable" });
  });

  it("refuses unknown codes and NA, and does not read inherited keys", () => {
    for (const text of ["NA", "XX", "toString", "constructor", ""]) {
      expect(decodeBatteryTest(text).ok, text).toBe(false);
      expect(decodeTransferCause(text).ok, text).toBe(false);
    }
  });
});

describe("settings and text", () => {
  it("trims setting values (E answers 'ON ')", () => {
    expect(decodeSettingText("ON ")).toEqual({ ok: true, value: "ON" });
    expect(normalizeSettingValue("ON ")).toBe(normalizeSettingValue("ON"));
    expect(decodeSettingText("NO")).toEqual({ ok: true, value: "NO" });
    expect(decodeSettingText("NA").ok).toBe(false);
    expect(decodeSettingText("   ").ok).toBe(false);
  });

  it("sanitizes: no NUL, no control byte, no padding", () => {
    expect(sanitizeText("NS9847001053\0\0")).toBe("NS9847001053");
    expect(sanitizeText("  Smart-UPS 700  ")).toBe("Smart-UPS 700");
    expect(sanitizeText("A\x01B\x7fC\x8fD\u00e9")).toBe("ABCD");
  });
});

// Issue 13 item 6: real Measure-UPS replies (PROTOCOL-NOTES "Real units"; a Matrix-UPS 5000 with a
// Measure-UPS 4Kx answered `NO,NO` to `[ ] { }`, NUT's device report).
describe("Measure-UPS per-side replies", () => {
  it("reads limits one per side, NO for a side without a limit, and the seed's single value", () => {
    expect(decodeMeasureLimit("NO,NO")).toEqual({ ok: true, value: "NO,NO" });
    expect(decodeMeasureLimit("55,50")).toEqual({ ok: true, value: "55,50" });
    // One side is a number like every numeric setting (no ring padding); a pair stays the unit's text.
    expect(decodeMeasureLimit("32.13")).toEqual({ ok: true, value: 32.13 });
    expect(decodeMeasureLimit("04.08")).toEqual({ ok: true, value: 4.08 });
    expect(decodeMeasureLimit("070.0,NO")).toEqual({ ok: true, value: "070.0,NO" });
    expect(decodeMeasureLimit("045.5,no\r\n")).toEqual({ ok: true, value: "045.5,NO" });
    for (const bad of ["", "NA", "55,", ",50", "55;50", "HOT,50", "1,2,3,4,5"]) {
      expect(decodeMeasureLimit(bad).ok, bad).toBe(false);
    }
  });

  it("reads J one byte per side, combined (0F,00 has contacts 1-4 in alarm)", () => {
    expect(decodeAlarmRegister("0F,00")).toEqual({ ok: true, value: "0F" });
    expect(decodeAlarmRegister("80,01")).toEqual({ ok: true, value: "81" });
    expect(decodeAlarmRegister("80")).toEqual({ ok: true, value: "80" });
    for (const bad of ["0F,", "0F,0", "NO,NO", "0F;00", ""])
      expect(decodeAlarmRegister(bad).ok, bad).toBe(false);
  });
});
