// The history apcupsd users rely on (issue 14 item 9): transfers to battery, time on battery, the
// last transfer's time and cause, the last self-test's time and result. Counted from the model's
// readings and kept across restarts (the bridge saves `record()` in a state file and hands it back
// at the next start). Pure: the caller passes the time; nothing here writes a file.
//
// How it counts, as apcupsd 3.14 does (action.c `st_PowerFailure`, `st_MainsBack`):
// - A transfer is the on-battery bit of `Q` turning on (a poll, or a `!` alert's patch of it): one
//   per transition, whatever repeats. A self-test is a transfer too: apcupsd counts it in NUMXFERS
//   and in the time on battery, and so does the bridge.
// - A stay on battery ends at the first reading that shows the UPS off battery. When readings
//   stopped meanwhile (the link was lost, the UPS fell silent, the bridge restarted), the UPS left the battery at some
//   unknown moment: the stay ends at the last reading that showed it on battery, so time nobody saw
//   is never counted. If it is still on battery when readings resume, the stay goes on from its
//   start (time on battery spans the gap).
// - The cause is the transfer cause read after the transfer began (the model says which reads are
//   fresh); `S` makes the transfer a self-test, whose start is the last self-test time (LASTSTEST).
// - The self-test result is the UPS's `X` read on line, by a read that began after the last stay
//   on battery ended (during a test `X` still holds the previous result); `no_result` (the UPS
//   restarted and forgot) keeps the last known one.
import { HISTORY, HISTORY_INPUTS, type HistoryId } from "../protocol/catalogue/index.js";
import type { Value } from "../protocol/types.js";
import { TypedEmitter } from "../util/emitter.js";

/**
 * While on battery the stay's last sighting is saved this often (a crash then loses at most this
 * much of the stay), not at every poll.
 */
export const CHECKPOINT_MS = 60_000;

/** What is kept across restarts; times are milliseconds since the epoch. */
export interface HistoryRecord {
  readonly transferCount: number;
  /** Milliseconds on battery in stays that ended. */
  readonly finishedMs: number;
  /** When the current stay on battery began; null while on line. */
  readonly onBatterySince: number | null;
  /** The last reading of the current stay that showed the UPS on battery. */
  readonly onBatterySeen: number | null;
  readonly lastTransferAt: number | null;
  readonly lastReturnAt: number | null;
  readonly lastTransferCause: string | null;
  readonly lastSelfTestAt: number | null;
  readonly lastSelfTestResult: string | null;
}

export const EMPTY_HISTORY: HistoryRecord = {
  transferCount: 0,
  finishedMs: 0,
  onBatterySince: null,
  onBatterySeen: null,
  lastTransferAt: null,
  lastReturnAt: null,
  lastTransferCause: null,
  lastSelfTestAt: null,
  lastSelfTestResult: null,
};

/** apcupsd's transfer counters (the NIS server's NUMXFERS, XONBATT, TONBATT, CUMONBATT, XOFFBATT, LASTSTEST). */
export interface TransferCounters {
  readonly count: number;
  /** When the current stay on battery began, or null while on line. */
  readonly onBatterySince: Date | null;
  readonly lastOnBattery: Date | null;
  readonly lastOffBattery: Date | null;
  /** Whole seconds on battery in stays that ended. */
  readonly finishedSeconds: number;
  readonly lastSelfTest: Date | null;
}

