import { describe, expect, it } from "vitest";
import { rowById } from "../../src/protocol/catalogue/index.js";
import { buildDump, catalogueDumpItems, dumpItem, parseDump } from "../../src/protocol/dump.js";

// A dump with the mistakes some firmware makes: a zero choice count, a truncated last item.
const FAULTY_DUMP =
  "#uD43127130133136" + "uI43253264271280" + "o403" + "lD43106103100097" + "E443336168ON OFF" + "q4";

describe("parseDump (# form)", () => {
  it("keeps items for the firmware's locale and for every version", () => {
    const dump = "#uD43127130133136uI43253264271280lI43208204200196e44200155090E443336168ON OFF";
    const parsed = parseDump(dump, "I");
    expect(parsed.values).toEqual({
      upper_transfer_voltage: ["253", "264", "271", "280"],
      lower_transfer_voltage: ["208", "204", "200", "196"],
      min_battery_capacity_restart: ["00", "15", "50", "90"],
      auto_battery_test_setting: ["336", "168", "ON ", "OFF"],
    });
    expect(parsed.skipped).toEqual([]);
    expect(parseDump(dump, "D").values.upper_transfer_voltage).toEqual(["127", "130", "133", "136"]);
    expect(parseDump(dump, "D").values.lower_transfer_voltage).toBeUndefined();
  });

  it("keeps the known items around one whose opcode byte no catalogue row has (an RT 10000 XL sends 0xF0)", () => {
    // Made-up choices for the 0xF0 item: only its opcode byte is known from the report (NUT issue 180).
    const dump = "#uW43253242265276\u00f0W111lW43161196184173";
    const parsed = parseDump(dump, "W");
    expect(parsed.values).toEqual({
      upper_transfer_voltage: ["253", "242", "265", "276"],
      lower_transfer_voltage: ["161", "196", "184", "173"],
    });
  });

  it("keeps only every-version items without a locale letter", () => {
    const parsed = parseDump("#uD43127130133136E443336168ON OFF\r\n", null);
    expect(parsed.values).toEqual({ auto_battery_test_setting: ["336", "168", "ON ", "OFF"] });
  });

  it("prefers the locale's item over the every-version item, in either order", () => {
    expect(parseDump("#o413115oI43225230240220", "I").values.output_voltage_setting).toEqual([
      "225",
      "230",
      "240",
      "220",
    ]);
    expect(parseDump("#oI43225230240220o413115", "I").values.output_voltage_setting).toEqual([
      "225",
      "230",
      "240",
      "220",
    ]);
    expect(parseDump("#oI43225230240220o413115", "D").values.output_voltage_setting).toEqual(["115"]);
  });

  it("reads opcodes that are control characters (Ctrl-V, Ctrl-L)", () => {
    const parsed = parseDump("#\x16431AMI\x0c481EFGS1234", "M");
    expect(parsed.values).toEqual({
      output_voltage_selection: ["A", "M", "I"],
      front_panel_language: ["E", "F", "G", "S", "1", "2", "3", "4"],
    });
  });
});

describe("parseDump (## Matrix form)", () => {
  it("reads ## before every item, the first included (issue 13)", () => {
    // The layout NUT's and apcupsd's parsers read: u was lost when ## was taken for `#` + a count.
    const parsed = parseDump("##uI43253264271280##lI43196188208204##s441HMLL", "I");
    expect(parsed.values).toEqual({
      upper_transfer_voltage: ["253", "264", "271", "280"],
      lower_transfer_voltage: ["196", "188", "208", "204"],
      utility_failure_sensitivity: ["H", "M", "L", "L"],
    });
    expect(parsed.skipped).toEqual([]);
  });

  it("skips a malformed Matrix item and keeps the rest", () => {
    const parsed = parseDump("##uM43229240252264##E443336168ON OFF#w442NO020508##s441HMLL", "M");
    expect(parsed.values).toEqual({
      upper_transfer_voltage: ["229", "240", "252", "264"],
      auto_battery_test_setting: ["336", "168", "ON ", "OFF"],
      utility_failure_sensitivity: ["H", "M", "L", "L"],
    });
    expect(parsed.skipped.length).toBe(1);
  });
});

