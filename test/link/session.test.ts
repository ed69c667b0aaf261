// The link session against the in-process simulator, with fake timers, driven as the UPS layer
// drives it (catalogue rows through `CatalogueLink`): every timing rule of the protocol (handshake
// retries, timeouts, the two-press gap, pacing) is checked from the bytes the simulated UPS received
// and when. The link's own seams, with requests given as bare bytes, are in request.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_LINK_OPTIONS } from "../../src/link/options.js";
import { findRow, rowById } from "../../src/protocol/catalogue/index.js";
import { type ActionReply, encodeAction } from "../../src/protocol/codec.js";
import { isUpsLinkError, UpsLinkError } from "../../src/protocol/errors.js";
import type { CatalogueRow, Value } from "../../src/protocol/types.js";
import { readOnLine } from "../../src/ups/requests.js";
import { rejection, type SimRig, settle, simRig } from "./helpers.js";

let rig: SimRig | null = null;

async function started(profile = "smartups-3g-120", options = {}, reconnect = true): Promise<SimRig> {
  rig = simRig(profile, options, reconnect);
  await settle(rig.session.start());
  return rig;
}

function row(id: string): CatalogueRow {
  const found = findRow(id);
  if (found === undefined) throw new Error(`no row ${id}`);
  return found;
}

/** An action by id as the command service sends it: encoded by the codec, then given to the link. */
function act(r: SimRig, id: string, params: Readonly<Record<string, Value>> = {}): Promise<ActionReply> {
  try {
    const found = rowById(id);
    if (found.kind !== "action") throw new UpsLinkError("unknown_action", `${id} is not an action`);
    return r.link.action(encodeAction(found, params));
  } catch (error) {
    return Promise.reject(error);
  }
}

function codeOf(error: unknown): string {
  return isUpsLinkError(error) ? error.code : `not an UpsLinkError: ${String(error)}`;
}

