// Issue 11: one codec. Parameters and setting values are validated and encoded in one place, and
// what a reply means (NA, NO, ERR, BYP, INV, *, OK) is read in one place, from the rows.
import { describe, expect, it } from "vitest";
import { EDIT, EVENTS, rowById } from "../../src/protocol/catalogue/index.js";
import {
  checkEditReply,
  encodeAction,
  encodeSettingValue,
  interpretReply,
  replyError,
  textEntryPattern,
  validateParams,
} from "../../src/protocol/codec.js";
import { isUpsLinkError } from "../../src/protocol/errors.js";
import type { ActionRow, CatalogueRow, SettingRow } from "../../src/protocol/types.js";

function action(id: string): ActionRow {
  const row = rowById(id);
  if (row.kind !== "action") throw new Error(`${id} is not an action`);
  return row;
}

function setting(id: string): SettingRow {
  const row = rowById(id);
  if (row.kind !== "setting") throw new Error(`${id} is not a setting`);
  return row;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isUpsLinkError(error) ? error.code : `not an UpsLinkError: ${String(error)}`;
  }
  return "no error";
}

const text = (bytes: Uint8Array) => String.fromCharCode(...bytes);

describe("parameters", () => {
  it("encode an action once: opcode then zero-padded digits, with the normalized params", () => {
    const wake = action("shutdown_delayed_wake");
    expect(text(encodeAction(wake, { tenths: 12 }).bytes)).toBe("@012");
    expect(encodeAction(wake, { tenths: " 126 " }).params).toEqual({ tenths: 126 });
    // Without `tenths` the wake-up comes with no extra delay (NUT's awd default).
    expect(text(encodeAction(wake, {}).bytes)).toBe("@000");
    // A two-press command is one press here; the link sends it twice with the gap.
    expect([...encodeAction(action("turn_off_after_delay")).bytes]).toEqual([0x4b]);
    expect([...encodeAction(action("abort_shutdown")).bytes]).toEqual([0x7f]);
  });

  it("refuse unknown, missing-typed and out-of-range values with invalid_params", () => {
    const wake = action("shutdown_delayed_wake");
    for (const tenths of [1000, -1, 1.5, "12a", true, [1]]) {
      expect(
        codeOf(() => encodeAction(wake, { tenths })),
        String(tenths),
      ).toBe("invalid_params");
    }
    expect(codeOf(() => encodeAction(wake, { minutes: 5 }))).toBe("invalid_params");
    expect(codeOf(() => encodeAction(action("battery_test"), { now: true }))).toBe("invalid_params");
    expect(codeOf(() => validateParams(setting("ups_id"), { name: "AB-CD" }))).toBe("invalid_params");
    expect(validateParams(setting("alarm_enable"), { mask: 15 })).toEqual({ mask: "0F" });
  });
});

