// `upslink2mqtt schema --table`: the configuration reference to read on a terminal, from the same
// schema as config.schema.json and docs/CONFIGURATION.md.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { schemaCommand } from "../../src/cli/schema.js";
import { CONFIG_KEYS } from "../../src/config/index.js";

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  const io: CliIo = {
    argv: args,
    env: {},
    stdin: new PassThrough(),
    stdout,
    stderr: new PassThrough(),
    stopSignal: new Promise(() => {}),
  };
  const code = await schemaCommand(args, io);
  await new Promise((resolve) => setImmediate(resolve));
  return { code, out };
}

describe("upslink2mqtt schema --table", () => {
  it("lists every key with its variable, default, allowed values and description, within 100 columns", async () => {
    const { code, out } = await run(["--table"]);
    expect(code).toBe(0);
    expect(() => JSON.parse(out)).toThrow();
    const lines = out.split("\n");
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(100);
    for (const key of CONFIG_KEYS) {
      const at = lines.indexOf(`${key.path}  (${key.env})`);
      expect(at, key.path).toBeGreaterThan(-1);
      const block = lines.slice(at + 1, at + 6).join(" ");
      expect(block, key.path).toContain(`allowed: ${key.format.split(" ")[0]}`);
      expect(block.replace(/\s+/g, " "), key.path).toContain(key.doc.split(/\s+/).slice(0, 4).join(" "));
    }
    expect(out).toContain("mqtt.url  (UPSLINK_MQTT_URL)\n    default: mqtt://localhost:1883 · allowed:");
    expect(out).toContain("mqtt.password  (UPSLINK_MQTT_PASSWORD)\n    default: none");
    expect(out).toMatch(/MQTT password\. Secret: never logged or published\./);
  });
});
