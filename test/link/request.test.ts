// The link's own seams with requests given as bare bytes (no catalogue): the waiter registered before
// the write, what a request's fields make the link do (refusals, silence to expect, smart mode left,
// misfit replies, retries, loss accounting, pacing, two presses) and probes. The far end is a
// scripted transport; time is fake.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LinkOptions } from "../../src/link/options.js";
import { type LinkRequest, LinkSession, type LinkState } from "../../src/link/session.js";
import { silentLogger } from "../../src/log.js";
import { isUpsLinkError } from "../../src/protocol/errors.js";
import { rejection, settle } from "./helpers.js";
import { type Answer, ScriptedTransport, smartUps } from "./scripted.js";

interface Rig {
  readonly session: LinkSession;
  readonly transport: ScriptedTransport;
  readonly states: LinkState[];
}

let rig: Rig | null = null;

async function started(answer: Answer, options: Partial<LinkOptions> = {}): Promise<Rig> {
  const transport = new ScriptedTransport(answer);
  const session = new LinkSession({ transport, logger: silentLogger(), options });
  const states: LinkState[] = [];
  session.onState((state) => states.push(state));
  rig = { session, transport, states };
  await settle(session.start());
  return rig;
}

function bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

/** A request with every field spelt out; `over` changes some. */
function request(text: string, over: Partial<LinkRequest> = {}): LinkRequest {
  return {
    name: `send ${text}`,
    bytes: bytes(text),
    reply: "line",
    timeoutMs: 0,
    priority: "poll",
    retry: false,
    countsTowardLoss: true,
    paced: false,
    pressGapMs: null,
    check: null,
    refusals: [],
    silentAfter: [],
    leavesSmartMode: false,
    ...over,
  };
}

