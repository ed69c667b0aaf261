// Keeps a UPS's history (src/ups/history.ts) across restarts in a small JSON file under `data_dir`:
// `history-<ups id>.json`. Written when the history changes (a transfer, a return, a cause, a
// result, a checkpoint during a long stay), at most once per SAVE_DELAY_MS, and at stop; never at
// every poll. Each write goes to a temporary file that is flushed to disk and renamed over the old
// one, so a crash or power loss mid-write leaves the previous file whole.
//
// The history is a convenience, never a reason to stop: a missing file starts a new history, a
// damaged one is set aside (`.corrupt`) with a warning and a new history starts, and a directory
// that cannot be written is warned about once while the bridge runs on (history kept in memory,
// saved as soon as writing works again).
import { randomBytes } from "node:crypto";
import { readFileSync, renameSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../log.js";
import { type HistoryRecord, TransferHistory } from "../ups/history.js";
import { Timers } from "../util/timers.js";

/** Changes within this long are saved together. */
export const SAVE_DELAY_MS = 5000;

/** The file's `format`: a later layout gets a new number and a migration. */
const FORMAT = 1;

export function historyPath(dir: string, upsId: string): string {
  return join(dir, `history-${upsId}.json`);
}

/** The file's content: the record with ISO times, readable and editable by hand. */
interface HistoryFileContent {
  readonly format: number;
  readonly ups: string;
  readonly saved_at: string;
  readonly transfers: number;
  readonly finished_ms: number;
  readonly on_battery_since: string | null;
  readonly on_battery_seen: string | null;
  readonly last_transfer_at: string | null;
  readonly last_return_at: string | null;
  readonly last_cause: string | null;
  readonly last_self_test_at: string | null;
  readonly last_test_result: string | null;
}

export function serializeHistory(upsId: string, record: HistoryRecord, now: Date): string {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const content: HistoryFileContent = {
    format: FORMAT,
    ups: upsId,
    saved_at: now.toISOString(),
    transfers: record.transferCount,
    finished_ms: record.finishedMs,
    on_battery_since: iso(record.onBatterySince),
    on_battery_seen: iso(record.onBatterySeen),
    last_transfer_at: iso(record.lastTransferAt),
    last_return_at: iso(record.lastReturnAt),
    last_cause: record.lastTransferCause,
    last_self_test_at: iso(record.lastSelfTestAt),
    last_test_result: record.lastSelfTestResult,
  };
  return `${JSON.stringify(content, null, 2)}\n`;
}

/** The record in a file's text; throws an Error saying what is wrong. */
export function parseHistory(text: string): HistoryRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error("not an object");
  const c = parsed as Record<string, unknown>;
  if (c.format !== FORMAT) throw new Error(`format ${JSON.stringify(c.format)}, expected ${FORMAT}`);
  const count = (name: string): number => {
    const value = c[name];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
      throw new Error(`${name} is not a whole number ≥ 0`);
    return value;
  };
  const time = (name: string): number | null => {
    const value = c[name];
    if (value === null) return null;
    const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(ms)) throw new Error(`${name} is not an ISO date and time or null`);
    return ms;
  };
  const text_ = (name: string): string | null => {
    const value = c[name];
    if (value === null || (typeof value === "string" && /^[a-z_]{1,40}$/.test(value))) return value;
    throw new Error(`${name} is not a value id or null`);
  };
  const since = time("on_battery_since");
  return {
    transferCount: count("transfers"),
    finishedMs: count("finished_ms"),
    onBatterySince: since,
    onBatterySeen: since === null ? null : (time("on_battery_seen") ?? since),
    lastTransferAt: time("last_transfer_at"),
    lastReturnAt: time("last_return_at"),
    lastTransferCause: text_("last_cause"),
    lastSelfTestAt: time("last_self_test_at"),
    lastSelfTestResult: text_("last_test_result"),
  };
}

export interface HistoryFileOptions {
  /** The data directory; null: no place to keep it (history in memory only). */
  readonly dir: string | null;
  readonly upsId: string;
  readonly logger: Logger;
  readonly saveDelayMs?: number;
  readonly now?: () => Date;
}

