// Issue 5: EEPROM settings through `set/<id>` against the simulator: ring stepping with read-back,
// skipped edits, allowed values, direct entry (c, x, I), the DIP switch lock, Measure-UPS and
// Matrix-UPS settings.
import { afterEach, describe, expect, it } from "vitest";
import { valuePayload } from "../../src/bridge/payload.js";
import { findRow } from "../../src/protocol/catalogue/index.js";
import type { CatalogueRow } from "../../src/protocol/types.js";
import type { ProfileName } from "../../src/simulator/index.js";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { type Response, setting, topics, waitEvent } from "../helpers/requests.js";
import { commandText, indexOfRun, mark, textBytes } from "../helpers/wire.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

async function start(profile: ProfileName = "smartups-3g-120"): Promise<Harness> {
  h = await startHarness({ upses: { ups: profile } });
  await waitReady(h);
  return h;
}

function row(id: string): CatalogueRow {
  const found = findRow(id);
  if (found === undefined) throw new Error(`no row ${id}`);
  return found;
}

/** The settings this UPS reports, with their allowed values (Ctrl-Z, or the catalogue for its locale). */
function ringSettings(harness: Harness): { id: string; allowed: string[] }[] {
  const caps = harness.bridge.runtimes.get("ups")?.model.caps;
  if (!caps) throw new Error("no capabilities yet");
  return (
    [...caps.supported]
      .map((id) => row(id))
      // Ring entries only: a 3G unit also lists `>`, whose pack count steps with `+` and `-`.
      .flatMap((r) => (r.kind === "setting" && r.entry === "ring" && r.params.length === 0 ? [r] : []))
      .map((r) => ({
        id: r.id,
        allowed: [...new Set((caps.settingValues[r.id] ?? []).map((v) => v.trim()))],
      }))
  );
}

/** What the bridge publishes for a raw setting reply. */
function published(id: string, raw: string): string {
  const decoded = row(id).decode?.(raw);
  if (!decoded?.ok) throw new Error(`${id}: '${raw}' does not decode`);
  return valuePayload(decoded.value);
}

/** The decoded value of a raw setting reply, as responses and the state JSON carry it. */
function decodedValue(id: string, raw: string): unknown {
  const decoded = row(id).decode?.(raw);
  if (!decoded?.ok) throw new Error(`${id}: '${raw}' does not decode`);
  return decoded.value;
}

/** Steps the simulator's ring needs from `current` to `target` (rings can repeat a value). */
function stepsInRing(ring: readonly string[], current: string, target: string): number {
  const start = ring.indexOf(current);
  for (let step = 1; step <= ring.length; step++) {
    if (ring[(start + step) % ring.length]?.trim() === target) return step;
  }
  throw new Error(`${target} is not in ${ring.join(",")}`);
}

/** Sets every ring setting to a value other than its current one and checks wire, answer, state and read-back. */
async function setEveryRingSetting(harness: Harness, expectedIds: readonly string[]): Promise<void> {
  const sim = harness.simulator();
  const settings = ringSettings(harness).filter((s) => s.allowed.length > 1);
  expect(settings.map((s) => s.id).sort()).toEqual([...expectedIds].sort());
  const since = harness.messages.length;
  for (const { id, allowed } of settings) {
    const simSetting = sim.settings.find((s) => s.id === id);
    expect(simSetting, id).toBeTruthy();
    if (!simSetting) continue;
    const current = sim.state.settings[id] ?? "";
    const target = allowed.find((v) => v !== current.trim());
    expect(target, id).toBeDefined();
    if (target === undefined) continue;
    const steps = stepsInRing(simSetting.ring, current, target);
    const from = mark(sim);
    const before = harness.messages.length;
    const response = await setting(harness, id, JSON.stringify({ value: target, transaction: id }));
    expect(response, id).toMatchObject({
      status: "ok",
      action: id,
      // The value as the per-key topic publishes it: `020` is 20 (one machine form).
      data: { changed: true, value: decodedValue(id, target), steps },
      error: null,
      transaction: id,
    });
    expect(commandText(sim, from), id).toBe("-".repeat(steps));
    expect(sim.state.settings[id]?.trim(), id).toBe(target);
    await harness.waitFor(topics(harness).key(id), (p) => p === published(id, sim.state.settings[id] ?? ""), {
      since: before,
    });
  }
  // About 5 s after the last edit the UPS sends `|`.
  const event = await waitEvent(harness, "eeprom_variable_change", since);
  expect(event).toMatchObject({ alert: "|" });
}