describe("setting values", () => {
  it("match a ring value by text or by number, and name the allowed values otherwise", () => {
    const delay = setting("shutdown_delay");
    const ring = ["020", "180", "300", "600"];
    expect(encodeSettingValue(delay, "180", ring)).toEqual({ entry: "ring", value: "180" });
    expect(encodeSettingValue(delay, 20, ring)).toEqual({ entry: "ring", value: "020" });
    expect(encodeSettingValue(setting("utility_failure_sensitivity"), "m", ["H", "M", "L"])).toEqual({
      entry: "ring",
      value: "M",
    });
    try {
      encodeSettingValue(delay, "90", ring);
      expect.unreachable();
    } catch (error) {
      expect(isUpsLinkError(error) && error.code).toBe("invalid_params");
      expect(String(error)).toMatch(/020, 180, 300, 600/);
    }
  });

  it("pad text entries to their 8 characters and normalize hex entries", () => {
    const id = encodeSettingValue(setting("ups_id"), "RACK 1", []);
    expect(id).toMatchObject({ entry: "text", value: "RACK 1  " });
    if (id.entry === "text") expect(text(id.bytes)).toBe("RACK 1  ");
    expect(encodeSettingValue(setting("alarm_enable"), "f", [])).toMatchObject({ entry: "hex", value: "0F" });
    expect(codeOf(() => encodeSettingValue(setting("alarm_enable"), "100", []))).toBe("invalid_params");
    expect(codeOf(() => encodeSettingValue(setting("battery_replacement_date"), "32/01/24", []))).toBe(
      "invalid_params",
    );
  });

  it("write a battery date month first, from ISO or the unit's own mm/dd/yy (issue 13)", () => {
    const date = setting("battery_replacement_date");
    const iso = encodeSettingValue(date, "2024-03-15", []);
    expect(iso).toMatchObject({ entry: "text", value: "03/15/24" });
    if (iso.entry === "text") expect(text(iso.bytes)).toBe("03/15/24");
    expect(encodeSettingValue(date, "11/17/98", [])).toMatchObject({ value: "11/17/98" });
    expect(encodeSettingValue(date, "1999-07-31", [])).toMatchObject({ value: "07/31/99" });
    for (const bad of ["17/11/98", "2024-02-30", "2024-13-01", "1979-12-31", "2080-01-01", "15/03/24"]) {
      expect(
        codeOf(() => encodeSettingValue(date, bad, [])),
        bad,
      ).toBe("invalid_params");
    }
  });

  it("refuse every alert character and '-' in a c entry, naming it, and keep a clean id (issue 13)", () => {
    const id = setting("ups_id");
    const spec = id.params[0];
    if (spec?.type !== "text") throw new Error("ups_id has no text entry");
    const typed = new RegExp(textEntryPattern(spec));
    // Read from the event rows, so a new alert row is covered without editing this test.
    const refused = [...EVENTS.flatMap((event) => event.char ?? []), "-"];
    expect(refused).toContain("#");
    for (const char of refused) {
      for (const value of [`UPS${char}1`, char, `${char}ABCDEFG`]) {
        let error: unknown = null;
        try {
          encodeSettingValue(id, value, []);
        } catch (caught) {
          error = caught;
        }
        expect(isUpsLinkError(error) && error.code, value).toBe("invalid_params");
        expect(String(error), value).toContain(`'${value}' cannot be written to 'ups_id'`);
        expect(String(error), value).toMatch(new RegExp(`would take '\\${char}'`));
        expect(typed.test(value), `HA pattern takes ${value}`).toBe(false);
      }
    }
    for (const clean of ["UPS1", "UPS_1", "RACK 1", "A.B/C:D", "UPS_IDEN"]) {
      expect(encodeSettingValue(id, clean, []), clean).toMatchObject({
        entry: "text",
        value: clean.padEnd(8, " "),
      });
      expect(typed.test(clean), clean).toBe(true);
    }
  });

  it("keep ISO dates typeable in the battery date pattern, alert characters out (issue 13)", () => {
    const spec = setting("battery_replacement_date").params[0];
    if (spec?.type !== "text") throw new Error("battery_replacement_date has no text entry");
    const typed = new RegExp(textEntryPattern(spec));
    expect(typed.test("2024-03-15")).toBe(true);
    expect(typed.test("03/15/24")).toBe(true);
    for (const event of EVENTS) {
      if (event.char !== null) expect(typed.test(`03/15/2${event.char}`), event.char).toBe(false);
    }
  });

  it("take a battery pack count from 0 to 255", () => {
    const packs = setting("battery_pack_config");
    expect(encodeSettingValue(packs, "3", [])).toEqual({ entry: "count", value: 3 });
    expect(codeOf(() => encodeSettingValue(packs, 256, []))).toBe("invalid_params");
  });
});

