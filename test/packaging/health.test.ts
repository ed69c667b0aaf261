// The container health check: the file the bridge writes, how it is judged, and the
// `upslink2mqtt health` command the Dockerfile's HEALTHCHECK runs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  checkHealthFile,
  type HealthStatus,
  judgeHealth,
  startHealthWriter,
  writeHealth,
} from "../../src/bridge/health.js";
import { healthCommand } from "../../src/cli/health.js";
import type { CliIo } from "../../src/cli/io.js";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "upslink-health-"));
  file = join(dir, "health.json");
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = new Date("2026-06-20T12:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const good: HealthStatus = { mqttConnected: true, upses: [{ id: "rack", linkState: "online" }] };

describe("health file", () => {
  it("is healthy while fresh, connected and every link online", () => {
    writeHealth(file, good, { now: T0, intervalMs: 5000 });
    expect(checkHealthFile(file, at(1000))).toEqual({ healthy: true, problems: [] });
  });

  it("goes stale after three missed rewrites", () => {
    writeHealth(file, good, { now: T0, intervalMs: 10_000 });
    expect(checkHealthFile(file, at(29_000)).healthy).toBe(true);
    const stale = checkHealthFile(file, at(31_000));
    expect(stale.healthy).toBe(false);
    expect(stale.problems.join()).toMatch(/not written its health for more than 30 s/);
  });

  it("names the broker and each UPS whose link is down", () => {
    writeHealth(
      file,
      {
        mqttConnected: false,
        upses: [
          { id: "rack", linkState: "online" },
          { id: "office", linkState: "offline" },
          { id: "lab", linkState: "connecting" },
        ],
      },
      { now: T0 },
    );
    const verdict = checkHealthFile(file, T0);
    expect(verdict.healthy).toBe(false);
    expect(verdict.problems).toEqual([
      "not connected to the MQTT broker",
      "UPS office: link offline",
      "UPS lab: link connecting",
    ]);
  });

  it("counts a UPS that was told to shut down as healthy (it falls silent on purpose)", () => {
    writeHealth(
      file,
      { mqttConnected: true, upses: [{ id: "rack", linkState: "shutdown_expected" }] },
      { now: T0 },
    );
    expect(checkHealthFile(file, T0).healthy).toBe(true);
  });

  it("is unhealthy without a file, or with one that is not the bridge's", () => {
    expect(checkHealthFile(join(dir, "missing.json"), T0)).toMatchObject({ healthy: false });
    expect(judgeHealth("{", T0).healthy).toBe(false);
    expect(judgeHealth('{"at": 1}', T0).healthy).toBe(false);
  });

  it("is replaced whole: no temporary files are left beside it", () => {
    writeHealth(file, good, { now: T0 });
    writeHealth(file, good, { now: at(5000) });
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({
      at: at(5000).toISOString(),
      mqtt_connected: true,
    });
    expect(readFileSync(file, "utf8").endsWith("\n")).toBe(true);
  });
});

describe("startHealthWriter", () => {
  it("writes at once and again every interval, with the status of the moment", () => {
    vi.useFakeTimers({ now: T0, toFake: ["setInterval", "clearInterval", "Date"] });
    let status: HealthStatus = { mqttConnected: true, upses: [{ id: "rack", linkState: "connecting" }] };
    const writer = startHealthWriter({ path: file, status: () => status, intervalMs: 5000 });
    expect(checkHealthFile(file, new Date()).problems).toEqual(["UPS rack: link connecting"]);
    status = good;
    vi.advanceTimersByTime(5000);
    expect(checkHealthFile(file, new Date()).healthy).toBe(true);
    writer.stop();
    vi.advanceTimersByTime(60_000);
    // Stopped: nobody rewrites it, so it goes stale.
    expect(checkHealthFile(file, new Date()).healthy).toBe(false);
  });

  it("reports write errors instead of throwing", () => {
    vi.useFakeTimers({ now: T0, toFake: ["setInterval", "clearInterval"] });
    const errors: unknown[] = [];
    const writer = startHealthWriter({
      path: join(dir, "no-such-dir", "health.json"),
      status: () => good,
      onError: (error) => errors.push(error),
    });
    expect(errors).toHaveLength(1);
    writer.stop();
  });
});

describe("upslink2mqtt health", () => {
  async function run(args: string[], env: Record<string, string>) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    const io: CliIo = {
      argv: args,
      env,
      stdin: new PassThrough(),
      stdout,
      stderr,
      stopSignal: new Promise(() => {}),
    };
    const code = await healthCommand(args, io);
    return { code, out };
  }

  it("exits 0 on a healthy file named by UPSLINK_HEALTH_FILE, 1 otherwise with the reason", async () => {
    writeHealth(file, good);
    expect(await run([], { UPSLINK_HEALTH_FILE: file })).toEqual({ code: 0, out: "healthy\n" });
    writeHealth(file, { mqttConnected: false, upses: [] });
    const sick = await run([], { UPSLINK_HEALTH_FILE: file });
    expect(sick.code).toBe(1);
    expect(sick.out).toMatch(/unhealthy: not connected to the MQTT broker/);
  });

  it("takes --file, and refuses other arguments with exit code 2", async () => {
    writeFileSync(join(dir, "other.json"), "");
    expect((await run(["--file", join(dir, "other.json")], {})).code).toBe(1);
    writeHealth(file, good);
    expect((await run([`--file=${file}`], {})).code).toBe(0);
    expect((await run(["--verbose"], {})).code).toBe(2);
  });
});

describe("upslink2mqtt health without a health file", () => {
  it("says how to make the bridge write one", async () => {
    const stdout = new PassThrough();
    let out = "";
    stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    const missing = join(dir, "missing.json");
    const io: CliIo = {
      argv: [],
      env: { UPSLINK_HEALTH_FILE: missing },
      stdin: new PassThrough(),
      stdout,
      stderr: new PassThrough(),
      stopSignal: new Promise(() => {}),
    };
    expect(await healthCommand([], io)).toBe(1);
    expect(out).toMatch(/^unhealthy: no health file at /);
    expect(out).toContain(`start the bridge with UPSLINK_HEALTH_FILE=${missing}`);
    expect(out).toContain("--file PATH");
  });
});