function codeOf(error: unknown): string {
  return isUpsLinkError(error) ? error.code : `not an UpsLinkError: ${String(error)}`;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(async () => {
  await rig?.session.stop();
  rig = null;
  vi.useRealTimers();
});

describe("the waiter is registered before the write", () => {
  it("catches a reply that arrives while write() is still running", async () => {
    // The scripted port answers inside write(): SM to Y, then 120.0 to L. A waiter armed after the
    // write would find the reply gone (taken as unsolicited): no SM, and L out of step.
    const r = await started(smartUps({ L: "120.0" }));
    expect(r.session.state).toBe("online");
    expect(await settle(r.session.request(request("L")))).toBe("120.0");
    expect(await settle(r.session.request(request("L")))).toBe("120.0");
    // No resynchronisation: neither reply was taken as unsolicited.
    expect(r.transport.text()).toBe("YLL");
  });

  it("also for the first character of a paced send: the rest is never sent", async () => {
    const r = await started(smartUps({ "@": "NA" }));
    const reply = await settle(r.session.request(request("@012", { paced: true, refusals: ["NA"] })));
    expect(reply).toBe("NA");
    expect(r.transport.text()).toBe("Y@");
  });
});

describe("what a request's fields make the link do", () => {
  it("returns a refusal raw and applies none of the effects; an accepted reply applies them", async () => {
    const replies: Record<string, string> = { K: "NA" };
    const r = await started(smartUps(replies));
    const shutdown = request("K", { refusals: ["NA", "NO"], silentAfter: ["OK"], countsTowardLoss: false });
    expect(await settle(r.session.request(shutdown))).toBe("NA");
    expect(r.session.state).toBe("online");
    replies.K = "OK";
    expect(await settle(r.session.request(shutdown))).toBe("OK");
    expect(r.session.state).toBe("shutdown_expected");
    expect(r.states).toEqual(["connecting", "online", "shutdown_expected"]);
  });

  it("puts Y before the next request after one that leaves smart mode", async () => {
    const r = await started(smartUps({ R: "BYE", L: "120.0" }));
    expect(await settle(r.session.request(request("R", { leavesSmartMode: true })))).toBe("BYE");
    expect(await settle(r.session.request(request("L")))).toBe("120.0");
    expect(r.transport.text()).toBe("YRYL");
  });

  it("resynchronises before retrying a reply its check calls out of step", async () => {
    let asked = 0;
    const r = await started(
      (byte) => {
        if (byte === 0x59) return "SM\r\n";
        asked++;
        return asked === 1 ? "OK\r\n" : "120.0\r\n";
      },
      { queryRetries: 1 },
    );
    const check = (text: string) =>
      /^\d+\.\d$/.test(text) ? null : { why: "not a voltage", outOfStep: true };
    expect(await settle(r.session.request(request("L", { retry: true, check })))).toBe("120.0");
    expect(r.transport.text()).toBe("YLYL");
  });

  it("asks again without Y, after a pause, when the check says the UPS is not ready", async () => {
    let asked = 0;
    const r = await started(
      (byte) => {
        if (byte === 0x59) return "SM\r\n";
        asked++;
        return asked === 1 ? "SM\r\n" : "08\r\n";
      },
      { queryRetries: 1, retryPauseMs: 300 },
    );
    const check = (text: string) => (text === "SM" ? { why: "not valid yet", outOfStep: false } : null);
    expect(await settle(r.session.request(request("Q", { retry: true, check })))).toBe("08");
    expect(r.transport.text()).toBe("YQQ");
    const [first, second] = r.transport.written.slice(1).map(({ at }) => at);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(300);
  });

  it("fails a misfit reply with bad_reply naming the request when it may not be retried", async () => {
    const r = await started(smartUps({ L: "OK" }), { queryRetries: 3 });
    const check = () => ({ why: "not a voltage", outOfStep: true });
    const error = await rejection(r.session.request(request("L", { check, name: "line_voltage" })));
    expect(codeOf(error)).toBe("bad_reply");
    expect(String((error as Error).message)).toContain("'line_voltage'");
    expect(r.transport.text()).toBe("YL");
  });

  it("sends a request that may not be retried once, and counts its silence only when it says so", async () => {
    const r = await started(smartUps({}), { queryTimeoutMs: 300, queryRetries: 3, lostAfterFailures: 1 });
    const quiet = request("A", { countsTowardLoss: false });
    expect(codeOf(await rejection(r.session.request(quiet)))).toBe("timeout");
    expect(r.transport.text()).toBe("YA");
    expect(r.session.state).toBe("online");
    expect(codeOf(await rejection(r.session.request(request("B"))))).toBe("timeout");
    expect(r.session.state).toBe("offline");
  });

  it("waits a request's own allowance when it is longer than the ordinary wait", async () => {
    const r = await started(smartUps({}), { queryTimeoutMs: 500, lostAfterFailures: 10 });
    r.transport.delivery = 2000;
    r.transport.answer = smartUps({ a: "3.!$.ABC" });
    expect(await settle(r.session.request(request("a", { timeoutMs: 2500, reply: "verbatim" })))).toBe(
      "3.!$.ABC",
    );
    expect(codeOf(await rejection(r.session.request(request("a"))))).toBe("timeout");
  });
});

describe("pacing and two presses", () => {
  it("sends the same bytes twice, the gap apart, and a request queued meanwhile waits", async () => {
    const r = await started(smartUps({ K: "OK", L: "120.0" }));
    r.transport.answer = (byte, written) => {
      // The first K goes unanswered; the second is answered.
      if (byte === 0x4b) return written.filter((w) => w.byte === 0x4b).length === 2 ? "OK\r\n" : null;
      return smartUps({ L: "120.0" })(byte, written);
    };
    const twice = r.session.request(request("K", { pressGapMs: 1600, priority: "user" }));
    await vi.advanceTimersByTimeAsync(100);
    const poll = r.session.request(request("L"));
    expect(await settle(twice)).toBe("OK");
    expect(await settle(poll)).toBe("120.0");
    expect(r.transport.text()).toBe("YKKL");
    const [first, second] = r.transport.written.filter((w) => w.byte === 0x4b).map((w) => w.at);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(1600);
  });

  it("paces characters: the first-character wait, then the character pacing", async () => {
    const r = await started(smartUps({ "2": "OK" }), { firstCharWaitMs: 200, charPacingMs: 60 });
    expect(await settle(r.session.request(request("@012", { paced: true })))).toBe("OK");
    const times = r.transport.written.slice(1).map((w) => w.at);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps).toEqual([200, 60, 60]);
  });
});

describe("probes", () => {
  it("return null after silence through every try, resynchronising between tries, without counting against the link", async () => {
    const r = await started(smartUps({ L: "120.0" }), { lostAfterFailures: 1 });
    const silent = { name: "t", bytes: bytes("t"), reply: "line" as const, timeoutMs: 0 };
    expect(await settle(r.session.probe(silent, { timeoutMs: 300, retries: 1 }))).toBeNull();
    expect(r.session.state).toBe("online");
    expect(await settle(r.session.request(request("L")))).toBe("120.0");
    expect(r.transport.text()).toBe("YtYtYL");
  });

  it("return a reply raw, refusals included", async () => {
    const r = await started(smartUps({ "/": "NA" }));
    const exchange = { name: "/", bytes: bytes("/"), reply: "line" as const, timeoutMs: 0 };
    expect(await settle(r.session.probe(exchange))).toBe("NA");
  });
});

describe("replies nobody asked for", () => {
  it("put Y before the next request (replies may be out of step)", async () => {
    const r = await started(smartUps({ L: "120.0" }));
    r.transport.send("118.0\r\n");
    expect(await settle(r.session.request(request("L")))).toBe("120.0");
    expect(r.transport.text()).toBe("YYL");
  });

  it("leave the state alone when an alert comes: what an alert means is the caller's", async () => {
    const r = await started(smartUps({}));
    const alerts: string[] = [];
    r.session.onAlert((alert) => alerts.push(alert.event));
    r.transport.send("*");
    expect(alerts).toEqual(["ups_about_to_turn_load_off"]);
    expect(r.session.state).toBe("online");
    r.session.expectSilence();
    expect(r.session.state).toBe("shutdown_expected");
  });
});
