// Issue 12 item 4: every edit ends with a read-back that is published, whatever its outcome. The
// unit's value is changed behind the bridge's back (as a front panel or another host would), then an
// edit is refused (DIP switch lock) or goes wrong (the entry answered unexpectedly): the per-key
// topic must end at what the unit holds, not at the value the bridge saw last.
import { afterEach, expect, it } from "vitest";
import { valuePayload } from "../../src/bridge/payload.js";
import { findRow } from "../../src/protocol/catalogue/index.js";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { setting, topics } from "../helpers/requests.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

function published(id: string, raw: string): string {
  const decoded = findRow(id)?.decode?.(raw);
  if (!decoded?.ok) throw new Error(`${id}: '${raw}' does not decode`);
  return valuePayload(decoded.value);
}

it("publishes what the unit holds after a refused ring edit", async () => {
  h = await startHarness({ upses: { ups: "smartups-3g-120" } });
  await waitReady(h);
  const sim = h.simulator();
  const ring = sim.settings.find((s) => s.id === "shutdown_delay")?.ring ?? [];
  const before = sim.state.settings.shutdown_delay ?? "";
  const held = ring.find((v) => v !== before) ?? "";
  const wanted = ring.find((v) => v !== before && v !== held) ?? "";
  expect(held).not.toBe("");
  expect(wanted).not.toBe("");
  await h.barrier();
  expect(h.last(topics(h).key("shutdown_delay"))).toBe(published("shutdown_delay", before));
  // Changed at the unit, then edits locked by a DIP switch.
  sim.state.settings.shutdown_delay = held;
  sim.setDip(0x01);
  const response = await setting(h, "shutdown_delay", JSON.stringify({ value: wanted.trim() }));
  expect(response.status).toBe("error");
  await h.barrier();
  expect(h.last(topics(h).key("shutdown_delay"))).toBe(published("shutdown_delay", held));
}, 60_000);

it("publishes what the unit holds after a text entry answered unexpectedly", async () => {
  h = await startHarness({ upses: { ups: "smartups-3g-120" } });
  await waitReady(h);
  const sim = h.simulator();
  sim.setFault("editReply", "echo");
  const response = await setting(h, "ups_id", JSON.stringify({ value: "RACK7" }));
  expect(response).toMatchObject({ status: "error", error: { code: "bad_reply" } });
  expect(String((response.error as { message: string }).message)).toContain("now holds 'RACK7'");
  await h.barrier();
  expect(h.last(topics(h).key("ups_id"))).toBe(published("ups_id", "RACK7   "));
}, 60_000);