describe("ring settings (3G Smart-UPS, 120 V)", () => {
  it("sets every setting to another allowed value: steps, read-back, UPS state and the | alert", async () => {
    const harness = await start();
    await setEveryRingSetting(harness, [
      "auto_battery_test_setting",
      "upper_transfer_voltage",
      "lower_transfer_voltage",
      "min_battery_capacity_restart",
      "utility_failure_sensitivity",
      "low_battery_warning",
      "audible_alarm",
      "shutdown_delay",
      "turn_on_delay",
    ]);
    // The 120 V output voltage has a single value: there is nothing else to set it to.
    const fixed = ringSettings(harness).find((s) => s.id === "output_voltage_setting");
    expect(fixed?.allowed).toEqual(["115"]);
  });

  it("skips the edit when the value is already set: changed false and no - on the wire", async () => {
    const harness = await start();
    const sim = harness.simulator();
    for (const { id } of ringSettings(harness)) {
      const current = (sim.state.settings[id] ?? "").trim();
      const from = mark(sim);
      // Numbers may come as JSON numbers and without leading zeros (020 → 20).
      const asSent = /^\d+$/.test(current) ? String(Number(current)) : current.toLowerCase();
      const payload = /^\d+$/.test(current) ? JSON.stringify({ value: Number(current) }) : asSent;
      const response = await setting(harness, id, payload);
      expect(response, id).toMatchObject({ status: "ok", data: { changed: false, steps: 0 } });
      expect(commandText(sim, from), id).toBe("");
      expect((sim.state.settings[id] ?? "").trim(), id).toBe(current);
    }
  });

  it("refuses a value outside the allowed list with invalid_params listing them, sending nothing", async () => {
    const harness = await start();
    const sim = harness.simulator();
    for (const { id, allowed } of ringSettings(harness)) {
      const from = mark(sim);
      const response = await setting(harness, id, "999x");
      expect(response, id).toMatchObject({ status: "error", error: { code: "invalid_params" } });
      for (const value of allowed) expect(response.error?.message, id).toContain(value);
      expect(commandText(sim, from), id).toBe("");
    }
    // A value of another voltage version is not allowed either (230 V ring on a 120 V unit).
    const other = await setting(harness, "upper_transfer_voltage", "253");
    expect(other).toMatchObject({ status: "error", error: { code: "invalid_params" } });
    expect(other.error?.message).toMatch(/127, 130, 133, 136/);
  });

  it("refuses settings the UPS lacks with not_supported, sending nothing", async () => {
    const harness = await start();
    const sim = harness.simulator();
    const from = mark(sim);
    for (const id of [
      "run_time_conservation",
      "front_panel_language",
      "output_voltage_selection",
      "upper_temp_alarm_limit",
      "alarm_enable",
    ]) {
      const response = await setting(harness, id, "02");
      expect(response, id).toMatchObject({ status: "error", error: { code: "not_supported" } });
    }
    expect(commandText(sim, from)).toBe("");
  });
});

