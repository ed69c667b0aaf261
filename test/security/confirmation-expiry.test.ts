// Issue 17, item 1: a confirm processed after `expires_at` was accepted because expiry relied only
// on a timer, and a late event loop runs that timer late too. Here the monotonic clock the bridge
// reads is put 605 ms past the deadline while the expiry timer has not run (what a busy event loop
// does); the confirm must be refused with `expired` and no byte may reach the UPS.
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { confirm, requestPending, responsesSince, topics } from "../helpers/requests.js";
import { commandText, mark } from "../helpers/wire.js";

let h: Harness | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.stop();
  h = null;
});

describe("confirmation expiry at the moment of use", () => {
  it("refuses a confirm processed after expires_at even though the expiry timer has not run, and sends nothing", async () => {
    h = await startHarness({
      env: { UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE: "true", UPSLINK_COMMANDS_CONFIRM_TIMEOUT_S: "5" },
    });
    await waitReady(h);
    const sim = h.simulator();
    const from = mark(sim);
    const since = h.messages.length;
    const { pending } = await requestPending(h, "turn_off_immediate", {});

    // The event loop is 605 ms past the deadline when the confirm is processed; the 5 s timer has
    // not fired (real time has hardly moved).
    const realNow = performance.now.bind(performance);
    vi.spyOn(performance, "now").mockImplementation(() => realNow() + 5_605);

    const answer = await confirm(h, { token: pending.token }, "confirm");
    expect(answer).toMatchObject({ status: "error", error: { code: "expired" } });
    expect(answer.error?.message).toMatch(/expired.*nothing was sent/);

    // It is expired as if the timer had run: `expired` for the request, the event, an empty list.
    const t = topics(h);
    await h.waitFor(t.response("turn_off_immediate"), (p) => JSON.parse(p).status === "expired", { since });
    await h.waitFor(t.event, (p) => JSON.parse(p).event_type === "confirmation_expired", { since });
    await h.waitFor(t.pending, (p) => p === "[]", { since });
    expect(
      responsesSince(h, "turn_off_immediate", since).filter((r) => r.status === "ok"),
      "no ok for the expired action",
    ).toEqual([]);

    // Nothing but polls reached the UPS, and the load is still on.
    expect(commandText(sim, from)).toBe("");
    expect(sim.state.outputOn).toBe(true);
  });
});
