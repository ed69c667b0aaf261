// Editing a ring setting when the unit's own ring is unknown (issue 13): real rings differ from the
// specification, so a value is not refused because the catalogue's ring lacks it. The editor steps
// with `-`, reads back, and stops when the original comes round. Over a scripted line, no link.
import { describe, expect, it } from "vitest";
import { findSetting } from "../../src/protocol/catalogue/index.js";
import { isUpsLinkError } from "../../src/protocol/errors.js";
import type { SettingRow } from "../../src/protocol/types.js";
import type { ExclusiveLine, UpsLink } from "../../src/ups/link.js";
import { editSetting, offeredOptions } from "../../src/ups/settings.js";

/** A unit holding one setting with the ring `ring`, at index `at`. */
function unit(ring: readonly string[], at: number) {
  let index = at;
  const wire: string[] = [];
  const line = {
    async exchange(exchange: { readonly bytes: Uint8Array }) {
      wire.push(String.fromCharCode(...exchange.bytes));
      return ring[index] ?? "NA";
    },
    async send(bytes: Uint8Array) {
      wire.push(String.fromCharCode(...bytes));
      index = (index + 1) % ring.length;
      return "OK";
    },
    async sendText(text: string) {
      wire.push(text);
      return "OK";
    },
  } as unknown as ExclusiveLine;
  const link = { exclusive: (fn: (l: ExclusiveLine) => Promise<unknown>) => fn(line) } as unknown as UpsLink;
  return { link, wire, value: () => ring[index] };
}

function setting(id: string): SettingRow {
  const row = findSetting(id);
  if (row === undefined) throw new Error(id);
  return row;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return isUpsLinkError(error) ? error.code : String(error);
  }
}

const CATALOGUE_P = ["020", "180", "300", "600"];

describe("a ring the catalogue does not know", () => {
  it("reaches a value of the unit's real ring (SC450 p: 060/180/300/600)", async () => {
    const ups = unit(["060", "180", "300", "600"], 1);
    const result = await editSetting(ups.link, setting("shutdown_delay"), "060", CATALOGUE_P, false);
    expect(result).toMatchObject({ changed: true, value: 60, steps: 3 });
    expect(ups.value()).toBe("060");
  });

  it("stops when the ring comes round, the original value back", async () => {
    const ups = unit(["020", "180", "300", "600"], 2);
    expect(await codeOf(editSetting(ups.link, setting("shutdown_delay"), "090", CATALOGUE_P, false))).toBe(
      "refused_by_ups",
    );
    expect(ups.value()).toBe("300");
    expect(ups.wire.filter((w) => w === "-").length).toBe(4);
  });

  it("goes past a repeated value (H M L L) and stops on a ring of one", async () => {
    const s = unit(["H", "M", "L", "L"], 2);
    expect(await editSetting(s.link, setting("utility_failure_sensitivity"), "H", null, false)).toMatchObject(
      {
        value: "H",
        steps: 2,
      },
    );
    const one = unit(["A"], 0);
    expect(
      await codeOf(editSetting(one.link, setting("utility_failure_sensitivity"), "H", null, false)),
    ).toBe("refused_by_ups");
    expect(one.wire.filter((w) => w === "-").length).toBe(2);
  });

  it("takes more than the catalogue's 4 choices (an RT ring of 8)", async () => {
    const ups = unit(["020", "060", "120", "180", "240", "300", "480", "600"], 0);
    const result = await editSetting(ups.link, setting("shutdown_delay"), "480", CATALOGUE_P, false);
    expect(result).toMatchObject({ changed: true, value: 480, steps: 6 });
  });

  it("refuses a value outside the unit's own Ctrl-Z ring without touching the wire", async () => {
    const ups = unit(["020", "180", "300", "600"], 0);
    expect(await codeOf(editSetting(ups.link, setting("shutdown_delay"), "090", CATALOGUE_P, true))).toBe(
      "invalid_params",
    );
    expect(ups.wire).toEqual([]);
  });

  it("refuses what cannot be a ring value without touching the wire", async () => {
    const ups = unit(["020", "180", "300", "600"], 0);
    for (const bad of ["0-9", "a long value", "\x01"]) {
      expect(
        await codeOf(editSetting(ups.link, setting("shutdown_delay"), bad, CATALOGUE_P, false)),
        bad,
      ).toBe("invalid_params");
    }
    expect(ups.wire).toEqual([]);
  });
});

