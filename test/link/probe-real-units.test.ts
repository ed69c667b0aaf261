// `upslink2mqtt probe` on the profiles copied from recorded units reports what the real unit would
// be reported as: identity, protocol level, how capabilities were learnt, alerts, settings with their
// rings, and never an action, reading or setting the unit's recorded `a` does not list (issue 13).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { probeCommand } from "../../src/cli/probe.js";
import { CATALOGUE, eventByByte } from "../../src/protocol/catalogue/index.js";
import { parseCapabilities } from "../../src/protocol/identity.js";
import type { ProbeReport } from "../../src/ups/probe.js";

async function probe(profile: string): Promise<ProbeReport> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const args = ["--port", `sim://${profile}`, "--json"];
  const io: CliIo = {
    argv: ["probe", ...args],
    env: {},
    stdin: new PassThrough(),
    stdout,
    stderr,
    stopSignal: new Promise<string>(() => undefined),
  };
  const code = await probeCommand(args, io);
  expect(err).toBe("");
  expect(code).toBe(0);
  return JSON.parse(out) as ProbeReport;
}

/** The `a` reply of a recording in test/fixtures/real/. */
function recordedA(file: string): string {
  const capture = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/real", file), "utf8")) as {
    exchanges: { send: string; reply: string }[];
  };
  const reply = capture.exchanges.find((e) => e.send === "a")?.reply;
  if (reply === undefined) throw new Error(`${file} has no a`);
  return reply;
}

/** Every id the report marks as supported has its opcode in the recorded `a` list. */
function expectOnlyListed(report: ProbeReport, a: string): void {
  const listed = new Set(parseCapabilities(a).commands);
  const ids = [...report.actions, ...report.readings.map((r) => r.id), ...report.settings.map((s) => s.id)];
  for (const id of ids) {
    const row = CATALOGUE.find((r) => r.id === id);
    const opcode = row?.wire.bytes[0];
    expect(opcode !== undefined && listed.has(opcode), `${id} is not listed by the unit's a`).toBe(true);
  }
  // And every action the list names is offered.
  for (const row of CATALOGUE) {
    const opcode = row.wire.bytes[0];
    if (row.kind === "action" && opcode !== undefined && listed.has(opcode))
      expect(report.actions, row.id).toContain(row.id);
  }
}

function alertsOf(chars: string): string[] {
  return [...chars].flatMap((c) => eventByByte(c.charCodeAt(0))?.id ?? []).sort();
}

const allowed = (report: ProbeReport, id: string) => report.settings.find((s) => s.id === id)?.allowed;
const value = (report: ProbeReport, id: string) => report.settings.find((s) => s.id === id)?.value;

describe("probe on recorded units", () => {
  it("Smart-UPS v/s: level 2 from its a, firmware 42.L.I, nothing its a does not list", async () => {
    const report = await probe("smartups-vs");
    expect(report.identity).toMatchObject({
      serial: "GS9803139882",
      firmware: "42.L.I",
      localeLetter: "I",
      // `m` is not listed and the unit is silent on it.
      manufactureDate: null,
    });
    expect(report.protocolLevel).toBe(2);
    expect(report.capabilitySource).toBe("a");
    const a = recordedA("suvs420i-new.json");
    expectOnlyListed(report, a);
    // The old-family guess once marked these; the unit lists none of them (z is destructive).
    for (const id of ["battery_test", "run_time_calibration", "reset_eeprom", "turn_off_immediate"])
      expect(report.actions).not.toContain(id);
    expect(report.settings).toEqual([]);
    expect([...report.alerts].sort()).toEqual(alertsOf("?=*%+#!$"));
  });

  it("SU420INET: level 3, its identity as recorded, its dump's rings and values", async () => {
    const report = await probe("smartups-su420");
    expect(report.identity).toMatchObject({
      model: "SMART-UPS 420",
      serial: "NS9847001053",
      firmware: "21.3.I",
      manufactureDate: "1998-11-17",
      localeLetter: "I",
    });
    expect(report.protocolLevel).toBe(3);
    expect(report.capabilitySource).toBe("a");
    expectOnlyListed(report, recordedA("su420inet.json"));
    // `C` is not listed (the unit answered NA): no internal temperature.
    expect(report.readings.map((r) => r.id)).not.toContain("ups_internal_temperature");
    expect(allowed(report, "upper_transfer_voltage")).toEqual([253, 257, 261, 265]);
    expect(allowed(report, "lower_transfer_voltage")).toEqual([208, 204, 200, 196]);
    expect(allowed(report, "utility_failure_sensitivity")).toEqual(["H", "M", "L"]);
    expect(allowed(report, "output_voltage_setting")).toEqual([230]);
    expect(value(report, "lower_transfer_voltage")).toBe(208);
    expect(value(report, "utility_failure_sensitivity")).toBe("H");
    expect(value(report, "battery_replacement_date")).toBe("1998-11-17");
    expect([...report.alerts].sort()).toEqual(alertsOf("!$%+?=#|"));
  });

  it("Smart-UPS RT: level 4, locale W, s = A only, 8-choice rings, * among its alerts", async () => {
    const report = await probe("smartups-rt");
    expect(report.identity).toMatchObject({
      model: "Smart-UPS RT 10000 XL",
      serial: "B21130002653",
      firmware: "476.18.W",
      localeLetter: "W",
    });
    expect(report.protocolLevel).toBe(4);
    expect(report.capabilitySource).toBe("a");
    expectOnlyListed(report, recordedA("rt1000xl.json"));
    expect(allowed(report, "utility_failure_sensitivity")).toEqual(["A"]);
    expect(value(report, "utility_failure_sensitivity")).toBe("A");
    expect(allowed(report, "lower_transfer_voltage")).toEqual([161, 196, 184, 173]);
    expect(value(report, "lower_transfer_voltage")).toBe(161);
    expect(allowed(report, "output_voltage_setting")).toEqual([230, 240, 200, 208, 220]);
    expect(allowed(report, "turn_on_delay")).toHaveLength(8);
    expect(report.readings.find((r) => r.id === "battery_voltage")?.value).toBeGreaterThan(180);
    // 0x04 is declared too: an alert of this unit that the catalogue does not know.
    expect([...report.alerts].sort()).toEqual([...alertsOf("!$%+?=*#|"), "unknown_alert"].sort());
  });

  it("old Smart-UPS 600: no a, probed query by query, V 6TD, an 8-digit serial, u = 129 offered", async () => {
    const report = await probe("smartups-600");
    expect(report.identity).toMatchObject({
      model: null,
      serial: "13035861",
      firmware: "6TD",
      manufactureDate: "1995-03-30",
      localeLetter: "D",
    });
    expect(report.protocolLevel).toBeNull();
    expect(report.capabilitySource).toBe("probe");
    // NUT's table of commands for 6TD (drivers/apcsmart_tabs.c): what the unit has.
    const compat = "@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz-";
    for (const id of [
      ...report.actions,
      ...report.readings.map((r) => r.id),
      ...report.settings.map((s) => s.id),
    ]) {
      const opcode = CATALOGUE.find((r) => r.id === id)?.wire.bytes[0] ?? 0;
      expect(compat, id).toContain(String.fromCharCode(opcode));
    }
    expect(report.actions).not.toContain("turn_ups_on");
    expect(value(report, "upper_transfer_voltage")).toBe(129);
    expect(allowed(report, "upper_transfer_voltage")).toContain(129);
    expect(value(report, "ups_id")).toBe("SU600");
  });
});
