// The NUT column: every row names a real catalogue row, the forms write what apcsmart publishes, and
// the status and choices are derived as NUT does.
import { describe, expect, it } from "vitest";
import { formatNut, NUT_COMMANDS, NUT_VARIABLES, STATUS_WORDS } from "../../src/nut/mapping.js";
import { nutCommands, nutVariables, statusText, type UpsSnapshot } from "../../src/nut/view.js";
import { ALL_REGISTER_BITS, CATALOGUE, findRow, type RowId } from "../../src/protocol/catalogue/index.js";
import { COMPOSITE_ACTIONS } from "../../src/ups/commands.js";

describe("the mapping table", () => {
  it.each(NUT_VARIABLES.map((row) => [row.nut, row.source]))("%s reads catalogue row %s", (_nut, source) => {
    const row = findRow(source);
    expect(row, source).toBeDefined();
    expect(["query", "setting"]).toContain(row?.kind);
  });

  it.each(NUT_COMMANDS.map((row) => [row.nut, row.action]))("%s runs action %s", (_nut, action) => {
    const composite = COMPOSITE_ACTIONS.some((a) => a.id === action);
    expect(composite || findRow(action)?.kind === "action", action).toBe(true);
  });

  it("names each variable once, except where apcsmart prefers one source over another", () => {
    const names = NUT_VARIABLES.map((row) => row.nut);
    const repeated = names.filter((name, index) => names.indexOf(name) !== index);
    expect(repeated).toEqual(["ups.firmware"]);
    const first = NUT_VARIABLES.find((row) => row.nut === "ups.firmware");
    expect(first?.accept).toBeDefined();
  });

  it("agrees with the catalogue rows' NUT names, apart from the differences it knows", () => {
    // apcsmart numbers packed Measure-UPS values from 1 (seen on NUT 2.8's driver against the
    // simulator); DEL is NUT's shutdown.stop; S and @ are reached through the composite
    // shutdown_return; W does not stop a running test (docs/NUT.md).
    const known = new Set([
      "upper_rh_alarm_limit ambient.0.humidity.high",
      "lower_rh_alarm_limit ambient.0.humidity.low",
      "upper_temp_alarm_limit ambient.0.temperature.high",
      "lower_temp_alarm_limit ambient.0.temperature.low",
      "shutdown_on_battery shutdown.return",
      "shutdown_delayed_wake shutdown.return",
      "battery_test test.battery.stop",
    ]);
    const ours = new Set([
      ...NUT_VARIABLES.map((row) => `${row.source} ${row.nut}`),
      ...NUT_COMMANDS.map((row) => `${row.action} ${row.nut}`),
    ]);
    const catalogueOnly = CATALOGUE.flatMap((row) => row.nut.map((name) => `${row.id} ${name}`)).filter(
      (pair) => !ours.has(pair),
    );
    expect(catalogueOnly.filter((pair) => !known.has(pair))).toEqual([]);
    expect([...known].filter((pair) => !catalogueOnly.includes(pair))).toEqual([]);
  });

  it("derives status words from real register bits", () => {
    const bits = new Set(ALL_REGISTER_BITS.map((b) => b.id));
    for (const { key } of STATUS_WORDS) expect(bits.has(key), key).toBe(true);
  });
});