describe("options offered for a ring", () => {
  it("always include the current value (a 601.3.I held p = 090)", () => {
    expect(offeredOptions(["020", "180", "300", "600"], "090")).toEqual(["020", "180", "300", "600", "090"]);
    expect(offeredOptions(["020", "180", "300", "600"], "180")).toEqual(["020", "180", "300", "600"]);
    expect(offeredOptions(["ON ", "OFF"], "ON")).toEqual(["ON", "OFF"]);
    expect(offeredOptions(null, "A")).toEqual(["A"]);
    expect(offeredOptions(null, null)).toBeNull();
  });

  it("offers a unit that holds a limit per side only what it holds, not the catalogue's single values", () => {
    expect(offeredOptions(["32.13", "45.90", "54.06", "23.97"], "55,50")).toEqual(["55,50"]);
    expect(offeredOptions(["32.13", "45.90"], "NO,NO")).toEqual(["NO,NO"]);
    // The unit's own per-side ring is offered whole; a single-value unit keeps the catalogue's ring.
    expect(offeredOptions(["55,50", "NO,50"], "NO,NO")).toEqual(["55,50", "NO,50", "NO,NO"]);
    expect(offeredOptions(["32.13", "45.90"], 32.13)).toEqual(["32.13", "45.90"]);
  });
});

// Issue 13 item 6: real Measure-UPS units answer `[` and `{` one value per side (`55,50`, `NO,NO`).
// A limit is set in that form, each side compared, by stepping the ring as the unit does.
describe("Measure-UPS limits answered per side", () => {
  const CATALOGUE_UPPER = ["32.13", "45.90", "54.06", "23.97"];

  it("steps to a wanted pair, reading back per side (55,50 to 60,50)", async () => {
    const ups = unit(["55,50", "60,50", "NO,50", "NO,NO"], 0);
    const result = await editSetting(
      ups.link,
      setting("upper_temp_alarm_limit"),
      "60,50",
      CATALOGUE_UPPER,
      false,
    );
    expect(result).toMatchObject({ changed: true, value: "60,50", steps: 1 });
    expect(ups.value()).toBe("60,50");
  });

  it("skips the edit when the unit already holds the pair (sides compared as numbers, NO in any case)", async () => {
    const ups = unit(["55.0,NO", "60,50"], 0);
    const result = await editSetting(
      ups.link,
      setting("upper_temp_alarm_limit"),
      "55,no",
      CATALOGUE_UPPER,
      false,
    );
    expect(result).toMatchObject({ changed: false, steps: 0 });
    expect(ups.wire.filter((w) => w === "-")).toEqual([]);
  });

  it("stops with the original back when no step gives the pair", async () => {
    const ups = unit(["NO,NO", "55,50"], 0);
    expect(
      await codeOf(
        editSetting(ups.link, setting("upper_rh_alarm_limit"), "70,70", ["070.0", "080.0"], false),
      ),
    ).toBe("refused_by_ups");
    expect(ups.value()).toBe("NO,NO");
  });

  it("refuses a pair for a setting that is not a Measure-UPS limit, sending nothing", async () => {
    const ups = unit(["020", "180"], 0);
    expect(
      await codeOf(editSetting(ups.link, setting("shutdown_delay"), "020,180", CATALOGUE_P, false)),
    ).toBe("invalid_params");
    expect(ups.wire).toEqual([]);
  });
});