describe("direct entry (c, x)", () => {
  it("sets ups_id: opcode, -, then exactly 8 characters padded with spaces", async () => {
    const harness = await start();
    const sim = harness.simulator();
    const from = mark(sim);
    const since = harness.messages.length;
    const response = await setting(harness, "ups_id", "RACK 7");
    expect(response).toMatchObject({ status: "ok", data: { changed: true, value: "RACK 7", steps: 1 } });
    expect(indexOfRun(sim, textBytes("c-RACK 7  "), from)).toBeGreaterThanOrEqual(from);
    expect(commandText(sim, from)).toBe("-RACK 7  ");
    expect(sim.state.settings.ups_id).toBe("RACK 7  ");
    await harness.waitFor(topics(harness).key("ups_id"), (p) => p === published("ups_id", "RACK 7  "), {
      since,
    });
    await waitEvent(harness, "eeprom_variable_change", since);

    const again = mark(sim);
    expect(await setting(harness, "ups_id", "RACK 7")).toMatchObject({
      status: "ok",
      data: { changed: false, steps: 0 },
    });
    expect(commandText(sim, again)).toBe("");
  });

  it("refuses an ups_id with '-' or more than 8 characters, sending nothing", async () => {
    const harness = await start();
    const sim = harness.simulator();
    const from = mark(sim);
    for (const value of ["RACK-7", "NINECHARS", JSON.stringify({ value: 12345678 })]) {
      const response = await setting(harness, "ups_id", value);
      expect(response, value).toMatchObject({ status: "error", error: { code: "invalid_params" } });
    }
    expect(commandText(sim, from)).toBe("");
    expect(sim.state.settings.ups_id).toBe("UPS_IDEN");
  });

  it("refuses an ups_id with an alert character, naming it, before any byte of the entry (issue 13)", async () => {
    const harness = await start();
    const sim = harness.simulator();
    const from = mark(sim);
    const response = await setting(harness, "ups_id", "UPS#1");
    expect(response).toMatchObject({ status: "error", action: "ups_id", error: { code: "invalid_params" } });
    expect(response.error?.message).toMatch(/'UPS#1' cannot be written to 'ups_id'.*'#'/);
    // Not the edit, not the entry, not the `#` that the UPS would read as replace battery.
    expect(commandText(sim, from)).toBe("");
    expect(indexOfRun(sim, textBytes("#"), from)).toBe(-1);
    expect(indexOfRun(sim, textBytes("UPS"), from)).toBe(-1);
    expect(sim.state.settings.ups_id).toBe("UPS_IDEN");
  });

  it("sets battery_replacement_date from ISO, writes it mm/dd/yy and publishes ISO (issue 13)", async () => {
    const harness = await start();
    const sim = harness.simulator();
    const from = mark(sim);
    for (const value of ["15/03/24", "2024-02-30", "1/3/24", "03/15/2024"]) {
      const response = await setting(harness, "battery_replacement_date", value);
      expect(response, value).toMatchObject({ status: "error", error: { code: "invalid_params" } });
    }
    expect(commandText(sim, from)).toBe("");
    const since = harness.messages.length;
    const response = await setting(
      harness,
      "battery_replacement_date",
      JSON.stringify({ value: "2024-03-15", transaction: "bat" }),
    );
    expect(response).toMatchObject({
      status: "ok",
      data: { changed: true, value: "2024-03-15" },
      transaction: "bat",
    });
    expect(indexOfRun(sim, textBytes("x-03/15/24"), from)).toBeGreaterThanOrEqual(from);
    expect(commandText(sim, from)).toBe("-03/15/24");
    expect(sim.state.settings.battery_replacement_date).toBe("03/15/24");
    await harness.waitFor(
      topics(harness).key("battery_replacement_date"),
      (p) => p === published("battery_replacement_date", "2024-03-15"),
      {
        since,
      },
    );
    // The unit's own form is accepted too.
    const again = await setting(harness, "battery_replacement_date", "11/17/98");
    expect(again).toMatchObject({ status: "ok", data: { changed: true, value: "1998-11-17" } });
  });
});

