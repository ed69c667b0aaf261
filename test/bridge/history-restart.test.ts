// The history keys (issue 14 item 9) through the whole bridge: a real broker, the simulator, the
// bridge stopped in the middle of a power outage and started again on the same data directory.
// The counts go on from where they were; the stay cut by the restart ends at its last sighting.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { historyPath } from "../../src/bridge/history-file.js";
import { startTestBroker, type TestBroker } from "../helpers/broker.js";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";

let h: Harness | null = null;
let broker: TestBroker | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
  await broker?.stop();
  broker = null;
});

const num = (payload: string | undefined) => Number(payload);

describe("history across a restart of the bridge", () => {
  it("counts each transfer once, a self-test included, and keeps the counts through a restart mid-outage", async () => {
    broker = await startTestBroker();
    const dir = mkdtempSync(join(tmpdir(), "upslink-data-"));
    const env = { UPSLINK_DATA_DIR: dir };
    h = await startHarness({ broker, env, baseTopic: "first" });
    await waitReady(h);
    const key = (k: string) => `first/ups/${k}`;
    await h.waitFor(key("transfer_count"), (p) => p === "0");

    // An outage: `!` and the polls that follow are one transfer.
    h.simulator().control("power fail");
    await h.waitFor(key("transfer_count"), (p) => p === "1");
    await h.waitFor(key("last_transfer_cause"), (p) => p === "low_line");
    await h.waitFor(key("time_on_battery"), (p) => num(p) >= 1);
    h.simulator().control("power restore");
    await h.waitFor(key("time_on_battery"), (p) => p === "0");
    const afterFirst = num(h.last(key("cumulative_time_on_battery")));
    expect(afterFirst).toBeGreaterThanOrEqual(1);

    // The unit's own self-test: a transfer as apcupsd counts it, and the self-test time and result.
    const since = h.messages.length;
    h.simulator().control("selftest");
    await h.waitFor(key("transfer_count"), (p) => p === "2", { since });
    await h.waitFor(key("last_transfer_cause"), (p) => p === "command_test", { since });
    const testTime = await h.waitFor(key("last_self_test_time"), (p) => p !== "null", { since });
    expect(testTime.payload).toBe(h.last(key("last_transfer_time")));
    await h.waitFor(key("last_self_test_result"), (p) => p === "ok", { since, timeoutMs: 20_000 });
    await h.waitFor(key("time_on_battery"), (p) => p === "0", { since });
    expect(
      h.messages
        .slice(since)
        .filter((m) => m.topic === key("transfer_count"))
        .map((m) => m.payload),
    ).toEqual(["2"]);

    // An outage in progress when the bridge stops.
    h.simulator().control("power fail");
    await h.waitFor(key("transfer_count"), (p) => p === "3");
    await h.waitFor(key("time_on_battery"), (p) => num(p) >= 2);
    const lastTransfer = h.last(key("last_transfer_time"));
    await h.stop();
    h = null;
    const saved = JSON.parse(readFileSync(historyPath(dir, "ups"), "utf8")) as Record<string, unknown>;
    expect(saved).toMatchObject({ transfers: 3, last_transfer_at: lastTransfer });
    expect(saved.on_battery_since).toBe(lastTransfer);
    const seenAtStop = Date.parse(String(saved.on_battery_seen));
    const cumulativeAtStop =
      (Number(saved.finished_ms) + seenAtStop - Date.parse(String(lastTransfer))) / 1000;

    // Started again (a new simulated unit: the power is back meanwhile).
    h = await startHarness({ broker, env, baseTopic: "second" });
    await waitReady(h);
    const again = (k: string) => `second/ups/${k}`;
    await h.waitFor(again("transfer_count"), (p) => p === "3");
    await h.waitFor(again("time_on_battery"), (p) => p === "0");
    // The stay ends at its last sighting: the time the bridge was down is not counted.
    const cumulative = await h.waitFor(again("cumulative_time_on_battery"), (p) => p !== "null");
    expect(num(cumulative.payload)).toBe(Math.floor(cumulativeAtStop));
    expect(h.last(again("last_transfer_time"))).toBe(lastTransfer);
    expect(h.last(again("last_self_test_time"))).toBe(testTime.payload);
    expect(h.last(again("last_self_test_result"))).toBe("ok");

    // And counting goes on.
    h.simulator().control("power fail");
    await h.waitFor(again("transfer_count"), (p) => p === "4");
  }, 60_000);
});
