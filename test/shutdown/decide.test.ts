// Shutdown orchestration's decisions (src/shutdown/decide.ts) on a fake clock: when FSD is raised,
// how the wait ends, when shutdown_return goes out, and that it never goes out on battery alone, on a
// test transfer, on an alert's unconfirmed word, or twice in one outage.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Client,
  critical,
  type Effect,
  LOAD_OFF_WAIT_MS,
  ShutdownDecisions,
  type StatusView,
} from "../../src/shutdown/decide.js";

const ON_LINE: StatusView = {
  available: true,
  fresh: true,
  onBattery: false,
  onLine: true,
  loadOff: false,
  shutdownRecommended: false,
  test: "no",
  reason: {},
};
const ON_BATTERY: StatusView = { ...ON_LINE, onBattery: true, onLine: false };
const CRITICAL: StatusView = {
  ...ON_BATTERY,
  shutdownRecommended: true,
  reason: { low_battery_condition: true, battery_capacity_percent: 8 },
};
const OFFLINE: StatusView = { ...ON_BATTERY, available: false, fresh: false };
const LOAD_OFF: StatusView = { ...ON_LINE, onLine: false, loadOff: true };

const NAS: Client = { user: "monuser", address: "10.0.0.5", primary: false };
const PVE: Client = { user: "monuser", address: "10.0.0.6", primary: false };

const kinds = (effects: readonly Effect[]): string[] =>
  effects.map((e) => (e.kind === "event" ? e.type : e.kind));
const sent = { ok: true, method: "S", reply: "OK" } as const;

function decisions(waitS = 120): ShutdownDecisions {
  return new ShutdownDecisions({ waitS });
}

describe("shutdown orchestration never fires", () => {
  const cases: [string, StatusView][] = [
    ["on battery alone", ON_BATTERY],
    ["on line with the low-battery flag left set while charging", { ...ON_LINE, shutdownRecommended: true }],
    ["on an alert's word not yet confirmed by a status read", { ...CRITICAL, fresh: false }],
    ["on a self-test or simulated failure", { ...CRITICAL, test: "yes" }],
    ["before the transfer cause was read for this transfer", { ...CRITICAL, test: "unknown" }],
    ["while the UPS is unavailable", { ...CRITICAL, available: false }],
    ["on battery and on line at once (bypass, a mixed reading)", { ...CRITICAL, onLine: true }],
  ];
  for (const [what, view] of cases) {
    it(what, () => {
      const d = decisions();
      expect(critical(view)).toBe(false);
      for (let t = 0; t < 10; t++) expect(d.status(view, [NAS], t * 1000)).toEqual([]);
      expect(d.tick(1_000_000)).toEqual([]);
      expect(d.phase).toBe("armed");
    });
  }
});