describe("replies", () => {
  const meaning = (id: string, reply: string) => interpretReply(rowById(id), reply);

  it("read NA as not available for every kind of row", () => {
    for (const id of ["battery_test", "line_voltage", "shutdown_delay", "edit_next"]) {
      expect(meaning(id, "NA"), id).toEqual({ kind: "not_available" });
    }
  });

  it("read what an action did: OK, a bare *, BYE, CLEAR, and which way ^ went", () => {
    expect(meaning("battery_test", "OK")).toEqual({ kind: "done", data: { reply: "OK" } });
    expect(meaning("turn_off_immediate", "*")).toEqual({ kind: "done", data: { reply: "*" } });
    expect(meaning("return_to_simple_mode", "BYE")).toEqual({ kind: "done", data: { reply: "BYE" } });
    expect(meaning("reset_eeprom", "CLEAR")).toEqual({ kind: "done", data: { reply: "CLEAR" } });
    expect(meaning("ups_to_bypass_toggle", "BYP")).toEqual({
      kind: "done",
      data: { reply: "BYP", result: "to_bypass" },
    });
    expect(meaning("ups_to_bypass_toggle", "INV")).toEqual({
      kind: "done",
      data: { reply: "INV", result: "to_inverter" },
    });
    // Ctrl-N: the seed lists no reply.
    expect(meaning("turn_ups_on", "")).toEqual({ kind: "done", data: { reply: "" } });
    expect(meaning("battery_test", "XYZ")).toEqual({ kind: "unexpected", reply: "XYZ" });
  });

  it("read NO and ERR from an action as a refusal with the row's own sentence", () => {
    expect(meaning("run_time_calibration", "NO")).toEqual({ kind: "refused", reply: "NO" });
    expect(meaning("ups_to_bypass_toggle", "ERR")).toEqual({ kind: "refused", reply: "ERR" });
    const calibrate = replyError(rowById("run_time_calibration"), { kind: "refused", reply: "NO" });
    expect(calibrate.code).toBe("refused_by_ups");
    expect(calibrate.message).toMatch(/100 %/);
    const generic = replyError(rowById("battery_test"), { kind: "refused", reply: "ERR" });
    expect(generic.message).toBe("The UPS refused 'battery_test' (it answered ERR).");
  });

  it("read a query's reply as its value, but SM from Q as not ready yet", () => {
    expect(meaning("line_voltage", "121.0")).toEqual({ kind: "value", text: "121.0" });
    expect(meaning("ups_status_register", "SM")).toEqual({ kind: "not_ready" });
    expect(meaning("ups_status_register", "08")).toEqual({ kind: "value", text: "08" });
    // SM is not special for other queries: the decoder decides.
    expect(meaning("firmware_version", "SM")).toEqual({ kind: "value", text: "SM" });
  });

  it("read NO from a setting as unsupported, unless NO is one of its values (w)", () => {
    expect(meaning("lower_transfer_voltage", "NO")).toEqual({ kind: "refused", reply: "NO" });
    expect(meaning("run_time_conservation", "NO")).toEqual({ kind: "value", text: "NO" });
  });

  it("say NA is transient or not, naming the row", () => {
    const row: CatalogueRow = rowById("battery_voltage");
    const now = replyError(row, { kind: "not_available" });
    expect(now.code).toBe("not_supported");
    expect(now.context).toMatchObject({ id: "battery_voltage", transient: true });
    expect(replyError(row, { kind: "not_available" }, { transient: false }).message).toMatch(
      /does not support/,
    );
  });

  it("check the reply to an edit: OK goes on, NO is a DIP switch lock, NA unsupported, else unexpected", () => {
    const delay = setting("shutdown_delay");
    expect(() => checkEditReply(EDIT, delay, "OK")).not.toThrow();
    expect(codeOf(() => checkEditReply(EDIT, delay, "NO"))).toBe("edit_locked");
    expect(codeOf(() => checkEditReply(EDIT, delay, "NA"))).toBe("not_supported");
    expect(codeOf(() => checkEditReply(EDIT, delay, "ERR"))).toBe("bad_reply");
    expect(codeOf(() => checkEditReply(EDIT, delay, "BYE"))).toBe("bad_reply");
  });
});
