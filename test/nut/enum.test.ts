// NUT's `LIST ENUM` for a ring setting (issue 13 item 8): the unit's ring when its Ctrl-Z dump gave
// one, else the catalogue's ring, and in both cases the value the unit holds now: real units hold
// values no listed ring has (a 601.3.I held `p` = 090), and upsrw must be able to show and keep it.
import { describe, expect, it } from "vitest";
import { nutVariables, type UpsSnapshot } from "../../src/nut/view.js";
import { findSetting, type RowId, type SettingId } from "../../src/protocol/catalogue/index.js";

const driver = { name: "upslink2mqtt", version: "1", pollIntervalMs: 2000, port: "/dev/ttyS0" };

function catalogueRing(id: SettingId): readonly string[] {
  return findSetting(id)?.values?.["4"] ?? [];
}

function snapshot(
  settingValues: Partial<Record<SettingId, readonly string[]>>,
  values: Record<string, string>,
): UpsSnapshot {
  return {
    online: true,
    caps: {
      supported: new Set<RowId>(["ups_status_register", "shutdown_delay", "auto_battery_test_setting"]),
      settingValues,
      identity: {
        model: null,
        serial: null,
        firmware: null,
        manufactureDate: null,
        localeLetter: "D",
        upsFirmwareId: null,
      },
    },
    values: { ups_status_register: "08", on_line_mode: true, ...values },
    fsd: false,
  };
}

function enumOf(snap: UpsSnapshot, name: string): string[] {
  const writable = nutVariables(snap, driver)?.get(name)?.writable;
  if (writable?.kind !== "enum") throw new Error(`${name} is not an ENUM: ${JSON.stringify(writable)}`);
  return writable.options.map((option) => option.nut);
}

describe("LIST ENUM of a ring setting", () => {
  it("offers the catalogue's ring plus a current value the ring lacks", () => {
    const snap = snapshot({ shutdown_delay: catalogueRing("shutdown_delay") }, { shutdown_delay: "090" });
    expect(enumOf(snap, "ups.delay.shutdown")).toEqual(["020", "180", "300", "600", "090"]);
  });

  it("offers the unit's own ring, and its current value even when the dump does not list it", () => {
    const sc450 = ["060", "180", "300", "600"];
    expect(
      enumOf(snapshot({ shutdown_delay: sc450 }, { shutdown_delay: "180" }), "ups.delay.shutdown"),
    ).toEqual(sc450);
    expect(
      enumOf(snapshot({ shutdown_delay: sc450 }, { shutdown_delay: "090" }), "ups.delay.shutdown"),
    ).toEqual([...sc450, "090"]);
  });

  it("always lists the value the variable shows, once, in NUT's form", () => {
    const ring = catalogueRing("auto_battery_test_setting");
    for (const current of ["336", "ON ", "OFF", "504"]) {
      const snap = snapshot({ auto_battery_test_setting: ring }, { auto_battery_test_setting: current });
      const shown = nutVariables(snap, driver)?.get("ups.test.interval")?.value;
      const options = enumOf(snap, "ups.test.interval");
      expect(options, current).toContain(shown);
      expect(new Set(options).size, current).toBe(options.length);
    }
  });

  it("maps a chosen current value back to the value the unit holds", () => {
    const snap = snapshot({ shutdown_delay: catalogueRing("shutdown_delay") }, { shutdown_delay: "090" });
    const writable = nutVariables(snap, driver)?.get("ups.delay.shutdown")?.writable;
    expect(writable?.kind === "enum" ? writable.options.find((o) => o.nut === "090") : undefined).toEqual({
      nut: "090",
      ups: "090",
    });
  });
});