describe("shutdown orchestration", () => {
  it("raises FSD naming the clients it waits for, sends shutdown_return once the last logs out", () => {
    const d = decisions();
    expect(d.status(ON_BATTERY, [NAS, PVE], 0)).toEqual([]);
    const fired = d.status(CRITICAL, [NAS, PVE], 1000);
    expect(kinds(fired)).toEqual(["raise_fsd", "shutdown_fsd_raised"]);
    const raised = fired[1] as Extract<Effect, { kind: "event" }>;
    expect(raised.data).toEqual({
      reason: { low_battery_condition: true, battery_capacity_percent: 8 },
      clients: [
        { user: "monuser", address: "10.0.0.5", primary: false },
        { user: "monuser", address: "10.0.0.6", primary: false },
      ],
      wait_s: 120,
    });
    expect(raised.message).toContain("monuser@10.0.0.5");
    // Readings during the wait change nothing.
    expect(d.status(CRITICAL, [NAS, PVE], 2000)).toEqual([]);
    const first = d.clientLoggedOut(NAS, "LOGOUT", 3000);
    expect(kinds(first)).toEqual(["shutdown_client_logged_out"]);
    expect((first[0] as Extract<Effect, { kind: "event" }>).data).toEqual({
      user: "monuser",
      address: "10.0.0.5",
      command: "LOGOUT",
      remaining: 1,
    });
    // One who never logged in, or logged out already, is no one the wait counts.
    expect(d.clientLoggedOut(NAS, "DISCONNECT", 3500)).toEqual([]);
    expect(kinds(d.clientLoggedOut(PVE, "DISCONNECT", 4000))).toEqual([
      "shutdown_client_logged_out",
      "send_shutdown_return",
    ]);
    expect(d.phase).toBe("sending");
    expect(kinds(d.sent(sent, 4500))).toEqual(["shutdown_return_sent"]);
    expect(d.phase).toBe("sent");
  });

  it("sends at once when no NUT client is logged in", () => {
    const d = decisions();
    expect(kinds(d.status(CRITICAL, [], 0))).toEqual([
      "raise_fsd",
      "shutdown_fsd_raised",
      "send_shutdown_return",
    ]);
  });

  it("sends after shutdown.wait_s, naming who is still logged in, and not a moment before", () => {
    const d = decisions(60);
    d.status(CRITICAL, [NAS, PVE], 0);
    d.clientLoggedOut(NAS, "LOGOUT", 1000);
    expect(d.tick(59_999)).toEqual([]);
    const timeout = d.tick(60_000);
    expect(kinds(timeout)).toEqual(["shutdown_wait_timeout", "send_shutdown_return"]);
    expect((timeout[0] as Extract<Effect, { kind: "event" }>).data).toEqual({
      wait_s: 60,
      remaining: [{ user: "monuser", address: "10.0.0.6", primary: false }],
    });
    // The deadline passing again sends nothing more.
    expect(d.tick(61_000)).toEqual([]);
  });

  it("waits for a client that logs in during the wait", () => {
    const d = decisions();
    d.status(CRITICAL, [NAS], 0);
    d.clientLoggedIn(PVE);
    expect(kinds(d.clientLoggedOut(NAS, "LOGOUT", 1000))).toEqual(["shutdown_client_logged_out"]);
    expect(kinds(d.clientLoggedOut(PVE, "LOGOUT", 2000))).toEqual([
      "shutdown_client_logged_out",
      "send_shutdown_return",
    ]);
  });

  it("fires once per outage: nothing more until the load went off and the UPS is back on line", () => {
    const d = decisions();
    d.status(CRITICAL, [], 0);
    d.sent(sent, 100);
    for (let t = 1; t < 20; t++) expect(d.status(CRITICAL, [], t * 1000)).toEqual([]);
    expect(d.status(LOAD_OFF, [], 30_000)).toEqual([]);
    expect(d.fsd).toBe(true);
    expect(kinds(d.status(ON_LINE, [], 60_000))).toEqual(["clear_fsd", "shutdown_fsd_cleared"]);
    expect(d.fsd).toBe(false);
    // The next outage fires again.
    expect(d.status(ON_BATTERY, [], 70_000)).toEqual([]);
    expect(kinds(d.status(CRITICAL, [], 80_000))).toContain("raise_fsd");
  });

  it("keeps FSD after shutdown_return while the UPS is on line and has not turned the load off yet", () => {
    const d = decisions();
    d.status(CRITICAL, [], 0);
    d.sent({ ok: true, method: "@", reply: "OK" }, 100);
    // The UPS waits its shutdown delay on line (@ on line): FSD stays, no booting host sees it gone.
    expect(d.status(ON_LINE, [], 5000)).toEqual([]);
    expect(d.tick(LOAD_OFF_WAIT_MS)).toEqual([]);
    // A UPS that never turned the load off: FSD goes after LOAD_OFF_WAIT_MS, with a warning.
    const cleared = d.tick(100 + LOAD_OFF_WAIT_MS);
    expect(kinds(cleared)).toEqual(["clear_fsd", "shutdown_fsd_cleared"]);
    expect((cleared[1] as Extract<Effect, { kind: "event" }>).level).toBe("warn");
  });

  it("counts a UPS that stopped answering after shutdown_return as turned off", () => {
    const d = decisions();
    d.status(CRITICAL, [], 0);
    d.sent(sent, 100);
    expect(d.status(OFFLINE, [], 30_000)).toEqual([]);
    expect(d.status({ ...ON_LINE, fresh: false }, [], 60_000)).toEqual([]);
    expect(kinds(d.status(ON_LINE, [], 61_000))).toEqual(["clear_fsd", "shutdown_fsd_cleared"]);
  });

  it("goes on when power returns during the wait, so the hosts that shut down come back", () => {
    const d = decisions();
    d.status(CRITICAL, [NAS], 0);
    expect(kinds(d.status(ON_LINE, [NAS], 5000))).toEqual(["log"]);
    expect(d.status(ON_LINE, [NAS], 6000)).toEqual([]);
    expect(d.fsd).toBe(true);
    expect(kinds(d.clientLoggedOut(NAS, "LOGOUT", 7000))).toEqual([
      "shutdown_client_logged_out",
      "send_shutdown_return",
    ]);
    const result = d.sent({ ok: true, method: "@", reply: "OK" }, 8000);
    expect((result[0] as Extract<Effect, { kind: "event" }>).data).toMatchObject({ power_returned: true });
  });

  it("stops before sending when the link was lost after FSD and the UPS is now on line", () => {
    const d = decisions();
    d.status(CRITICAL, [NAS], 0);
    d.status(OFFLINE, [NAS], 1000);
    d.status(ON_LINE, [NAS], 2000);
    expect(kinds(d.clientLoggedOut(NAS, "DISCONNECT", 3000))).toEqual([
      "shutdown_client_logged_out",
      "shutdown_aborted",
      "clear_fsd",
      "shutdown_fsd_cleared",
    ]);
    expect(d.phase).toBe("armed");
  });

  it("sends when the link was lost after FSD but the UPS is still on battery", () => {
    const d = decisions();
    d.status(CRITICAL, [NAS], 0);
    d.status(OFFLINE, [NAS], 1000);
    d.status(ON_BATTERY, [NAS], 2000);
    expect(kinds(d.clientLoggedOut(NAS, "LOGOUT", 3000))).toContain("send_shutdown_return");
  });

  it("holds shutdown_return while the link is down when the wait ends; sends if still on battery", () => {
    const d = decisions(10);
    d.status(CRITICAL, [NAS], 0);
    d.status(OFFLINE, [NAS], 1000);
    expect(kinds(d.tick(10_000))).toEqual(["shutdown_wait_timeout", "log"]);
    expect(d.phase).toBe("deferred");
    expect(d.status(OFFLINE, [], 11_000)).toEqual([]);
    // Back, but the status register not read yet on this connection: nothing.
    expect(d.status({ ...ON_BATTERY, fresh: false }, [], 12_000)).toEqual([]);
    expect(kinds(d.status(ON_BATTERY, [], 13_000))).toEqual(["send_shutdown_return"]);
  });

  it("stops a held shutdown_return when the link comes back with the UPS on line", () => {
    const d = decisions(10);
    d.status(CRITICAL, [NAS], 0);
    d.status(OFFLINE, [NAS], 1000);
    d.tick(10_000);
    expect(kinds(d.status(ON_LINE, [], 20_000))).toEqual([
      "shutdown_aborted",
      "clear_fsd",
      "shutdown_fsd_cleared",
    ]);
  });

  it("does not retry a failed shutdown_return; FSD stays until the UPS is back on line", () => {
    const d = decisions();
    d.status(CRITICAL, [], 0);
    const failed = d.sent(
      { ok: false, code: "refused_by_ups", message: "No shutdown method succeeded" },
      100,
    );
    expect(kinds(failed)).toEqual(["shutdown_return_failed"]);
    expect((failed[0] as Extract<Effect, { kind: "event" }>).data).toEqual({
      code: "refused_by_ups",
      message: "No shutdown method succeeded",
    });
    for (let t = 1; t < 10; t++) expect(d.status(CRITICAL, [], t * 1000)).toEqual([]);
    expect(d.tick(10_000_000)).toEqual([]);
    expect(d.fsd).toBe(true);
    expect(kinds(d.status(ON_LINE, [], 20_000))).toEqual(["clear_fsd", "shutdown_fsd_cleared"]);
  });

  it("ignores a result that comes while nothing was sent", () => {
    const d = decisions();
    expect(d.sent(sent, 0)).toEqual([]);
    expect(d.phase).toBe("armed");
  });
});

