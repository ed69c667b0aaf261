// `upslink2mqtt probe` end to end: against the built-in simulator (table and JSON), against a
// pseudo-terminal with nothing on the other end, and with bad usage.
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { probeCommand } from "../../src/cli/probe.js";
import { PROFILES } from "../../src/simulator/index.js";
import { type PtyPair, ptyPair } from "./pty.js";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function probe(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
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
  const io: CliIo = {
    argv: ["probe", ...args],
    env,
    stdin: new PassThrough(),
    stdout,
    stderr,
    stopSignal: new Promise<string>(() => undefined),
  };
  const code = await probeCommand(args, io);
  return { code, stdout: out, stderr: err };
}

let pty: PtyPair | null = null;
afterEach(async () => {
  await pty?.kill();
  pty = null;
});

describe("probe", () => {
  it("prints identity, readings with units and settings with allowed values (sim://)", async () => {
    const run = await probe(["--port", "sim://smartups-3g-120"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const profile = PROFILES["smartups-3g-120"];
    expect(run.stdout).toContain(`UPS on sim://smartups-3g-120`);
    expect(run.stdout).toContain(profile.serial.replace(/\0/g, "").trim());
    expect(run.stdout).toMatch(/line_voltage\s+\d{3}\.\d V/);
    expect(run.stdout).toMatch(/battery_capacity\s+\d+(\.\d+)? %/);
    // Values and choices in the published form: `020` is 20 (one machine form).
    expect(run.stdout).toMatch(/shutdown_delay\s+20 s\s+allowed: 20 180 300 600/);
    expect(run.stdout).not.toContain("load_current"); // Matrix-UPS only: not supported here
  });

  it("prints the same as JSON with --json", async () => {
    const run = await probe(["--port=sim://smartups-3g-230", "--json"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      identity: { model: string; localeLetter: string };
      capabilitySource: string;
      readings: { id: string; value: unknown; unit: string | null }[];
      settings: { id: string; value: unknown; allowed: string[] | null }[];
    };
    expect(report.identity.localeLetter).toBe("I");
    expect(report.capabilitySource).toBe("a");
    const volts = report.readings.find((r) => r.id === "line_voltage");
    expect(volts?.unit).toBe("Vac");
    expect(typeof volts?.value).toBe("number");
    const upper = report.settings.find((s) => s.id === "upper_transfer_voltage");
    expect(upper?.allowed?.length).toBeGreaterThan(1);
    expect(upper?.allowed).toContain(upper?.value);
  });

  it("probes query by query on a unit without `a`", async () => {
    const run = await probe(["--port", "sim://smartups-old", "--json"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { capabilitySource: string; readings: { id: string }[] };
    expect(report.capabilitySource).toBe("probe");
    expect(report.readings.map((r) => r.id)).toContain("line_voltage");
  });

  it("says in one sentence what is likely wrong when nothing answers on the port, and exits 1", async () => {
    pty = await ptyPair(); // nothing reads or answers on the other end
    const run = await probe(["--port", pty.a], { UPSLINK_LINK_HANDSHAKE_RETRIES: "2" });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no SM/);
    expect(lines[0]).toMatch(/940-0024C/);
    expect(lines[0]).toMatch(/right port/);
    expect(lines[0]).toMatch(/NUT|apcupsd/);
  });

  it("reports a missing port with its message and exits 1", async () => {
    const run = await probe(["--port", "/dev/ttyUSB-no-such-port"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/does not exist/);
  });

  it("exits 2 on bad usage", async () => {
    expect((await probe([])).code).toBe(2);
    expect((await probe(["--port", "sim://smartups-3g-120", "--frobnicate"])).code).toBe(2);
    expect((await probe(["--port", "sim://smartups-3g-120", "--cable", "usb"])).code).toBe(2);
    const unknown = await probe(["--port", "sim://no-such-profile"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("smartups-3g-120");
  });
});
