// Issue 17, item 5: every destructive request republished the whole retained `pending` list, so N
// requests published O(N²) bytes (1000 requests: 84.6 MB, RSS 99 → 191 MB). Pending confirmations
// are now capped per UPS, beyond which requests are refused with `too_many_pending`, and changes
// made in one tick are published once.
import { afterEach, describe, expect, it } from "vitest";
import { MAX_PENDING_CONFIRMATIONS } from "../../src/ups/confirmation.js";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { cancel, type PendingData, type Response, topics } from "../helpers/requests.js";
import { waitUntil } from "../helpers/wait.js";
import { commandText, mark } from "../helpers/wire.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe("pending confirmations under a flood of requests", () => {
  it("N requests: at most MAX_PENDING_CONFIRMATIONS pending, the rest refused, pending published a bounded number of times", async () => {
    h = await startHarness({ env: { UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE: "true" } });
    await waitReady(h);
    const harness = h;
    const t = topics(harness);
    const sim = harness.simulator();
    const from = mark(sim);
    const since = harness.messages.length;
    const requests = 6 * MAX_PENDING_CONFIRMATIONS;
    // Published back to back, as a flood arrives.
    await Promise.all(
      Array.from({ length: requests }, (_, i) =>
        harness.client.publishAsync(t.command("reset_eeprom"), JSON.stringify({ transaction: i }), {
          qos: 1,
        }),
      ),
    );
    const responses = (): Response[] =>
      harness.messages
        .slice(since)
        .filter((m) => m.topic === t.response("reset_eeprom"))
        .map((m) => JSON.parse(m.payload) as Response);
    await waitUntil(`all ${requests} requests answered`, () => responses().length >= requests, {
      context: () => `${responses().length} answered`,
    });

    const answers = responses();
    expect(answers.filter((r) => r.status === "pending")).toHaveLength(MAX_PENDING_CONFIRMATIONS);
    const refused = answers.filter((r) => r.status === "error");
    expect(refused).toHaveLength(requests - MAX_PENDING_CONFIRMATIONS);
    for (const r of refused) {
      expect(r.error?.code).toBe("too_many_pending");
      expect(r.error?.message).toMatch(/confirm or cancel one/);
    }

    // The list grows only up to the cap, and each publication is at most that long: bounded.
    await harness.waitFor(t.pending, (p) => JSON.parse(p).length === MAX_PENDING_CONFIRMATIONS, { since });
    const published = harness.messages.slice(since).filter((m) => m.topic === t.pending);
    const full = published.at(-1)?.payload ?? "";
    expect(published.length).toBeLessThanOrEqual(MAX_PENDING_CONFIRMATIONS);
    const bytes = published.reduce((sum, m) => sum + m.payload.length, 0);
    expect(bytes).toBeLessThanOrEqual(MAX_PENDING_CONFIRMATIONS * full.length);
    const events = harness.messages
      .slice(since)
      .filter((m) => m.topic === t.event && JSON.parse(m.payload).event_type === "confirmation_requested");
    expect(events).toHaveLength(MAX_PENDING_CONFIRMATIONS);
    expect(commandText(sim, from)).toBe("");

    // Cancelling all empties the list in one publication, and a new request is accepted again.
    const before = harness.messages.length;
    const cancelled = await cancel(harness, "", "reset_eeprom");
    expect(cancelled.status).toBe("cancelled");
    await harness.waitFor(t.pending, (p) => p === "[]", { since: before });
    expect(harness.messages.slice(before).filter((m) => m.topic === t.pending)).toHaveLength(1);
    const beforeAgain = harness.messages.length;
    await harness.client.publishAsync(t.command("reset_eeprom"), JSON.stringify({ transaction: "again" }), {
      qos: 1,
    });
    const again = JSON.parse(
      (
        await harness.waitFor(t.response("reset_eeprom"), (p) => JSON.parse(p).transaction === "again", {
          since: beforeAgain,
        })
      ).payload,
    ) as Response;
    expect(again.status).toBe("pending");
    expect((again.data as PendingData).action).toBe("reset_eeprom");
  });
});
