import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ALERT_BYTES,
  alertEventId,
  CATALOGUE,
  DESTRUCTIVE_IDS,
  EVENTS,
  eventByByte,
  FEEDBACKS,
  findRow,
  opcodeText,
  REGISTER_MAP,
  rowById,
  rowsByKind,
  rowsByOpcodeByte,
  SETTING_IDS,
} from "../../src/protocol/catalogue/index.js";
import { isUpsLinkError } from "../../src/protocol/errors.js";
import { UNDER_CI } from "../helpers/ci.js";
import { readSeed, SEED_PATH, SHARED_SEED_PATH, sharedSeedPresent } from "./seed.js";

const seed = readSeed();

/** The byte of one press as the seed writes the command (`Ctrl N(>1.5s)Ctrl N` → 0x0e). */
function seedByte(command: string): number {
  const ctrl = /^Ctrl ([A-Z])/.exec(command);
  if (ctrl?.[1] !== undefined) return ctrl[1].charCodeAt(0) - 0x40;
  if (command === "DEL") return 0x7f;
  return command.charCodeAt(0);
}

describe("the seed copy", () => {
  // In CI the project's shared seeds are beside the repository: the copy must be identical, so a
  // change of the seed cannot go unnoticed. Elsewhere (a user's clone) there is nothing to compare.
  it("is identical to the project's seed", (ctx) => {
    ctx.skip(
      !UNDER_CI && !sharedSeedPresent(),
      `the project's shared seeds are not beside this clone (${SHARED_SEED_PATH})`,
    );
    expect(sharedSeedPresent(), `CI runs with the shared seeds beside the clone: ${SHARED_SEED_PATH}`).toBe(
      true,
    );
    expect(readFileSync(SEED_PATH, "utf8")).toBe(readFileSync(SHARED_SEED_PATH, "utf8"));
  });
});

describe("catalogue against the seed", () => {
  it("has the seed's 72 rows: 14 actions, 36 queries, 21 settings, 1 modifier", () => {
    expect(CATALOGUE).toHaveLength(seed.actions.length);
    expect(CATALOGUE).toHaveLength(72);
    const count = (kind: string) => CATALOGUE.filter((row) => row.kind === kind).length;
    expect([count("action"), count("query"), count("setting"), count("modifier")]).toEqual([14, 36, 21, 1]);
    expect(rowsByKind("modifier").map((row) => row.id)).toEqual(["edit_next"]);
  });

  it("uses exactly the seed's ids, labels, kinds and printable opcodes, in the seed's order", () => {
    expect(CATALOGUE.map((row) => [row.id, row.label, row.kind, row.wire.opcode])).toEqual(
      seed.actions.map((a) => [a.id, a.label, a.kind, a.command]),
    );
  });

  it("sends the seed's bytes, control characters as bytes", () => {
    for (const action of seed.actions) {
      expect(rowById(action.id).wire.bytes, action.id).toEqual([seedByte(action.command)]);
    }
    expect(rowById("ups_model_name").wire.bytes).toEqual([0x01]);
    expect(rowById("turn_ups_on").wire.bytes).toEqual([0x0e]);
    expect(rowById("read_all_eeprom").wire.bytes).toEqual([0x1a]);
    expect(rowById("output_voltage_selection").wire.bytes).toEqual([0x16]);
    expect(rowById("front_panel_language").wire.bytes).toEqual([0x0c]);
    expect(rowById("abort_shutdown").wire.bytes).toEqual([0x7f]);
  });

  it("presses twice, more than 1.5 s apart, exactly the seed's (>1.5s) commands", () => {
    const twoPress = CATALOGUE.filter((row) => row.wire.presses === 2);
    expect(twoPress.map((row) => row.id).sort()).toEqual(
      seed.actions
        .filter((a) => a.command.includes("(>1.5s)"))
        .map((a) => a.id)
        .sort(),
    );
    for (const row of twoPress) expect(row.wire.gapMs).toBeGreaterThan(1500);
    for (const row of CATALOGUE.filter((r) => r.wire.presses === 1)) expect(row.wire.gapMs).toBe(0);
  });

  it("has the seed's parameter names", () => {
    for (const action of seed.actions) {
      expect(
        rowById(action.id).params.map((p) => p.name),
        action.id,
      ).toEqual(action.params.map((p) => p.name));
    }
  });

  it("allows the replies the seed lists for actions and the modifier", () => {
    for (const action of seed.actions.filter((a) => a.kind === "action" || a.kind === "modifier")) {
      const expected = action.response === undefined ? [] : action.response.split("|").map((s) => s.trim());
      expect(rowById(action.id).replies, action.id).toEqual(expected);
    }
    // Queries that list fixed replies list only ones the seed names.
    for (const row of rowsByKind("query")) {
      const response = seed.actions.find((a) => a.id === row.id)?.response ?? "";
      for (const reply of row.replies)
        expect(
          response.split("|").map((s) => s.trim()),
          row.id,
        ).toContain(reply);
    }
  });

  it("marks exactly the seed's Safety list destructive", () => {
    expect([...DESTRUCTIVE_IDS].sort()).toEqual([...seed.destructive].sort());
    expect(
      CATALOGUE.filter((row) => row.destructive)
        .map((row) => row.id)
        .sort(),
    ).toEqual([...seed.destructive].sort());
    for (const row of CATALOGUE.filter((r) => r.destructive)) expect(row.kind).toBe("action");
  });
});