/** Timestamps (fake ms) of every received byte equal to `char`. */
function timesOf(r: SimRig, char: string): number[] {
  return r.sim.received.filter(({ byte }) => byte === char.charCodeAt(0)).map(({ at }) => at);
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(async () => {
  await rig?.session.stop();
  rig = null;
  vi.useRealTimers();
});

describe("LinkSession: smart-mode handshake", () => {
  it("sends Y, gets SM and goes online", async () => {
    const r = await started();
    expect(r.session.state).toBe("online");
    expect(r.states).toEqual(["connecting", "online"]);
    expect(r.wire()).toBe("Y");
  });

  it("retries with ESC between tries while the UPS is silent at first", async () => {
    rig = simRig("smartups-3g-120", { handshakeTimeoutMs: 1500, handshakeRetries: 5 });
    const r = rig;
    r.sim.control("silent on");
    const start = r.session.start();
    await vi.advanceTimersByTimeAsync(3000); // Y at 0 and at 2000 (after ESC and its settle) go unanswered
    r.sim.control("silent off");
    await settle(start);
    expect(r.session.state).toBe("online");
    expect(r.wire()).toBe("Y\\x1bY\\x1bY");
  });

  it("gives the ESC time to be taken on its own before the next Y (issue 12 item 8)", async () => {
    rig = simRig("smartups-3g-120", { handshakeTimeoutMs: 1500, handshakeRetries: 5 });
    const r = rig;
    r.sim.control("silent on");
    const start = r.session.start();
    await vi.advanceTimersByTimeAsync(5000);
    r.sim.control("silent off");
    await settle(start);
    expect(r.session.state).toBe("online");
    const escapes = timesOf(r, "\x1b");
    const ys = timesOf(r, "Y");
    expect(escapes.length).toBeGreaterThanOrEqual(2);
    for (const at of escapes) {
      const nextY = ys.find((y) => y >= at);
      expect(nextY).toBeDefined();
      // 51 ms apart, the unit took ESC and Y as one request (NA); well past the ~200 ms in which a
      // unit answers a first character is safe.
      expect((nextY ?? at) - at).toBeGreaterThanOrEqual(DEFAULT_LINK_OPTIONS.escSettleMs);
      expect(DEFAULT_LINK_OPTIONS.escSettleMs).toBeGreaterThan(DEFAULT_LINK_OPTIONS.firstCharWaitMs);
    }
  });

  it("gives up after the retries with not_smart_mode when nothing answers (no reconnect)", async () => {
    rig = simRig("smartups-3g-120", { handshakeRetries: 3 }, false);
    const r = rig;
    r.sim.control("silent on");
    const error = await rejection(r.session.start());
    expect(codeOf(error)).toBe("not_smart_mode");
    expect(String((error as Error).message)).toMatch(/940-0024C/);
    expect(r.wire()).toBe("Y\\x1bY\\x1bY");
  });

  it("re-enters smart mode after R (BYE) before the next request", async () => {
    const r = await started();
    expect(await settle(act(r, "return_to_simple_mode"))).toEqual({ reply: "BYE" });
    const volts = await settle(r.link.query("line_voltage"));
    expect(volts).toMatch(/^\d{3}\.\d$/);
    expect(r.wire()).toBe("YRYL");
  });
});

describe("LinkSession: queries", () => {
  it("returns raw reply text, and read() decodes it with the row's decoder", async () => {
    const r = await started();
    expect(await settle(r.link.query("line_voltage"))).toMatch(/^\d{3}\.\d$/);
    expect(await settle(r.link.query("run_time_remaining"))).toMatch(/^\d{4}:$/);
    const charge = await settle(r.link.read("battery_capacity"));
    expect(typeof charge).toBe("number");
    expect(r.wire()).toBe("YLjf");
  });

  it("retries a query that timed out and succeeds when the UPS answers again", async () => {
    const r = await started("smartups-3g-120", { queryTimeoutMs: 1000, queryRetries: 2 });
    r.sim.control("silent on");
    const reply = r.link.query("line_voltage");
    await vi.advanceTimersByTimeAsync(900); // the first L goes unanswered
    r.sim.control("silent off");
    expect(await settle(reply)).toMatch(/^\d{3}\.\d$/);
    expect(timesOf(r, "L")).toHaveLength(2);
  });

  it("times out after the bounded retries", async () => {
    const r = await started("smartups-3g-120", {
      queryTimeoutMs: 500,
      queryRetries: 2,
      lostAfterFailures: 10,
    });
    r.sim.control("silent on");
    expect(codeOf(await rejection(r.link.query("line_voltage")))).toBe("timeout");
    expect(timesOf(r, "L")).toHaveLength(3);
  });

  it("never retries an action", async () => {
    const r = await started("smartups-3g-120", { queryTimeoutMs: 500, queryRetries: 3 });
    r.sim.control("silent on");
    expect(codeOf(await rejection(act(r, "test_lights_beeper")))).toBe("timeout");
    expect(timesOf(r, "A")).toHaveLength(1);
  });

  it("maps NA to not_supported and remembers the row as unsupported", async () => {
    const r = await started();
    const error = await rejection(r.link.query("load_current")); // Matrix-UPS only
    expect(codeOf(error)).toBe("not_supported");
    expect(isUpsLinkError(error) && error.context.transient).toBe(false);
    expect(codeOf(await rejection(r.link.query("load_current")))).toBe("not_supported");
    expect(timesOf(r, "/")).toHaveLength(1); // the second one never reached the wire
  });

  it("treats NA from a query that answered before as transient and keeps asking it", async () => {
    const r = await started();
    await settle(r.link.query("battery_voltage"));
    r.sim.control("fault na on");
    const error = await rejection(r.link.query("battery_voltage"));
    expect(codeOf(error)).toBe("not_supported");
    expect(isUpsLinkError(error) && error.context.transient).toBe(true);
    r.sim.control("fault na off");
    expect(await settle(r.link.query("battery_voltage"))).toMatch(/^\d+\.\d+$/);
    expect(timesOf(r, "B")).toHaveLength(3);
  });

  it("retries Q when it answers SM (status not valid yet)", async () => {
    const r = await started("smartups-3g-120", { queryRetries: 2 });
    r.sim.control("fault sm-to-q on");
    const reply = r.link.query("ups_status_register");
    await vi.advanceTimersByTimeAsync(0);
    r.sim.control("fault sm-to-q off");
    expect(await settle(reply)).toMatch(/^[0-9A-F]{2}$/);
    expect(timesOf(r, "Q").length).toBeGreaterThanOrEqual(2);
  });

  it("resynchronises with Y after a late (out-of-step) reply before the next request", async () => {
    const r = await started("smartups-3g-120", {
      queryTimeoutMs: 500,
      queryRetries: 0,
      lostAfterFailures: 10,
    });
    r.sim.control("fault slow 800");
    expect(codeOf(await rejection(r.link.query("line_voltage")))).toBe("timeout");
    await vi.advanceTimersByTimeAsync(500); // the late answer to L arrives with nothing asked
    r.sim.control("fault slow 0");
    const volts = await settle(r.link.query("output_voltage"));
    expect(volts).toMatch(/^\d{3}\.\d$/);
    expect(r.wire()).toBe("YLYO");
  });

  it("runs user requests ahead of queued polls, one at a time", async () => {
    const r = await started();
    const polls = [r.link.query("line_voltage"), r.link.query("output_voltage"), r.link.query("load_power")];
    const user = r.link.query("battery_capacity", { priority: "user" });
    await settle(Promise.all([...polls, user]));
    // L was already on the wire when the user request came; f goes next, then the other polls.
    expect(r.wire()).toBe("YLfOP");
  });
});

describe("LinkSession: actions", () => {
  it("sends K twice more than 1.5 s apart with nothing in between, a queued poll waits", async () => {
    const r = await started();
    const action = act(r, "turn_off_after_delay");
    await vi.advanceTimersByTimeAsync(100); // the first K is out
    const poll = r.link.query("line_voltage");
    expect(await settle(action)).toEqual({ reply: "OK" });
    await settle(poll);
    const [first, second] = timesOf(r, "K");
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThan(1500);
    expect(r.wire()).toBe("YKKL");
    // The UPS answered the poll after K: shutdown expected, and online again while it answers.
    expect(r.states).toEqual(["connecting", "online", "shutdown_expected", "online"]);
  });

  it("reads a bare * as success on old units", async () => {
    const r = await started("smartups-old");
    expect(await settle(act(r, "turn_off_immediate"))).toEqual({ reply: "*" });
    expect(r.session.state).toBe("shutdown_expected");
  });

  it("treats silence after a shutdown as expected, and comes back online when the UPS answers", async () => {
    const r = await started("smartups-3g-120", {
      queryTimeoutMs: 300,
      queryRetries: 0,
      lostAfterFailures: 2,
    });
    expect(await settle(act(r, "turn_off_after_delay"))).toEqual({ reply: "OK" });
    r.sim.control("silent on");
    for (let i = 0; i < 5; i++) {
      expect(codeOf(await rejection(r.link.query("ups_status_register")))).toMatch(/timeout|not_smart_mode/);
    }
    expect(r.session.state).toBe("shutdown_expected");
    expect(r.states).not.toContain("offline");
    r.sim.control("silent off");
    expect(await settle(r.link.query("ups_status_register"))).toMatch(/^[0-9A-F]{2}$/);
    expect(r.session.state).toBe("online");
  });

  it("paces @ddd: 200 ms after @, then about 50 ms per digit", async () => {
    const r = await started("smartups-3g-120", { firstCharWaitMs: 200, charPacingMs: 50 });
    expect(await settle(act(r, "shutdown_delayed_wake", { tenths: 12 }))).toEqual({ reply: "OK" });
    expect(r.wire()).toBe("Y@012");
    const times = r.sim.received.slice(1).map(({ at }) => at);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(200);
    expect(gaps.slice(1).every((gap) => gap >= 50)).toBe(true);
  });

  it("aborts @ddd at once when the first character answers NA (the digits never go out)", async () => {
    const r = await started();
    r.sim.control("fault na on");
    const error = await rejection(act(r, "shutdown_delayed_wake", { tenths: 5 }));
    expect(codeOf(error)).toBe("not_supported");
    expect(r.wire()).toBe("Y@");
  });

  it("rejects bad parameters without sending anything", async () => {
    const r = await started();
    expect(codeOf(await rejection(act(r, "shutdown_delayed_wake", { tenths: 1000 })))).toBe("invalid_params");
    expect(codeOf(await rejection(act(r, "no_such_action")))).toBe("unknown_action");
    expect(r.wire()).toBe("Y");
  });

  it("maps NO to refused_by_ups", async () => {
    const r = await started();
    // DEL with nothing to abort answers NO (seed: abort_shutdown).
    expect(codeOf(await rejection(act(r, "abort_shutdown")))).toBe("refused_by_ups");
  });
});

describe("LinkSession: alerts", () => {
  it("delivers an alert inside a reply as an event, before the reply, and the reply still decodes", async () => {
    const r = await started();
    r.sim.control("fault alert-mid-reply on !");
    const order: string[] = [];
    r.session.on("alert", (alert) => order.push(`alert:${alert.event}`));
    const volts = r.link.read("line_voltage").then((value) => {
      order.push("reply");
      return value;
    });
    const value = await settle(volts);
    expect(typeof value).toBe("number");
    expect(order.indexOf("alert:line_fail")).toBeGreaterThanOrEqual(0);
    expect(order.indexOf("alert:line_fail")).toBeLessThan(order.indexOf("reply"));
    const lineFail = r.alerts.find((alert) => alert.event === "line_fail");
    expect(lineFail?.byte).toBe(0x21);
    expect(lineFail?.at).toBeInstanceOf(Date);
  });

  it("emits alerts the moment they arrive with nothing in flight (power fail, power restore)", async () => {
    const r = await started();
    r.sim.control("power fail");
    await vi.advanceTimersByTimeAsync(0);
    expect(r.alerts.map((a) => a.event)).toContain("line_fail");
    r.sim.control("power restore");
    await vi.advanceTimersByTimeAsync(0);
    expect(r.alerts.map((a) => a.event)).toContain("return_from_line_fail");
  });
});

describe("LinkSession: exclusive line", () => {
  it("holds the line through an edit (opcode, -, read back) while a poll waits", async () => {
    const r = await started();
    let poll: Promise<string> | null = null;
    const edited = r.link.exclusive(async (line) => {
      const before = await readOnLine(line, row("shutdown_delay"));
      poll = r.link.query("line_voltage");
      const ok = await line.send(Uint8Array.of(0x2d));
      const after = await readOnLine(line, row("shutdown_delay"));
      return { before, ok, after };
    });
    expect(await settle(edited)).toEqual({ before: "020", ok: "OK", after: "180" });
    expect(poll).not.toBeNull();
    await settle(poll ?? Promise.resolve(""));
    expect(r.wire()).toBe("Yp-pL");
  });
});

describe("LinkSession: exclusive line entries", () => {
  it("enters the 8 characters of a UPS id after `-`, paced, and reads it back", async () => {
    const r = await started("smartups-3g-120", { firstCharWaitMs: 200, charPacingMs: 50 });
    const result = await settle(
      r.link.exclusive(async (line) => {
        await readOnLine(line, row("ups_id"));
        const dash = await line.send(Uint8Array.of(0x2d), null);
        const ok = await line.sendText("RACK A 1");
        const after = await readOnLine(line, row("ups_id"));
        return { dash, ok, after };
      }),
    );
    expect(result).toEqual({ dash: "", ok: "OK", after: "RACK A 1" });
    expect(r.wire()).toBe("Yc-RACK A 1c");
    const entry = r.sim.received.slice(3, 11).map(({ at }) => at);
    const gaps = entry.slice(1).map((t, i) => t - (entry[i] ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(200);
    expect(gaps.slice(1).every((gap) => gap >= 50)).toBe(true);
  });

  it("returns the refusal to `-` at once while a DIP switch locks edits", async () => {
    const r = await started();
    r.sim.control("dip 08");
    const dash = await settle(
      r.link.exclusive(async (line) => {
        await readOnLine(line, row("ups_id"));
        return line.send(Uint8Array.of(0x2d), null);
      }),
    );
    expect(dash).toBe("NO");
  });
});

describe("LinkSession: link loss and recovery", () => {
  it("goes offline after consecutive failures, fails requests fast, and comes back online", async () => {
    const r = await started("smartups-3g-120", {
      queryTimeoutMs: 300,
      queryRetries: 0,
      lostAfterFailures: 2,
      handshakeRetries: 2,
      handshakeTimeoutMs: 300,
      reconnectMinMs: 1000,
      reconnectMaxMs: 4000,
    });
    r.sim.control("silent on");
    await rejection(r.link.query("line_voltage"));
    await rejection(r.link.query("line_voltage"));
    expect(r.session.state).toBe("offline");
    expect(codeOf(await rejection(r.link.query("line_voltage")))).toBe("link_down");
    await vi.advanceTimersByTimeAsync(10_000); // a few reconnect attempts fail quietly
    expect(r.session.state).toBe("offline");
    r.sim.control("silent off");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.session.state).toBe("online");
    expect(r.states).toEqual(["connecting", "online", "offline", "online"]);
    expect(await settle(r.link.query("line_voltage"))).toMatch(/^\d{3}\.\d$/);
  });

  it("goes offline when the transport closes by itself, then reconnects", async () => {
    const r = await started("smartups-3g-120", { reconnectMinMs: 500 });
    r.transport.unplug();
    expect(r.session.state).toBe("offline");
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.session.state).toBe("online");
  });

  it("stop() clears every timer and rejects waiting requests", async () => {
    const r = await started("smartups-3g-120", { queryTimeoutMs: 1000 });
    r.sim.control("silent on");
    const pending = r.link.query("line_voltage");
    pending.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(10);
    await r.session.stop();
    expect(codeOf(await rejection(pending))).toBe("link_down");
    expect(vi.getTimerCount()).toBe(0);
    expect(r.session.listenerCount("alert")).toBe(0);
  });
});