/** One UPS's history file: load once, then save the attached history on change and at stop. */
export class HistoryFile {
  readonly path: string | null;
  private readonly log: Logger;
  private readonly timers = new Timers();
  private history: TransferHistory | null = null;
  private pending: (() => void) | null = null;
  private dirty = false;
  private writing: Promise<void> = Promise.resolve();
  /** The last write failed (warned once until one succeeds). */
  private failing = false;
  private stopped = false;
  private readonly onChanged = (): void => this.schedule();

  constructor(private readonly options: HistoryFileOptions) {
    this.log = options.logger.child({ module: "history", ups: options.upsId });
    this.path = options.dir === null ? null : historyPath(options.dir, options.upsId);
  }

  /** The saved record; null when there is none (or it is damaged: set aside, with a warning). */
  load(): HistoryRecord | null {
    const path = this.path;
    if (path === null) {
      // Only a bridge embedded without one (tests, a library user) or a system without any home
      // directory gets here: `run` defaults to the per-user state directory.
      this.log.info(
        "no data directory (data_dir, UPSLINK_DATA_DIR): the history is kept in memory only, and transfer counts and times on battery start from zero at every restart",
      );
      return null;
    }
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        this.log.info({ path }, "no history file yet: a new history starts");
      } else {
        this.log.warn(
          { path, err: describe(error) },
          "cannot read the history file: a new history starts; check the permissions of data_dir (UPSLINK_DATA_DIR)",
        );
      }
      return null;
    }
    try {
      const record = parseHistory(text);
      this.log.debug({ path }, "history loaded");
      return record;
    } catch (error) {
      const aside = `${path}.corrupt`;
      let kept = "";
      try {
        renameSync(path, aside);
        kept = `; the damaged file is kept as ${aside}`;
      } catch {
        // Left where it is: the next save replaces it.
      }
      this.log.warn(
        { path, reason: describe(error) },
        `the history file is damaged (a crash while it was written by an older version, or an edit): a new history starts${kept}`,
      );
      return null;
    }
  }

  /** Saves `history` whenever it changes from now on. */
  attach(history: TransferHistory): void {
    this.history?.off("changed", this.onChanged);
    this.history = history;
    history.on("changed", this.onChanged);
  }

  /**
   * Saves the history as it is now (a stay on battery with its latest sighting) and stops saving.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.history?.off("changed", this.onChanged);
    this.timers.clearAll();
    this.pending = null;
    this.dirty = this.path !== null && this.history !== null;
    await this.save();
  }

  /** Saves now (tests, and the end of a run). */
  async flush(): Promise<void> {
    this.pending?.();
    this.pending = null;
    if (this.dirty) await this.save();
    await this.writing;
  }

  private schedule(): void {
    if (this.path === null || this.stopped) return;
    this.dirty = true;
    if (this.pending !== null) return;
    this.pending = this.timers.after(this.options.saveDelayMs ?? SAVE_DELAY_MS, () => {
      this.pending = null;
      void this.save();
    });
  }

  /** One write at a time; the record is taken when the write starts, so the latest always goes last. */
  private save(): Promise<void> {
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  private async write(): Promise<void> {
    const path = this.path;
    const history = this.history;
    if (path === null || history === null || !this.dirty) return;
    this.dirty = false;
    const now = this.options.now?.() ?? new Date();
    const text = serializeHistory(this.options.upsId, history.record(), now);
    const temporary = `${path}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await mkdir(this.options.dir as string, { recursive: true });
      const handle = await open(temporary, "w", 0o644);
      try {
        await handle.writeFile(text, "utf8");
        // On disk before the rename: after a power loss the new name never points at an empty file.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
      if (this.failing) this.log.info({ path }, "the history file is written again");
      this.failing = false;
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      // Not saved: try again at the next change.
      this.dirty = true;
      const level = this.failing ? "debug" : "warn";
      this.failing = true;
      this.log[level](
        { path, err: describe(error) },
        "cannot write the history file: the bridge runs on and keeps the history in memory, but a restart will lose it; make data_dir (UPSLINK_DATA_DIR) a writable directory",
      );
    }
  }
}

/** A UPS's history, loaded from its file, and the file that saves it from now on. */
export function openHistory(options: HistoryFileOptions): { history: TransferHistory; file: HistoryFile } {
  const file = new HistoryFile(options);
  const history = new TransferHistory(file.load());
  file.attach(history);
  return { history, file };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