describe("row fields", () => {
  it("retries queries and settings only, and never an action", () => {
    for (const row of CATALOGUE)
      expect(row.retry, row.id).toBe(row.kind === "query" || row.kind === "setting");
  });

  it("decodes queries and settings, not actions", () => {
    for (const row of CATALOGUE) {
      expect(row.decode === null, row.id).toBe(row.kind === "action" || row.kind === "modifier");
    }
  });

  it("frames a, b and Ctrl-Z verbatim, j as runtime, K/Z/@ as star-or-line", () => {
    const byMode = (mode: string) =>
      CATALOGUE.filter((row) => row.replyMode === mode)
        .map((row) => row.id)
        .sort();
    // `b` is verbatim because AP9620 units answer `UPS 09.3 / ID=18`, whose `=` would otherwise be
    // taken out as the return_from_abnormal_condition alert (regression).
    expect(byMode("verbatim")).toEqual(["all_commands_available", "read_all_eeprom", "version_in_decimal"]);
    expect(byMode("runtime")).toEqual(["run_time_remaining"]);
    expect(byMode("star_or_line")).toEqual([
      "shutdown_delayed_wake",
      "turn_off_after_delay",
      "turn_off_immediate",
    ]);
  });

  it("waits longer for a and Ctrl-Z than for plain queries", () => {
    expect(rowById("all_commands_available").timeoutMs).toBe(2500);
    expect(rowById("read_all_eeprom").timeoutMs).toBe(5000);
    expect(rowById("line_voltage").timeoutMs).toBe(1000);
    for (const row of rowsByKind("action")) expect(row.timeoutMs).toBe(3000);
  });

  it("polls in the documented tiers", () => {
    const tierOf = (opcodes: string[]) =>
      opcodes.map((op) => CATALOGUE.find((r) => r.wire.opcode === op && r.kind === "query")?.tier);
    expect(
      new Set(
        tierOf([
          "Q",
          "f",
          "j",
          "L",
          "O",
          "B",
          "P",
          "C",
          "F",
          "G",
          "9",
          "X",
          "~",
          "'",
          "8",
          "t",
          "h",
          "J",
          "i",
        ]),
      ),
    ).toEqual(new Set(["fast"]));
    expect(new Set(tierOf(["M", "N"]))).toEqual(new Set(["minmax"]));
    expect(new Set(tierOf(["n", "m", "b", "V", "Ctrl A", "y", "a", "Ctrl Z", "v"]))).toEqual(
      new Set(["identity"]),
    );
    expect(new Set(tierOf(["g", "7", ">", "<"]))).toEqual(new Set(["slow"]));
    for (const row of rowsByKind("setting")) expect(row.tier).toBe("slow");
    for (const row of [...rowsByKind("action"), ...rowsByKind("modifier")]) expect(row.tier).toBe("none");
  });

  it("marks the §4 Measure-UPS rows", () => {
    const measure = CATALOGUE.filter((row) => row.needsMeasureUps).map((row) => row.wire.opcode);
    expect(measure.sort()).toEqual(["I", "J", "[", "]", "h", "i", "t", "v", "{", "}"].sort());
  });

  it("records the seed's model exclusions", () => {
    expect(rowById("ups_to_bypass_toggle").lackedBy).not.toContain("matrix_ups");
    expect(rowById("ups_to_bypass_toggle").lackedBy).toContain("smart_ups_3g");
    expect(rowById("turn_off_after_delay").lackedBy).toEqual(["smart_ups_250_400_370ci"]);
    expect(rowById("run_time_calibration").lackedBy).toEqual(["smart_ups_vs", "back_ups_pro"]);
    expect(rowById("lower_transfer_voltage").lackedBy).toEqual(["matrix_ups"]);
    expect(rowById("turn_ups_on").lackedBy).toContain("matrix_ups");
    expect(rowById("return_to_simple_mode").lackedBy).toContain("matrix_ups");
  });

  it("names the register of every hex query and a rings for ring settings", () => {
    const withRegister = CATALOGUE.filter((row) => row.register !== null).map((row) => [
      row.wire.opcode,
      row.register,
    ]);
    expect(withRegister).toEqual([
      ["Q", "Q"],
      ["~", "~"],
      ["'", "'"],
      ["8", "8"],
      ["7", "7"],
      ["i", "i"],
      ["J", "J"],
    ]);
    for (const row of rowsByKind("setting")) {
      const noRing = ["ups_id", "battery_replacement_date", "alarm_enable", "battery_pack_config"];
      expect(row.values === null, row.id).toBe(noRing.includes(row.id));
    }
    expect(rowById("utility_failure_sensitivity").values).toEqual({ "4": ["H", "M", "L", "L"] });
    expect(rowById("upper_transfer_voltage").values?.I).toEqual(["253", "264", "271", "280"]);
    expect(rowById("lower_transfer_voltage").values?.A).toEqual(["092", "090", "088", "086"]);
    expect(rowById("auto_battery_test_setting").values?.["4"]).toEqual(["336", "168", "ON ", "OFF"]);
  });

  it("validates parameters with patterns that accept good and refuse bad values", () => {
    const pattern = (id: string) => {
      const spec = rowById(id).params[0];
      if (spec?.type !== "text") throw new Error(`${id} has no text param`);
      return new RegExp(spec.pattern);
    };
    expect(pattern("ups_id").test("UPS_IDEN")).toBe(true);
    expect(pattern("ups_id").test("RACK 1")).toBe(true);
    expect(pattern("ups_id").test("UPS-01")).toBe(false);
    expect(pattern("ups_id").test("TOO_LONG_")).toBe(false);
    expect(pattern("battery_replacement_date").test("03/15/24")).toBe(true);
    expect(pattern("battery_replacement_date").test("2024-03-15")).toBe(true);
    expect(pattern("battery_replacement_date").test("3/15/24")).toBe(false);
    expect(pattern("battery_replacement_date").test("03/15/2024")).toBe(false);
    expect(rowById("shutdown_delayed_wake").params[0]).toMatchObject({
      type: "integer",
      min: 0,
      max: 999,
      digits: 3,
    });
    expect(rowById("alarm_enable").params[0]).toMatchObject({ name: "mask", type: "hex_byte" });
  });
});

