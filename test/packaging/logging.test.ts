// The two forms of the log (issue 15): readable lines from pino-pretty on a terminal or with
// `log.format: pretty`, JSON lines otherwise; the same records and the same redaction either way.
import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { createLogger, type LogFormat, resolveLogFormat } from "../../src/log.js";
import { scratchStateHome } from "../helpers/state-home.js";
import { ensureBuilt, MAIN_JS, REPO_ROOT } from "./bridge-process.js";

function capture(format: LogFormat | null, isTTY = false) {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  if (isTTY) Object.assign(stream, { isTTY: true });
  const logger = createLogger({ level: "info", format, destination: stream });
  return { logger, text: () => text };
}

const PRETTY_LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR): /;

describe("log format", () => {
  it("pretty: one readable line per record, module and UPS first, the other fields on the same line", () => {
    const { logger, text } = capture("pretty");
    logger.child({ module: "link", ups: "rack" }).info({ state: "online" }, "link state");
    const lines = text().trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(PRETTY_LINE);
    expect(lines[0]).toMatch(/INFO: \[rack\] link: link state \{"state":"online"\}$/);
    expect(() => JSON.parse(lines[0] ?? "")).toThrow();
    // No colour codes when the destination is not a terminal.
    expect(text()).not.toContain("\u001b[");
  });

  it("json: one JSON object per line", () => {
    const { logger, text } = capture("json");
    logger.child({ module: "mqtt" }).warn({ url: "mqtt://h" }, "broker away");
    const record = JSON.parse(text().trimEnd()) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 40, module: "mqtt", url: "mqtt://h", msg: "broker away" });
  });

  it("redacts secrets in both forms", () => {
    for (const format of ["pretty", "json"] as const) {
      const { logger, text } = capture(format);
      logger.info({ mqtt: { password: "hunter2" }, password: "hunter3" }, "config");
      expect(text(), format).toContain("[redacted]");
      expect(text(), format).not.toMatch(/hunter/);
    }
  });

  it("without a configured form: pretty (coloured) on a terminal, json elsewhere", () => {
    expect(resolveLogFormat(null, true)).toBe("pretty");
    expect(resolveLogFormat(null, false)).toBe("json");
    expect(resolveLogFormat("json", true)).toBe("json");
    expect(resolveLogFormat("pretty", false)).toBe("pretty");
    const terminal = capture(null, true);
    terminal.logger.info("hello");
    expect(terminal.text()).toContain("\u001b[");
    expect(terminal.text()).toContain("hello");
    const pipe = capture(null, false);
    pipe.logger.info("hello");
    expect(JSON.parse(pipe.text())).toMatchObject({ msg: "hello" });
  });

  it("is the configuration key log.format (UPSLINK_LOG_FORMAT), unset by default", () => {
    const env = { UPSLINK_UPS_PORT: "sim://smartups-3g-120" };
    expect(loadConfig({ argv: [], env }).log.format).toBeNull();
    expect(loadConfig({ argv: [], env: { ...env, UPSLINK_LOG_FORMAT: "pretty" } }).log.format).toBe("pretty");
    expect(loadConfig({ argv: ["--log.format=json"], env }).log.format).toBe("json");
    expect(() => loadConfig({ argv: [], env: { ...env, UPSLINK_LOG_FORMAT: "xml" } })).toThrow(
      /log\.format \(UPSLINK_LOG_FORMAT\) must be one of "pretty", "json"/,
    );
  });
});

describe("the built bridge's log", () => {
  /**
   * `upslink2mqtt run` against an unreachable broker, stopped with Ctrl-C once it says it runs. On a
   * terminal: `script` gives it a pseudo-terminal as standard output and error, as an interactive
   * shell does, and the Ctrl-C goes through that terminal.
   */
  async function runBridge(env: Record<string, string>, viaTerminal: boolean): Promise<string> {
    ensureBuilt();
    const fullEnv = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      XDG_STATE_HOME: scratchStateHome(),
      UPSLINK_UPS_PORT: "sim://smartups-3g-120",
      UPSLINK_MQTT_URL: "mqtt://127.0.0.1:9",
      ...env,
    };
    const command = [process.execPath, MAIN_JS, "run"];
    const child = viaTerminal
      ? // `exec`: the bridge alone in the terminal's foreground, no shell between it and the Ctrl-C.
        spawn("script", ["-qefc", `exec ${command.map((word) => `'${word}'`).join(" ")}`, "/dev/null"], {
          cwd: REPO_ROOT,
          env: fullEnv,
        })
      : spawn(command[0] ?? "", command.slice(1), { cwd: REPO_ROOT, env: fullEnv });
    let output = "";
    let stopped = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (!stopped && output.includes("bridge running")) {
        stopped = true;
        if (viaTerminal) child.stdin?.write("\u0003");
        else child.kill("SIGINT");
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code, output).toBe(0);
    return output;
  }

  const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "").replace(/\r/g, "");
  const logLines = (text: string) =>
    plain(text)
      .split("\n")
      // The terminal echoes the Ctrl-C as ^C wherever the cursor is.
      .map((line) => line.replace("^C", ""))
      .filter((line) => line.trim() !== "");

  it("writes JSON lines to a pipe, readable lines with UPSLINK_LOG_FORMAT=pretty", async () => {
    const json = logLines(await runBridge({}, false));
    expect(json.length).toBeGreaterThan(2);
    for (const line of json) expect(() => JSON.parse(line), line).not.toThrow();

    const pretty = logLines(await runBridge({ UPSLINK_LOG_FORMAT: "pretty" }, false));
    expect(pretty.some((line) => /INFO: main: bridge running/.test(line))).toBe(true);
    for (const line of pretty) expect(line).toMatch(PRETTY_LINE);
  }, 60_000);

  it("writes readable lines on a terminal without being told", async () => {
    const lines = logLines(await runBridge({}, true));
    expect(lines.some((line) => /INFO: main: stopping \{"signal":"SIGINT"\}/.test(line))).toBe(true);
    for (const line of lines) expect(line).toMatch(PRETTY_LINE);
  }, 60_000);
});
