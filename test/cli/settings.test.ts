// Issue 11: no environment variable bypasses the configuration schema. The one-shot commands read
// their settings through it too (probe: ups.port, ups.cable, log.level, link.*; health:
// health.file), so a bad value is refused with the key and the allowed values, as the bridge does,
// instead of being ignored or clamped in silence.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { writeHealth } from "../../src/bridge/health.js";
import { healthCommand } from "../../src/cli/health.js";
import type { CliIo, Command } from "../../src/cli/io.js";
import { probeCommand } from "../../src/cli/probe.js";
import { CONFIG_KEYS } from "../../src/config/index.js";
import { DEFAULT_LINK_OPTIONS, LINK_OPTION_RANGES } from "../../src/link/options.js";

async function run(
  command: Command,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
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
    argv: args,
    env,
    stdin: new PassThrough(),
    stdout,
    stderr,
    stopSignal: new Promise<string>(() => undefined),
  };
  const code = await command(args, io);
  return { code, stdout: out, stderr: err };
}

const dir = mkdtempSync(join(tmpdir(), "upslink-settings-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("probe reads its settings through the schema", () => {
  it("refuses an out-of-range UPSLINK_LINK_* value, naming the key and the range (exit 2)", async () => {
    const result = await run(probeCommand, ["--port", "sim://smartups-3g-120"], {
      UPSLINK_LINK_HANDSHAKE_RETRIES: "0",
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("link.handshake_retries (UPSLINK_LINK_HANDSHAKE_RETRIES)");
    expect(result.stderr).toContain("from 1 to 50");
    expect(result.stdout).toBe("");
  });

  it("refuses an unreadable UPSLINK_LINK_QUERY_TIMEOUT_MS instead of ignoring it", async () => {
    const result = await run(probeCommand, ["--port", "sim://smartups-3g-120"], {
      UPSLINK_LINK_QUERY_TIMEOUT_MS: "fast",
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("UPSLINK_LINK_QUERY_TIMEOUT_MS");
  });

  it("takes the port and cable from UPSLINK_UPS_PORT / UPSLINK_UPS_CABLE, and names --cable when it is wrong", async () => {
    const fromEnv = await run(probeCommand, ["--json"], {
      UPSLINK_UPS_PORT: "sim://smartups-3g-120",
      UPSLINK_UPS_CABLE: "940-0095B",
    });
    expect(fromEnv.code).toBe(0);
    expect(JSON.parse(fromEnv.stdout).port).toBe("sim://smartups-3g-120");
    const wrong = await run(probeCommand, ["--port", "sim://smartups-3g-120", "--cable", "usb"], {});
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--cable");
    expect(wrong.stderr).toContain('"940-0024C", "940-0095B"');
  });
});

describe("health reads health.file through the schema", () => {
  it("finds the file named by UPSLINK_HEALTH_FILE", async () => {
    const file = join(dir, "health.json");
    writeHealth(file, { mqttConnected: true, upses: [{ id: "ups", linkState: "online" }] });
    expect(await run(healthCommand, [], { UPSLINK_HEALTH_FILE: file })).toMatchObject({
      code: 0,
      stdout: "healthy\n",
    });
  });
});

describe("link defaults and ranges", () => {
  it("are the link's own: the schema's link.* keys carry DEFAULT_LINK_OPTIONS and LINK_OPTION_RANGES", () => {
    const names = {
      "link.query_timeout_ms": "queryTimeoutMs",
      "link.query_retries": "queryRetries",
      "link.handshake_retries": "handshakeRetries",
      "link.reconnect_min_ms": "reconnectMinMs",
      "link.reconnect_max_ms": "reconnectMaxMs",
      "link.lost_after_failures": "lostAfterFailures",
    } as const;
    const linkKeys = CONFIG_KEYS.filter((key) => key.path.startsWith("link."));
    expect(linkKeys.map((key) => key.path).sort()).toEqual(Object.keys(names).sort());
    for (const key of linkKeys) {
      const name = names[key.path as keyof typeof names];
      expect(key.default, key.path).toBe(DEFAULT_LINK_OPTIONS[name]);
      expect([key.spec.min, key.spec.max], key.path).toEqual([
        LINK_OPTION_RANGES[name].min,
        LINK_OPTION_RANGES[name].max,
      ]);
    }
  });
});