export interface TransferHistoryEvents {
  /** Something worth saving changed (a transfer, a return, a cause, a result, a checkpoint). */
  changed: () => void;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class TransferHistory extends TypedEmitter<TransferHistoryEvents> {
  private state: Mutable<HistoryRecord>;
  /**
   * Readings stopped since the last one (a restart, a lost link): a stay cannot be known to have
   * gone on meanwhile.
   */
  private gap: boolean;
  /** Stays that ended so far in this run: a reading begun before the last one ended may be stale. */
  private ended = 0;
  private lastCheckpoint: number | null = null;
  /** The largest cumulative value published: `total_increasing` must not go back (clock steps). */
  private cumulativeFloor = 0;

  constructor(record: HistoryRecord | null = null) {
    super();
    this.state = { ...(record ?? EMPTY_HISTORY) };
    // A stay saved unfinished: whether it went on is for the first reading to say.
    this.gap = this.state.onBatterySince !== null;
    this.cumulativeFloor = Math.floor(this.state.finishedMs / 1000);
  }

  /** The state to save. */
  record(): HistoryRecord {
    return { ...this.state };
  }

  /** Pass back with a reading started now (see `testResult`). */
  get mark(): number {
    return this.ended;
  }

  /** A reading of the status register (poll, re-read, or an alert's patch): on battery or not. */
  status(onBattery: boolean, now: number): void {
    const s = this.state;
    if (onBattery) {
      if (s.onBatterySince === null) {
        s.transferCount++;
        s.onBatterySince = now;
        s.onBatterySeen = now;
        s.lastTransferAt = now;
        // The previous transfer's cause is not this one's: unknown until a fresh `G` says.
        s.lastTransferCause = null;
        this.gap = false;
        this.checkpoint(now);
        return;
      }
      this.gap = false;
      s.onBatterySeen = Math.max(s.onBatterySeen ?? s.onBatterySince, now);
      if (this.lastCheckpoint === null || now - this.lastCheckpoint >= CHECKPOINT_MS) this.checkpoint(now);
      return;
    }
    if (s.onBatterySince !== null) {
      const end = this.gap ? (s.onBatterySeen ?? s.onBatterySince) : now;
      s.finishedMs += Math.max(0, end - s.onBatterySince);
      s.lastReturnAt = end;
      s.onBatterySince = null;
      s.onBatterySeen = null;
      this.ended++;
      this.checkpoint(now);
    }
    this.gap = false;
  }

  /**
   * Readings stopped (the link is lost, or a status read went unanswered: a UPS that turned its
   * output off after a shutdown command falls silent): a stay in progress ends at its last
   * sighting unless the next reading still shows it on battery.
   */
  readingsStopped(): void {
    if (this.state.onBatterySince !== null) this.gap = true;
  }

  /** A transfer cause read after the latest transfer began. */
  cause(cause: string): void {
    const s = this.state;
    if (s.lastTransferAt === null) return;
    let changed = false;
    if (s.lastTransferCause !== cause) {
      s.lastTransferCause = cause;
      changed = true;
    }
    if (cause === HISTORY_INPUTS.testCause && s.lastSelfTestAt !== s.lastTransferAt) {
      s.lastSelfTestAt = s.lastTransferAt;
      changed = true;
    }
    if (changed) this.emit("changed");
  }

  /** A self-test result read, by a read that started at `markAtStart` (`mark` then). */
  testResult(result: string, markAtStart: number): void {
    const s = this.state;
    if (result === HISTORY_INPUTS.noResult) return;
    // On battery (a test running?) or read across the end of a stay: the result may be the previous one.
    if (s.onBatterySince !== null || markAtStart !== this.ended) return;
    if (s.lastSelfTestResult === result) return;
    s.lastSelfTestResult = result;
    this.emit("changed");
  }

  /** Every history key's value now, as published. */
  values(now: number): Record<HistoryId, Value> {
    const s = this.state;
    const since = s.onBatterySince;
    // While readings are stopped the current stay is known only up to its last sighting.
    const current = since === null ? 0 : Math.max(0, (this.gap ? (s.onBatterySeen ?? since) : now) - since);
    const cumulative = Math.max(this.cumulativeFloor, Math.floor((s.finishedMs + current) / 1000));
    this.cumulativeFloor = cumulative;
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const values: Record<HistoryId, Value> = {
      transfer_count: s.transferCount,
      // While readings are stopped: the last known value, not a flap to unknown at one lost poll.
      time_on_battery: Math.floor(current / 1000),
      cumulative_time_on_battery: cumulative,
      last_transfer_time: iso(s.lastTransferAt),
      last_transfer_cause: s.lastTransferCause,
      last_self_test_time: iso(s.lastSelfTestAt),
      last_self_test_result: s.lastSelfTestResult,
    };
    return values;
  }

  /** apcupsd's counters for the NIS server. */
  counters(): TransferCounters {
    const s = this.state;
    const date = (ms: number | null) => (ms === null ? null : new Date(ms));
    return {
      count: s.transferCount,
      onBatterySince: date(s.onBatterySince),
      lastOnBattery: date(s.lastTransferAt),
      lastOffBattery: date(s.lastReturnAt),
      finishedSeconds: Math.floor(s.finishedMs / 1000),
      lastSelfTest: date(s.lastSelfTestAt),
    };
  }

  private checkpoint(now: number): void {
    this.lastCheckpoint = now;
    this.emit("changed");
  }
}

/** The history keys, in catalogue order (for checks). */
export const HISTORY_KEYS: readonly HistoryId[] = HISTORY.map((row) => row.id);