describe("malformed dumps", () => {
  it("skips an item with a bad count and keeps the rest", () => {
    const parsed = parseDump("#E4X3336168ON OFFe44200155090", "I");
    expect(parsed.values).toEqual({ min_battery_capacity_restart: ["00", "15", "50", "90"] });
    expect(parsed.skipped).toEqual([{ item: "E4X3336168ON OFF", reason: "bad choice count" }]);
  });

  it("skips an item with an unknown opcode by its own length", () => {
    const parsed = parseDump("#Y4220102e44200155090", "I");
    expect(parsed.values).toEqual({ min_battery_capacity_restart: ["00", "15", "50", "90"] });
    expect(parsed.skipped).toEqual([{ item: "Y4220102", reason: "unknown opcode" }]);
  });

  it("reports an item that overruns the end", () => {
    const parsed = parseDump("#e44200155090E4533616", "I");
    expect(parsed.values).toEqual({ min_battery_capacity_restart: ["00", "15", "50", "90"] });
    expect(parsed.skipped).toEqual([{ item: "E4533616", reason: "choices overrun the dump" }]);
  });

  it("reports a reply that is not a dump", () => {
    expect(parseDump("NA", "I")).toEqual({
      values: {},
      skipped: [{ item: "NA", reason: "dump does not start with #" }],
    });
    expect(parseDump("", "I")).toEqual({ values: {}, skipped: [] });
  });

  it("escapes skipped bytes", () => {
    const parsed = parseDump("#\x01\x02\x03", "I");
    expect(parsed.skipped).toEqual([{ item: "\\x01\\x02\\x03", reason: "truncated item header" }]);
  });

  it("survives the mistakes of a real-looking dump", () => {
    const parsed = parseDump(FAULTY_DUMP, "D");
    expect(parsed.values).toEqual({
      upper_transfer_voltage: ["127", "130", "133", "136"],
      lower_transfer_voltage: ["106", "103", "100", "097"],
      auto_battery_test_setting: ["336", "168", "ON ", "OFF"],
    });
    expect(parsed.skipped).toEqual([
      { item: "o403", reason: "bad choice count" },
      { item: "q4", reason: "truncated item header" },
    ]);
  });
});

describe("buildDump", () => {
  it("builds the # form that parseDump reads back", () => {
    const items = [
      dumpItem("auto_battery_test_setting", "4", ["336", "168", "ON ", "OFF"]),
      dumpItem("utility_failure_sensitivity", "4", ["H", "M", "L", "L"]),
    ];
    expect(buildDump(items, { matrix: false })).toBe("#E443336168ON OFFs441HMLL");
    expect(buildDump(items, { matrix: true })).toBe("##E443336168ON OFF##s441HMLL");
  });

  it("pads choices to one width", () => {
    expect(buildDump([dumpItem("auto_battery_test_setting", "4", ["336", "ON"])], { matrix: false })).toBe(
      "#E423336ON ",
    );
  });

  it("round-trips every ring of the catalogue for each locale, in both forms", () => {
    for (const matrix of [false, true]) {
      const text = buildDump(catalogueDumpItems(), { matrix });
      for (const locale of ["A", "D", "I", "M"]) {
        const parsed = parseDump(text, locale);
        expect(parsed.skipped).toEqual([]);
        for (const [id, values] of Object.entries(parsed.values)) {
          const ring = rowById(id).values;
          expect(values, `${id} ${locale}`).toEqual(ring?.[locale] ?? ring?.["4"]);
        }
        expect(parsed.values.upper_transfer_voltage).toEqual(
          rowById("upper_transfer_voltage").values?.[locale],
        );
      }
    }
  });

  it("refuses items it cannot encode", () => {
    expect(() => buildDump([dumpItem("audible_alarm", "4", [])], { matrix: false })).toThrow(/1 to 9/);
    expect(() => buildDump([dumpItem("audible_alarm", "4", ["0123456789"])], { matrix: false })).toThrow();
    expect(() => buildDump([dumpItem("audible_alarm", "x", ["0"])], { matrix: false })).toThrow();
  });
});
