// Capability discovery from a parsed `a` over a scripted prober (no link, no simulator): what a real
// unit's list says is the whole truth (issue 13).
import { describe, expect, it } from "vitest";
import { CATALOGUE, type QueryId, readableRow, type SettingId } from "../../src/protocol/catalogue/index.js";
import { parseCapabilities } from "../../src/protocol/identity.js";
import { discoverCapabilities, type ProbeOutcome, type Prober } from "../../src/ups/capabilities.js";

/** A Smart-UPS v/s 420i as recorded in syssi/esphome-apc-ups docs/apc-suvs420i-new.txt. */
const SUVS_A = "2).?=*%+#!$.98~`\x01ynba@YXUSQKGA";
const SUVS_REPLIES: Readonly<Record<string, string>> = {
  a: SUVS_A,
  b: "42.L.I",
  n: "GS9803139882\0\0",
  y: "(C) APCC",
  "9": "FF",
  Q: "08",
  G: "S",
  "\x01": "SMART-UPS 420",
};

/** Answers what the unit answered; silence on everything else, as the v/s does (no NA). */
function scripted(replies: Readonly<Record<string, string>>): Prober & { readonly asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async probe(rowId: QueryId | SettingId): Promise<ProbeOutcome> {
      const opcode = String.fromCharCode(...readableRow(rowId).wire.bytes);
      asked.push(opcode);
      const text = replies[opcode];
      return text === undefined ? { kind: "silent" } : { kind: "answer", text };
    },
  };
}

describe("a Smart-UPS v/s `a` reply", () => {
  it("parses as level 2 with its alerts and commands", () => {
    const caps = parseCapabilities(SUVS_A);
    expect(caps.level).toBe(2);
    expect(String.fromCharCode(...caps.alerts)).toBe("?=*%+#!$");
    expect(String.fromCharCode(...caps.commands)).toBe("98~`\x01ynba@YXUSQKGA");
  });

  it("is the whole truth: nothing it does not list is supported", async () => {
    const caps = await discoverCapabilities(scripted(SUVS_REPLIES), { probeTimeoutMs: 100 });
    expect(caps.source).toBe("a");
    expect(caps.protocolLevel).toBe(2);
    expect(caps.identity.firmware).toBe("42.L.I");
    expect(caps.identity.localeLetter).toBe("I");
    const listed = new Set(parseCapabilities(SUVS_A).commands);
    for (const row of CATALOGUE) {
      const opcode = row.wire.bytes[0];
      if (opcode !== undefined && !listed.has(opcode)) expect(caps.supported.has(row.id), row.id).toBe(false);
    }
    // The old-family guess marked these: the unit lists none of them (and `z` is destructive).
    for (const id of [
      "battery_test",
      "run_time_calibration",
      "reset_eeprom",
      "edit_next",
      "turn_off_immediate",
    ] as const) {
      expect(caps.supported.has(id), id).toBe(false);
    }
    expect(caps.supported.has("shutdown_on_battery")).toBe(true);
    expect(caps.supported.has("simulate_power_failure")).toBe(true);
    expect([...caps.alerts].sort()).toEqual(
      [
        "line_fail",
        "return_from_line_fail",
        "low_battery",
        "return_from_low_battery",
        "abnormal_condition",
        "return_from_abnormal_condition",
        "ups_about_to_turn_load_off",
        "replace_battery",
      ].sort(),
    );
  });
});
