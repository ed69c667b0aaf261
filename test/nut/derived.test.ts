// The NUT mapping is derived from the catalogue's rows (issue 11): the forms come from each row's
// decoder and unit unless NUT converts the value itself, every name has NUT's description, toggles
// take their state from the row, and the status words from the register bits.
import { describe, expect, it } from "vitest";
import {
  NUT_COMMANDS,
  NUT_VARIABLES,
  publishedName,
  STATUS_WORDS,
  UNDESCRIBED,
} from "../../src/nut/mapping.js";

const form = (name: string) => NUT_VARIABLES.find((row) => row.nut === name)?.form;
const command = (name: string) => NUT_COMMANDS.find((row) => row.nut === name);

describe("the derived NUT mapping", () => {
  it("writes each value in the form apcsmart publishes", () => {
    expect(form("ups.temperature")).toEqual({ kind: "fixed", int: 3, dec: 1 });
    expect(form("input.frequency")).toEqual({ kind: "fixed", int: 2, dec: 2 });
    expect(form("battery.voltage.nominal")).toEqual({ kind: "fixed", int: 3, dec: 0 });
    expect(form("battery.packs")).toEqual({ kind: "fixed", int: 3, dec: 0 });
    expect(form("battery.runtime")).toEqual({ kind: "minutes" });
    expect(form("battery.runtime.low")).toEqual({ kind: "minutes" });
    expect(form("ups.test.interval")).toEqual({ kind: "hours" });
    expect(form("battery.date")).toEqual({ kind: "date" });
    expect(form("ups.mfr.date")).toEqual({ kind: "date" });
    expect(form("ups.delay.shutdown")).toEqual({ kind: "setting", int: 3, dec: 0 });
    expect(form("ups.test.result")).toEqual({
      kind: "words",
      words: { ok: "OK", failed: "BT", invalid_overload: "NG", no_result: "NO" },
    });
    expect(form("input.quality")).toEqual({ kind: "words", words: { acceptable: "FF", unacceptable: "00" } });
  });

  it("gives every variable and command NUT's description", () => {
    for (const row of NUT_VARIABLES) expect(row.desc, row.nut).not.toBe(UNDESCRIBED);
    for (const row of NUT_COMMANDS) expect(row.desc, row.nut).not.toBe(UNDESCRIBED);
    expect(NUT_VARIABLES).toHaveLength(43);
    expect(NUT_COMMANDS).toHaveLength(12);
  });

  it("publishes packed Measure-UPS values numbered from 1, as apcsmart does", () => {
    expect(publishedName("ambient.0.temperature.high")).toBe("ambient.1.temperature.high");
    expect(publishedName("ambient.temperature")).toBe("ambient.temperature");
    expect(form("ambient.1.humidity.low")).toEqual({ kind: "setting", int: 3, dec: 1 });
    expect(NUT_VARIABLES.some((row) => row.nut.startsWith("ambient.0."))).toBe(false);
  });

  it("takes a toggle's state from its row: the first name turns it on, the second off", () => {
    expect(command("calibrate.start")?.doneWhen).toEqual({
      keys: ["run_time_calibration_running"],
      value: true,
    });
    expect(command("calibrate.stop")?.doneWhen).toEqual({
      keys: ["run_time_calibration_running"],
      value: false,
    });
    expect(command("bypass.stop")?.doneWhen).toEqual({
      keys: ["bypass_manual", "bypass_by_command", "bypass_internal_fault"],
      value: false,
    });
    expect(command("load.off")?.doneWhen).toBeUndefined();
  });

  it("runs shutdown.return as the composite once, DEL as shutdown.stop, and offers no test.battery.stop", () => {
    expect(NUT_COMMANDS.filter((row) => row.nut === "shutdown.return")).toEqual([
      {
        nut: "shutdown.return",
        action: "shutdown_return",
        desc: "Turn off the load and return when power is back",
      },
    ]);
    expect(command("shutdown.stop")?.action).toBe("abort_shutdown");
    expect(command("test.battery.stop")).toBeUndefined();
  });

  it("orders the status words as apcsmart writes them", () => {
    const words = [...new Set(STATUS_WORDS.map((entry) => entry.word))];
    expect(words).toEqual(["CAL", "TRIM", "BOOST", "OL", "OB", "OVER", "LB", "RB", "BYPASS"]);
  });
});
