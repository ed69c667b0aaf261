// Issue 17, item 7 (first doubt): a UPS that answers `NA` to every query kept `availability` at
// `online` forever while its values froze. A link that answers only refusals is not healthy: after
// REFUSAL_CYCLES_OFFLINE poll cycles in which no query gave a value, availability turns `offline`
// (a warning says why), and back `online` at the first real answer. Commands still reach the UPS.
import { afterEach, describe, expect, it } from "vitest";
import { rowById } from "../../src/protocol/catalogue/index.js";
import { REFUSAL_CYCLES_OFFLINE } from "../../src/ups/refusals.js";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { command, topics } from "../helpers/requests.js";
import { waitUntil } from "../helpers/wait.js";
import { type FaultHarness, settledBaseline, startFaultHarness } from "./fault-harness.js";

let h: Harness | null = null;
let fh: FaultHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
  await fh?.stop();
  fh = null;
});

/** The status query's opcode: polled once in every fast cycle. */
const STATUS_BYTE = rowById("ups_status_register").wire.bytes[0];

function availabilitySince(harness: Harness, since: number): string[] {
  const topic = topics(harness).key("availability");
  return harness.messages
    .slice(since)
    .filter((m) => m.topic === topic)
    .map((m) => m.payload);
}

describe("a UPS that answers only refusals", () => {
  it("NA to everything: availability offline after a few poll cycles, online again at the first real answer", async () => {
    h = await startHarness();
    await waitReady(h);
    const harness = h;
    const t = topics(harness);
    const sim = harness.simulator();
    const since = harness.messages.length;
    const from = sim.received.length;
    expect(sim.control("fault na on")).toMatch(/^ok/);
    await harness.waitFor(t.key("availability"), (p) => p === "offline", { since });
    // Not at the first refusal: only after REFUSAL_CYCLES_OFFLINE whole cycles of them (a `Q` each).
    const qs = sim.received.slice(from).filter((r) => r.byte === STATUS_BYTE).length;
    expect(qs).toBeGreaterThanOrEqual(REFUSAL_CYCLES_OFFLINE);
    // bridge/info says so too.
    await harness.waitFor(
      `${harness.base}/bridge/info`,
      (p) =>
        (JSON.parse(p) as { upses: { id: string; online: boolean }[] }).upses.find((u) => u.id === "ups")
          ?.online === false,
      { since },
    );
    // The link itself is up: a command still reaches the unit, and it is the unit that refuses.
    const refused = await command(harness, "test_lights_beeper");
    expect(refused).toMatchObject({ status: "error", error: { code: "not_supported" } });

    const back = harness.messages.length;
    expect(sim.control("fault na off")).toMatch(/^ok/);
    await harness.waitFor(t.key("availability"), (p) => p === "online", { since: back });
    expect(availabilitySince(harness, since)).toEqual(["offline", "online"]);
  });

  it("a unit whose output is off may refuse queries: availability stays online", async () => {
    h = await startHarness({ env: { UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE: "true" } });
    await waitReady(h);
    const harness = h;
    const t = topics(harness);
    const sim = harness.simulator();
    const pending = await harness.request(t.command("turn_off_immediate"), "PRESS", "turn_off_immediate");
    const token = (pending.data as { token: string }).token;
    const since = harness.messages.length;
    const done = await harness.request(t.confirm, JSON.stringify({ token }), "turn_off_immediate");
    expect(done.status).toBe("ok");
    await harness.waitFor(t.key("power_state"), (p) => p === "off", { since });
    const from = sim.received.length;
    expect(sim.control("fault na on")).toMatch(/^ok/);
    // Well over REFUSAL_CYCLES_OFFLINE cycles of refusals (the harness polls every 250 ms).
    await waitUntil(
      "three times REFUSAL_CYCLES_OFFLINE status polls after the shutdown command",
      () =>
        sim.received.slice(from).filter((r) => r.byte === STATUS_BYTE).length >= 3 * REFUSAL_CYCLES_OFFLINE,
    );
    await harness.barrier();
    expect(availabilitySince(harness, since)).toEqual([]);
  });

  it("SM to everything (a unit stuck answering as if just put in smart mode): offline, then online again", async () => {
    fh = await startFaultHarness();
    const harness = fh;
    await settledBaseline(harness);
    const since = harness.messages.length;
    // Every line the unit sends becomes `SM`: the handshake still succeeds, no query gets a value.
    harness.transport.corrupt = (bytes) =>
      bytes.length >= 2 && bytes.at(-2) === 0x0d && bytes.at(-1) === 0x0a
        ? Uint8Array.from([0x53, 0x4d, 0x0d, 0x0a])
        : bytes;
    // Each refused query is retried with a handshake first: these cycles are slow.
    await harness.waitFor(harness.topic("availability"), (p) => p === "offline", {
      since,
      timeoutMs: 60_000,
    });
    expect(harness.session.state).toBe("online");
    const back = harness.messages.length;
    harness.transport.corrupt = null;
    await harness.waitFor(harness.topic("availability"), (p) => p === "online", { since: back });
  }, 90_000);
});