describe("DIP switch lock", () => {
  it("answers edit_locked and sends no entry characters while a DIP switch is on", async () => {
    const harness = await start();
    const sim = harness.simulator();
    expect(sim.control("dip 1")).toMatch(/^ok/);
    const from = mark(sim);
    const locked = await setting(harness, "ups_id", "LOCKED");
    expect(locked).toMatchObject({ status: "error", action: "ups_id", error: { code: "edit_locked" } });
    expect(locked.error?.message).toMatch(/DIP/);
    const at = indexOfRun(sim, textBytes("c-"), from);
    expect(at).toBeGreaterThanOrEqual(from);
    // The UPS answered NO to `-`: none of the 8 characters followed.
    expect(indexOfRun(sim, textBytes("LOC"), from)).toBe(-1);
    expect(sim.received.slice(at + 2).some(({ byte }) => byte === 0x2d)).toBe(false);
    expect(sim.state.settings.ups_id).toBe("UPS_IDEN");

    const ringFrom = mark(sim);
    const ring: Response = await setting(harness, "audible_alarm", "N");
    expect(ring).toMatchObject({ status: "error", error: { code: "edit_locked" } });
    // One `-`, refused; no stepping after it.
    expect(commandText(sim, ringFrom)).toBe("-");
    expect(sim.state.settings.audible_alarm).toBe("0");

    expect(sim.control("dip 0")).toMatch(/^ok/);
    expect(await setting(harness, "audible_alarm", "N")).toMatchObject({
      status: "ok",
      data: { changed: true },
    });
    expect(sim.state.settings.audible_alarm).toBe("N");
  });
});

describe("Measure-UPS settings (smartups-3g-measure)", () => {
  it("sets the alarm limits through their rings", async () => {
    const harness = await start("smartups-3g-measure");
    const ids = ringSettings(harness)
      .filter((s) => s.allowed.length > 1)
      .map((s) => s.id);
    for (const id of [
      "upper_temp_alarm_limit",
      "lower_temp_alarm_limit",
      "upper_rh_alarm_limit",
      "lower_rh_alarm_limit",
    ]) {
      expect(ids).toContain(id);
    }
    await setEveryRingSetting(harness, ids);
  });

  it("sets alarm_enable by - and two hex digits", async () => {
    const harness = await start("smartups-3g-measure");
    const sim = harness.simulator();
    const from = mark(sim);
    const since = harness.messages.length;
    const response = await setting(harness, "alarm_enable", "0f");
    expect(response).toMatchObject({ status: "ok", data: { changed: true, value: "0F" } });
    expect(indexOfRun(sim, textBytes("I-0F"), from)).toBeGreaterThanOrEqual(from);
    expect(sim.state.settings.alarm_enable).toBe("0F");
    await harness.waitFor(topics(harness).key("alarm_enable"), (p) => p === published("alarm_enable", "0F"), {
      since,
    });
    const bad = await setting(harness, "alarm_enable", "1FF");
    expect(bad).toMatchObject({ status: "error", error: { code: "invalid_params" } });
    expect(commandText(sim, from)).toBe("-0F");
  });
});

describe("Matrix-UPS settings (matrix-ups)", () => {
  it("sets the Matrix-only settings (output voltage selection, language, run time conservation)", async () => {
    const harness = await start("matrix-ups");
    const ids = ringSettings(harness)
      .filter((s) => s.allowed.length > 1)
      .map((s) => s.id);
    for (const id of ["output_voltage_selection", "front_panel_language", "run_time_conservation"])
      expect(ids).toContain(id);
    await setEveryRingSetting(harness, ids);
  });

  it("refuses the settings a Matrix-UPS lacks (l, e) with not_supported, sending nothing", async () => {
    const harness = await start("matrix-ups");
    const sim = harness.simulator();
    const from = mark(sim);
    for (const id of ["lower_transfer_voltage", "min_battery_capacity_restart"]) {
      expect(await setting(harness, id, "15"), id).toMatchObject({
        status: "error",
        error: { code: "not_supported" },
      });
    }
    expect(commandText(sim, from)).toBe("");
  });
});