describe("formatNut", () => {
  it("writes numbers in the unit's fixed widths", () => {
    expect(formatNut({ kind: "fixed", int: 3, dec: 1 }, 23)).toBe("023.0");
    expect(formatNut({ kind: "fixed", int: 3, dec: 1 }, 100)).toBe("100.0");
    expect(formatNut({ kind: "fixed", int: 2, dec: 2 }, 27.3)).toBe("27.30");
    expect(formatNut({ kind: "fixed", int: 3, dec: 0 }, 24)).toBe("024");
    expect(formatNut({ kind: "fixed", int: 3, dec: 1 }, -5.2)).toBe("-005.2");
    expect(formatNut({ kind: "fixed", int: 3, dec: 1 }, null)).toBeNull();
  });

  it("turns minutes and hours into seconds as apcsmart does (ON and OFF read as 0)", () => {
    expect(formatNut({ kind: "minutes" }, 71)).toBe("4260");
    expect(formatNut({ kind: "minutes" }, "02")).toBe("120");
    expect(formatNut({ kind: "minutes" }, null)).toBeNull();
    expect(formatNut({ kind: "hours" }, "336")).toBe("1209600");
    expect(formatNut({ kind: "hours" }, "ON")).toBe("0");
    expect(formatNut({ kind: "hours" }, "OFF")).toBe("0");
  });

  it("gives NUT's words and codes, and the unit's date form", () => {
    const reason = NUT_VARIABLES.find((row) => row.nut === "input.transfer.reason")?.form;
    const result = NUT_VARIABLES.find((row) => row.nut === "ups.test.result")?.form;
    if (reason === undefined || result === undefined) throw new Error("rows missing");
    expect(formatNut(reason, "low_line")).toBe("low utility voltage");
    expect(formatNut(reason, "command_test")).toBe("simulated power failure or UPS test");
    expect(formatNut(result, "no_result")).toBe("NO");
    expect(formatNut(result, "failed")).toBe("BT");
    expect(formatNut({ kind: "date" }, "2009-07-31")).toBe("07/31/09");
    expect(formatNut({ kind: "date" }, "not a date")).toBe("not a date");
  });
});

describe("ups.status", () => {
  const q = (hex: string, extra: Record<string, boolean> = {}) => {
    const byte = Number.parseInt(hex, 16);
    const values: Record<string, string | boolean> = { ups_status_register: hex, ...extra };
    for (const bit of ALL_REGISTER_BITS.filter((b) => b.register === "Q"))
      values[bit.id] = (byte & (1 << bit.bit)) !== 0;
    return values;
  };

  it("uses apcsmart's words and order", () => {
    expect(statusText(q("08"), false)).toBe("OL");
    expect(statusText(q("50"), false)).toBe("OB LB");
    expect(statusText(q("0A"), false)).toBe("TRIM OL");
    expect(statusText(q("0C"), false)).toBe("BOOST OL");
    expect(statusText(q("11"), false)).toBe("CAL OB");
    expect(statusText(q("A8"), false)).toBe("OL OVER RB");
  });

  it("is OFF when Q is 00, starts with FSD when the latch is up, and says BYPASS from ~", () => {
    expect(statusText(q("00"), false)).toBe("OFF");
    expect(statusText(q("08"), true)).toBe("FSD OL");
    expect(statusText(q("08", { bypass_by_command: true }), false)).toBe("OL BYPASS");
    expect(statusText({ ups_status_register: null }, false)).toBeNull();
  });
});

