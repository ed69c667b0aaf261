// The history's state file (issue 14 item 9): written atomically, after a change (debounced) and at
// stop, never at every poll; a missing or damaged file starts a new history with a warning; a
// directory that cannot be written is warned about and nothing throws.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  HistoryFile,
  historyPath,
  openHistory,
  parseHistory,
  serializeHistory,
} from "../../src/bridge/history-file.js";
import { createLogger, silentLogger } from "../../src/log.js";
import { TransferHistory } from "../../src/ups/history.js";

const T0 = Date.UTC(2026, 0, 31, 8, 0, 0);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "upslink-history-"));
}

/** A logger whose warnings the test can read. */
function recordingLogger() {
  const records: { level: number; msg: string; path?: string }[] = [];
  const lines = new PassThrough();
  lines.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n"))
      if (line.trim() !== "") records.push(JSON.parse(line) as { level: number; msg: string });
  });
  const logger = createLogger({ level: "debug", format: "json", destination: lines });
  const warnings = () => records.filter((r) => r.level === 40).map((r) => r.msg);
  return { logger, records, warnings };
}

describe("history file", () => {
  it("keeps the history across a restart: what one run saves, the next goes on from", async () => {
    const dir = tempDir();
    const first = openHistory({ dir, upsId: "ups", logger: silentLogger(), saveDelayMs: 10_000 });
    first.history.status(true, T0);
    first.history.cause("low_line");
    first.history.status(false, T0 + 42_000);
    await first.file.stop();
    const text = readFileSync(historyPath(dir, "ups"), "utf8");
    expect(JSON.parse(text)).toMatchObject({
      format: 1,
      ups: "ups",
      transfers: 1,
      finished_ms: 42_000,
      last_transfer_at: new Date(T0).toISOString(),
      last_cause: "low_line",
    });

    const second = openHistory({ dir, upsId: "ups", logger: silentLogger() });
    expect(second.history.values(T0 + 60_000)).toMatchObject({
      transfer_count: 1,
      cumulative_time_on_battery: 42,
      last_transfer_cause: "low_line",
    });
    await second.file.stop();
  });

  it("writes after a change settles, not at each change, and leaves no temporary file", async () => {
    const dir = tempDir();
    const path = historyPath(dir, "ups");
    const { history, file } = openHistory({ dir, upsId: "ups", logger: silentLogger(), saveDelayMs: 200 });
    history.status(true, T0);
    history.cause("low_line");
    // Within the delay nothing is written yet: a burst of changes is one write.
    expect(existsSync(path)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ last_cause: "low_line" });
    await file.stop();
    expect(readdirSync(dir)).toEqual(["history-ups.json"]);
  });

  it("round-trips every field through the file's text", () => {
    const history = new TransferHistory();
    history.status(true, T0);
    history.cause("command_test");
    history.status(false, T0 + 8000);
    history.testResult("ok", history.mark);
    history.status(true, T0 + 60_000);
    history.status(true, T0 + 61_500);
    const record = history.record();
    expect(parseHistory(serializeHistory("ups", record, new Date(T0)))).toEqual(record);
  });

  it("starts a new history with a warning when the file is damaged, and keeps the damaged file aside", async () => {
    for (const damaged of [
      // What a writer that is not atomic leaves after a crash mid-write.
      '{"format":1,"ups":"ups","transfers":4,"fini',
      "",
      '{"format":1,"ups":"ups","transfers":-3}',
      '{"format":99}',
      "[]",
    ]) {
      const dir = tempDir();
      const path = historyPath(dir, "ups");
      writeFileSync(path, damaged);
      const { logger, warnings } = recordingLogger();
      const { history, file } = openHistory({ dir, upsId: "ups", logger });
      expect(history.values(T0).transfer_count, damaged).toBe(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(
        warnings().some((w) => w.includes("damaged")),
        damaged,
      ).toBe(true);
      expect(readFileSync(`${path}.corrupt`, "utf8")).toBe(damaged);
      // The next save writes a whole new file.
      history.status(true, T0);
      await file.stop();
      expect(parseHistory(readFileSync(path, "utf8")).transferCount).toBe(1);
    }
  });

  it("starts a new history quietly when there is no file yet", async () => {
    const dir = join(tempDir(), "not", "yet");
    const { logger, warnings } = recordingLogger();
    const { history, file } = openHistory({ dir, upsId: "ups", logger });
    expect(history.values(T0).transfer_count).toBe(0);
    history.status(true, T0);
    await file.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings()).toEqual([]);
    // The directory is created.
    expect(parseHistory(readFileSync(historyPath(dir, "ups"), "utf8")).transferCount).toBe(1);
  });

  it("warns once and throws nothing when the directory cannot be written", async () => {
    // A directory under a regular file cannot be made, whoever runs the test (root included).
    const blocker = join(tempDir(), "a-file");
    writeFileSync(blocker, "");
    const dir = join(blocker, "data");
    const { logger, warnings } = recordingLogger();
    const { history, file } = openHistory({ dir, upsId: "ups", logger, saveDelayMs: 10 });
    history.status(true, T0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    history.status(false, T0 + 5000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(file.stop()).resolves.toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    const cannot = warnings().filter((w) => w.includes("cannot write the history file"));
    expect(cannot).toHaveLength(1);
    expect(cannot[0]).toContain("data_dir (UPSLINK_DATA_DIR)");
    // The history itself went on counting in memory.
    expect(history.values(T0 + 5000)).toMatchObject({ transfer_count: 1, cumulative_time_on_battery: 5 });
  });

  it("keeps the history in memory, and says so, when there is no data directory", async () => {
    const { logger, records } = recordingLogger();
    const file = new HistoryFile({ dir: null, upsId: "ups", logger });
    expect(file.load()).toBeNull();
    await new Promise((resolve) => setImmediate(resolve));
    expect(records.some((r) => r.level === 30 && r.msg.includes("kept in memory only"))).toBe(true);
    await file.stop();
  });
});