describe("lookups", () => {
  it("finds rows by id and refuses unknown ids", () => {
    expect(rowById("line_voltage").wire.opcode).toBe("L");
    expect(findRow("no_such_row")).toBeUndefined();
    expect(() => rowById("no_such_row")).toThrow(/no_such_row/);
    try {
      rowById("no_such_row");
    } catch (error) {
      expect(isUpsLinkError(error) && error.code).toBe("unknown_action");
    }
  });

  it("finds both rows of the shared '>' opcode", () => {
    expect(rowsByOpcodeByte(0x3e).map((row) => row.id)).toEqual(["num_battery_packs", "battery_pack_config"]);
  });

  it("prints opcodes readably", () => {
    expect(opcodeText(rowById("turn_ups_on"))).toBe("Ctrl-N (1.7 s) Ctrl-N");
    expect(opcodeText(rowById("shutdown_delayed_wake"))).toBe("@ddd");
    expect(opcodeText(rowById("abort_shutdown"))).toBe("DEL");
    expect(opcodeText(rowById("read_all_eeprom"))).toBe("Ctrl-Z");
    expect(opcodeText(rowById("ups_id"))).toBe("c");
  });
});

describe("feedbacks and events against the seed", () => {
  it("has the seed's 16 feedbacks with their types, values, units and sources", () => {
    expect(
      FEEDBACKS.map((f) => [f.id, f.type, f.values ?? undefined, f.unit ?? undefined, f.sourceQuery]),
    ).toEqual(seed.feedbacks.map((f) => [f.id, f.type, f.values, f.unit, f.source_query]));
    for (const f of FEEDBACKS) expect(findRow(f.sourceQuery)?.kind, f.id).toBe("query");
  });

  it("uses the seed's bit names for Q and 8", () => {
    for (const f of seed.feedbacks.filter((sf) => sf.bit_map !== undefined)) {
      const register = FEEDBACKS.find((x) => x.id === f.id)?.register;
      if (register === undefined || register === null) throw new Error(`${f.id} has no register`);
      const names = Object.fromEntries(REGISTER_MAP[register].bits.map((b) => [`bit${b.bit}`, b.id]));
      expect(names, f.id).toEqual(f.bit_map);
    }
  });

  it("has the seed's 10 events with their alert characters, and unknown_alert for declared bytes", () => {
    const seeded = EVENTS.filter((e) => e.char !== null);
    expect(seeded.map((e) => [e.id, e.char])).toEqual(seed.events.map((e) => [e.id, e.opcode]));
    for (const e of seeded) {
      const byte = e.char?.charCodeAt(0) ?? -1;
      expect(e.byte).toBe(byte);
      expect(eventByByte(byte)?.id).toBe(e.id);
      expect(alertEventId(byte)).toBe(e.id);
      expect(ALERT_BYTES.has(byte)).toBe(true);
    }
    // Issue 13: a byte a unit declares in `a` that no row knows is still an alert, of its own kind.
    expect(EVENTS.filter((e) => e.char === null).map((e) => [e.id, e.byte])).toEqual([
      ["unknown_alert", null],
    ]);
    expect(alertEventId(0x04)).toBe("unknown_alert");
    expect(ALERT_BYTES.size).toBe(10);
    expect(eventByByte(0x51)).toBeUndefined();
  });

  it("re-reads what each alert concerns, only catalogue queries and settings", () => {
    const reread = (char: string) => [...(EVENTS.find((e) => e.char === char)?.reread ?? [])].sort();
    expect(reread("!")).toEqual([
      "battery_capacity",
      "run_time_remaining",
      "transfer_cause",
      "ups_status_register",
    ]);
    expect(reread("%")).toEqual(["battery_capacity", "run_time_remaining", "ups_status_register"]);
    expect(reread("?")).toEqual(["state_register", "trip1_register", "trip_register", "ups_status_register"]);
    expect(reread("#")).toEqual(["battery_test_result", "ups_status_register"]);
    expect(reread("&")).toEqual(["alarm_status"]);
    expect(reread("|")).toEqual([...SETTING_IDS].sort());
    expect(SETTING_IDS).toHaveLength(21);
    for (const e of EVENTS) {
      for (const id of e.reread) expect(["query", "setting"], `${e.id} → ${id}`).toContain(findRow(id)?.kind);
    }
  });
});