describe("the view", () => {
  const caps = {
    supported: new Set<RowId>([
      "ups_status_register",
      "battery_capacity",
      "low_battery_warning",
      "auto_battery_test_setting",
      "ups_id",
      "version_in_decimal",
      "firmware_version",
      "battery_test",
      "turn_off_immediate",
    ]),
    settingValues: {
      low_battery_warning: ["02", "05", "07", "10"],
      auto_battery_test_setting: ["336", "168", "ON ", "OFF"],
    },
    identity: {
      model: null,
      serial: null,
      firmware: null,
      manufactureDate: null,
      localeLetter: "D",
      upsFirmwareId: null,
    },
  };
  const snapshot = (
    values: Record<string, string | number | boolean | null>,
    online = true,
  ): UpsSnapshot => ({
    online,
    caps,
    values: { ups_status_register: "08", on_line_mode: true, ...values },
    fsd: false,
  });
  const driver = { name: "upslink2mqtt", version: "1", pollIntervalMs: 2000, port: "/dev/ttyS0" };

  it("is stale while the link is down or before Q is read", () => {
    expect(nutVariables(snapshot({}, false), driver)).toBeNull();
    expect(nutVariables(snapshot({ ups_status_register: null }), driver)).toBeNull();
  });

  it("offers ring settings as ENUM in NUT's form, each choice once, text settings as STRING:8", () => {
    const vars = nutVariables(
      snapshot({ low_battery_warning: "02", auto_battery_test_setting: "336", ups_id: "UPS_IDEN" }),
      driver,
    );
    expect(vars?.get("battery.runtime.low")).toMatchObject({
      value: "120",
      writable: {
        kind: "enum",
        options: [
          { nut: "120", ups: "02" },
          { nut: "300", ups: "05" },
          { nut: "420", ups: "07" },
          { nut: "600", ups: "10" },
        ],
      },
    });
    expect(vars?.get("ups.test.interval")?.writable).toMatchObject({
      options: [{ nut: "1209600" }, { nut: "604800" }, { nut: "0", ups: "ON" }],
    });
    expect(vars?.get("ups.id")?.writable).toEqual({ kind: "string", setting: "ups_id", length: 8 });
    expect(vars?.get("battery.charge")).toBeUndefined(); // supported, but not read yet
    expect(vars?.get("ups.status")?.writable).toBeNull();
  });

  it("writes numeric settings, published as numbers, back in the unit's fixed width as apcsmart shows them", () => {
    const form = (nut: string) => {
      const row = NUT_VARIABLES.find((r) => r.nut === nut);
      if (row === undefined) throw new Error(nut);
      return row.form;
    };
    expect(formatNut(form("ups.delay.shutdown"), 20)).toBe("020");
    expect(formatNut(form("ups.delay.start"), 0)).toBe("000");
    expect(formatNut(form("input.transfer.low"), 97)).toBe("097");
    expect(formatNut(form("battery.charge.restart"), 0)).toBe("00");
    expect(formatNut(form("ambient.1.temperature.low"), 4.08)).toBe("04.08");
    expect(formatNut(form("ambient.1.humidity.high"), 70)).toBe("070.0");
    // A Measure-UPS limit answered per side stays the unit's text.
    expect(formatNut(form("ambient.1.humidity.high"), "055.0,NO")).toBe("055.0,NO");
    // The ring's own text (ENUM choices) stays as the unit sends it.
    expect(formatNut(form("ups.delay.shutdown"), "020")).toBe("020");
  });

  it("reports ups.realpower and ups.realpower.nominal only when the rating is known", () => {
    const withLoad = (nominalPowerW: number | null) =>
      nutVariables({ ...snapshot({ load_power: 50 }), nominalPowerW }, driver);
    expect(withLoad(980)?.get("ups.realpower.nominal")?.value).toBe("980");
    expect(withLoad(980)?.get("ups.realpower")?.value).toBe("490");
    expect(withLoad(null)?.has("ups.realpower")).toBe(false);
    expect(withLoad(null)?.has("ups.realpower.nominal")).toBe(false);
  });

  it("takes ups.firmware from b only in its SKU.firmware.locale form, else from V", () => {
    const good = nutVariables(snapshot({ version_in_decimal: "601.3.D", firmware_version: "GWD" }), driver);
    expect(good?.get("ups.firmware")?.value).toBe("601.3.D");
    const card = nutVariables(
      snapshot({ version_in_decimal: "UPS 09.3 / ID=18", firmware_version: "GWD" }),
      driver,
    );
    expect(card?.get("ups.firmware")?.value).toBe("GWD");
  });

  it("names a unit without Ctrl-A as apcsmart does, and lists variables sorted", () => {
    const vars = nutVariables(snapshot({}), driver);
    expect(vars?.get("ups.model")?.value).toBe("Smart-UPS");
    const names = [...(vars?.keys() ?? [])];
    expect(names).toEqual([...names].sort());
  });

  it("lists destructive commands only when they are allowed", () => {
    expect(nutCommands(caps, false).map((c) => c.nut)).toEqual(["test.battery.start"]);
    expect(nutCommands(caps, true).map((c) => [c.nut, c.destructive])).toEqual([
      ["load.off", true],
      ["test.battery.start", false],
    ]);
  });
});