// Over random sequences of readings, logins, logouts, time and outcomes: the safety rules hold.
describe("shutdown orchestration over random event sequences", () => {
  const view = fc.record({
    available: fc.boolean(),
    fresh: fc.boolean(),
    onBattery: fc.boolean(),
    onLine: fc.boolean(),
    loadOff: fc.boolean(),
    shutdownRecommended: fc.boolean(),
    test: fc.constantFrom("yes" as const, "no" as const, "unknown" as const),
    reason: fc.constant({}),
  });
  const client = fc.constantFrom(NAS, PVE, { user: "admin", address: "10.0.0.7", primary: true });
  const step = fc.oneof(
    { weight: 5, arbitrary: view.map((v) => ({ kind: "status" as const, view: v })) },
    { weight: 1, arbitrary: client.map((c) => ({ kind: "login" as const, client: c })) },
    { weight: 2, arbitrary: client.map((c) => ({ kind: "logout" as const, client: c })) },
    {
      weight: 2,
      arbitrary: fc.integer({ min: 0, max: 200_000 }).map((ms) => ({ kind: "tick" as const, ms })),
    },
    { weight: 1, arbitrary: fc.boolean().map((ok) => ({ kind: "result" as const, ok })) },
  );

  it("sends only after FSD raised on a critical reading, at most once per FSD, and clears only on a fresh on-line reading", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), fc.integer({ min: 0, max: 300 }), (steps, waitS) => {
        const d = new ShutdownDecisions({ waitS });
        let now = 0;
        let fsd = false;
        let sends = 0;
        let inFlight = false;
        const clients: Client[] = [];
        for (const s of steps) {
          let effects: Effect[] = [];
          let last: StatusView | null = null;
          switch (s.kind) {
            case "status":
              last = s.view;
              effects = d.status(s.view, clients, now);
              break;
            case "login":
              clients.push(s.client);
              effects = d.clientLoggedIn(s.client);
              break;
            case "logout": {
              const i = clients.indexOf(s.client);
              if (i >= 0) clients.splice(i, 1);
              effects = d.clientLoggedOut(s.client, "LOGOUT", now);
              break;
            }
            case "tick":
              now += s.ms;
              effects = d.tick(now);
              break;
            case "result":
              effects = d.sent(s.ok ? sent : { ok: false, code: "refused_by_ups", message: "no" }, now);
              if (inFlight) inFlight = false;
              break;
          }
          for (const effect of effects) {
            switch (effect.kind) {
              case "raise_fsd":
                // Only on a critical reading, never while raised.
                expect(fsd).toBe(false);
                expect(last !== null && critical(last)).toBe(true);
                fsd = true;
                sends = 0;
                break;
              case "send_shutdown_return":
                expect(fsd).toBe(true);
                expect(inFlight).toBe(false);
                sends++;
                inFlight = true;
                expect(sends).toBe(1);
                break;
              case "clear_fsd":
                expect(fsd).toBe(true);
                // A fresh on-line reading now, or the bound after shutdown_return on the clock.
                if (s.kind === "status")
                  expect(s.view.available && s.view.fresh && s.view.onLine && !s.view.loadOff).toBe(true);
                fsd = false;
                break;
              default:
                break;
            }
          }
          expect(d.fsd).toBe(fsd);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("does nothing at all on sequences without a critical reading", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const d = new ShutdownDecisions({ waitS: 30 });
        let now = 0;
        for (const s of steps) {
          let effects: Effect[] = [];
          if (s.kind === "status") {
            if (critical(s.view)) continue;
            effects = d.status(s.view, [], now);
          } else if (s.kind === "tick") {
            now += s.ms;
            effects = d.tick(now);
          } else if (s.kind === "logout") effects = d.clientLoggedOut(s.client, "LOGOUT", now);
          else if (s.kind === "login") effects = d.clientLoggedIn(s.client);
          else effects = d.sent(sent, now);
          expect(effects).toEqual([]);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
