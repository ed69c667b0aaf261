// Catalogue rows as link requests (src/ups/requests.ts): what each kind of row asks of the link, and
// how the replies the link hands back raw are read (by the codec, from the rows). The link's side of
// each field is in test/link/request.test.ts; the whole path against the simulator in
// test/link/session.test.ts.
import { describe, expect, it } from "vitest";
import { CATALOGUE, findRow } from "../../src/protocol/catalogue/index.js";
import { type ActionReply, actionResult, encodeAction, interpretReply } from "../../src/protocol/codec.js";
import { isUpsLinkError } from "../../src/protocol/errors.js";
import type { ActionRow, QueryRow, SettingRow, Value } from "../../src/protocol/types.js";
import { actionRequest, probeAnswered, queryRequest, readExchange } from "../../src/ups/requests.js";

function row(id: string): QueryRow | SettingRow {
  const found = findRow(id);
  if (found?.kind !== "query" && found?.kind !== "setting") throw new Error(`no query or setting ${id}`);
  return found;
}

function action(id: string): ActionRow {
  const found = findRow(id);
  if (found?.kind !== "action") throw new Error(`no action ${id}`);
  return found;
}

/** The request for an action with its params, as the command service hands it over (encoded). */
function request(id: string, params: Readonly<Record<string, Value>> = {}) {
  return actionRequest(encodeAction(action(id), params));
}

/** An action's raw reply as the link reads it: through the codec. */
function actionReply(id: string, text: string): ActionReply {
  const found = action(id);
  return actionResult(found, interpretReply(found, text));
}

function text(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isUpsLinkError(error) ? error.code : String(error);
  }
  return "no error";
}

describe("query requests", () => {
  it("send the opcode, frame by the row's reply mode, and may be resent", () => {
    const req = queryRequest(row("line_voltage"), "poll");
    expect(text(req.bytes)).toBe("L");
    expect(req).toMatchObject({
      name: "line_voltage",
      reply: "line",
      priority: "poll",
      retry: true,
      countsTowardLoss: true,
      paced: false,
      pressGapMs: null,
      refusals: [],
      silentAfter: [],
      leavesSmartMode: false,
    });
    expect(queryRequest(row("run_time_remaining"), "user")).toMatchObject({
      reply: "runtime",
      priority: "user",
    });
  });

  it("are not resent for settings (a stray resend could meet a half-done edit)", () => {
    expect(queryRequest(row("shutdown_delay"), "poll").retry).toBe(false);
  });

  it("keep only the long allowances (`a`, Ctrl-Z); ordinary rows take the link's wait", () => {
    expect(readExchange(row("line_voltage")).timeoutMs).toBe(0);
    expect(readExchange(row("all_commands_available")).timeoutMs).toBe(2500);
    expect(readExchange(row("read_all_eeprom"))).toMatchObject({ timeoutMs: 5000, reply: "verbatim" });
  });

  it("check replies: NA is the caller's, SM to Q is not ready, a misfit is out of step", () => {
    const status = queryRequest(row("ups_status_register"), "poll").check;
    const volts = queryRequest(row("line_voltage"), "poll").check;
    expect(status?.("08")).toBeNull();
    expect(status?.("NA")).toBeNull();
    expect(status?.("SM")).toEqual({ why: "status not valid yet", outOfStep: false });
    expect(volts?.("SM")).toMatchObject({ outOfStep: true });
    expect(volts?.("OK")).toMatchObject({ outOfStep: true });
    expect(volts?.("121.5")).toBeNull();
  });
});

describe("action requests", () => {
  it("two-press commands carry the row's gap, are never resent and expect silence after OK or *", () => {
    const req = request("turn_off_after_delay");
    expect(text(req.bytes)).toBe("K");
    expect(req).toMatchObject({
      pressGapMs: 1700,
      paced: false,
      retry: false,
      countsTowardLoss: false,
      priority: "user",
      silentAfter: ["OK", "*"],
      refusals: ["NA", "NO", "ERR"],
    });
  });

  it("parameters are encoded and paced; the shutdown set expects silence", () => {
    const req = request("shutdown_delayed_wake", { tenths: 12 });
    expect(text(req.bytes)).toBe("@012");
    expect(req).toMatchObject({ paced: true, pressGapMs: null, silentAfter: ["OK", "*"] });
  });

  it("single-byte commands go out once, unpaced, and expect no silence", () => {
    const req = request("battery_test");
    expect(req).toMatchObject({ paced: false, pressGapMs: null, silentAfter: [], leavesSmartMode: false });
  });

  it("R leaves smart mode; NA, NO and ERR decline every action (the codec reads them so)", () => {
    expect(request("return_to_simple_mode").leavesSmartMode).toBe(true);
    expect(request("ups_to_bypass_toggle").refusals).toEqual(["NA", "NO", "ERR"]);
    // `ERR` is listed by `^` alone; from another action it has always ended in refused_by_ups.
    expect(request("abort_shutdown").refusals).toEqual(["NA", "NO", "ERR"]);
  });

  it("expects silence after exactly the four shutdown commands", () => {
    const silent = CATALOGUE.filter((r) => r.kind === "action")
      .filter((r) => request(r.id).silentAfter.length > 0)
      .map((r) => r.id)
      .sort();
    expect(silent).toEqual(
      ["shutdown_delayed_wake", "shutdown_on_battery", "turn_off_after_delay", "turn_off_immediate"].sort(),
    );
  });

  it("refuses bad parameters before a request exists", () => {
    expect(codeOf(() => request("shutdown_delayed_wake", { tenths: 1000 }))).toBe("invalid_params");
    expect(codeOf(() => request("shutdown_delayed_wake", { tenths: "soon" }))).toBe("invalid_params");
    expect(text(request("shutdown_delayed_wake", { tenths: "7" }).bytes)).toBe("@007");
    // Without `tenths` the command service has always sent @000 (NUT's awd default): one codec now.
    expect(text(request("shutdown_delayed_wake").bytes)).toBe("@000");
  });
});

describe("replies the link hands back raw", () => {
  it("an action's NA is not_supported (transient), NO and ERR refused_by_ups, BYP its data", () => {
    expect(actionReply("ups_to_bypass_toggle", "BYP")).toEqual({ reply: "BYP", result: "to_bypass" });
    expect(codeOf(() => actionReply("ups_to_bypass_toggle", "ERR"))).toBe("refused_by_ups");
    expect(codeOf(() => actionReply("abort_shutdown", "NO"))).toBe("refused_by_ups");
    let error: unknown = null;
    try {
      actionReply("battery_test", "NA");
    } catch (e) {
      error = e;
    }
    expect(isUpsLinkError(error) && error.code).toBe("not_supported");
    expect(isUpsLinkError(error) && error.context).toMatchObject({ id: "battery_test", transient: true });
    // ERR from a row that does not list it ends as it always did in the command service: refused.
    expect(codeOf(() => actionReply("battery_test", "ERR"))).toBe("refused_by_ups");
  });

  it("a probe's NA means unsupported; NO too from a setting, unless NO is one of its values", () => {
    expect(probeAnswered(row("line_voltage"), "121.0")).toBe(true);
    expect(probeAnswered(row("line_voltage"), "NA")).toBe(false);
    expect(probeAnswered(row("lower_transfer_voltage"), "NO")).toBe(false);
    expect(probeAnswered(row("run_time_conservation"), "NO")).toBe(true);
  });
});
