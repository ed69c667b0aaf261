import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { commandsCommand } from "../../src/cli/commands.js";
import type { CliIo } from "../../src/cli/io.js";
import { CATALOGUE } from "../../src/protocol/catalogue/index.js";

async function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (chunk: Buffer) => out.push(chunk));
  stderr.on("data", (chunk: Buffer) => err.push(chunk));
  const io: CliIo = {
    argv: ["commands", ...args],
    env: {},
    stdin: Readable.from([]),
    stdout,
    stderr,
    stopSignal: new Promise<string>(() => {}),
  };
  const code = await commandsCommand(args, io);
  stdout.end();
  stderr.end();
  return { code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

interface ActionJson {
  id: string;
  kind: string;
  opcode: string;
  bytes: number[];
  destructive: boolean;
  unit: string | null;
  tier: string;
  label: string;
}

describe("upslink2mqtt commands", () => {
  it("--json lists the 72 rows, 16 feedbacks and 11 events (the seed's 10 and unknown_alert)", async () => {
    const { code, stdout, stderr } = await run(["--json"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    const parsed = JSON.parse(stdout) as { actions: ActionJson[]; feedbacks: unknown[]; events: unknown[] };
    expect(parsed.actions).toHaveLength(72);
    expect(parsed.feedbacks).toHaveLength(16);
    expect(parsed.events).toHaveLength(11);
    expect(parsed.actions.map((a) => a.id)).toEqual(CATALOGUE.map((row) => row.id));
    const on = parsed.actions.find((a) => a.id === "turn_ups_on");
    expect(on).toMatchObject({
      kind: "action",
      bytes: [14],
      destructive: true,
      tier: "none",
      label: "Turn UPS On",
    });
    expect(on?.opcode.startsWith("Ctrl-N")).toBe(true);
    expect(parsed.actions.find((a) => a.id === "line_voltage")).toMatchObject({
      opcode: "L",
      unit: "Vac",
      tier: "fast",
    });
    expect(parsed.actions.filter((a) => a.destructive)).toHaveLength(9);
    // No raw control byte reaches the output.
    expect(/[\u0000-\u0009\u000b-\u001f\u007f]/.test(stdout)).toBe(false);
  });

  it("prints a table with every row, its opcode and destructive flag", async () => {
    const { code, stdout } = await run([]);
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    for (const row of CATALOGUE) expect(lines.some((line) => line.startsWith(`${row.id} `))).toBe(true);
    const turnOn = lines.find((line) => line.startsWith("turn_ups_on "));
    expect(turnOn).toMatch(/action\s+Ctrl-N \(1\.7 s\) Ctrl-N\s+yes/);
    expect(lines.find((line) => line.startsWith("ups_model_name "))).toMatch(/query\s+Ctrl-A\s+no/);
    expect(stdout).toContain("Feedbacks (16):");
    expect(stdout).toContain("Events (11):");
    expect(lines.find((line) => line.startsWith("eeprom_variable_change "))).toMatch(/\|/);
  });

  it("--help prints its usage", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Usage: upslink2mqtt commands \[--json\]/);
  });

  it("refuses an unknown flag with exit code 2", async () => {
    const { code, stdout, stderr } = await run(["--yaml"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/unknown option '--yaml'/);
  });
});
