// The re-reads alerts ask for, rate-limited (issue 17). One drain reads queued queries one by one:
// a burst of alerts (or an alert inside every reply) re-reads each register once more, instead of
// starting one re-read per alert, each of whose replies can carry another alert (unbounded growth).
// One register is re-read at most every REREAD_MIN_INTERVAL_MS; settings (after `|`) as one read
// of the slow tier at most every SETTINGS_REREAD_MIN_INTERVAL_MS.
import { type QueryId, readableRow, type SettingId } from "../protocol/catalogue/index.js";
import type { Timers } from "../util/timers.js";

/** Alerts re-read one register at most this often; alerts in between wait for that read. */
export const REREAD_MIN_INTERVAL_MS = 1000;
/** `|` re-reads every setting: at most this often. */
export const SETTINGS_REREAD_MIN_INTERVAL_MS = 10_000;

/** What the re-reads need of the model. */
export interface RereadHost {
  /** The model's timers: clearing them all stops the drain's wake and a waiting settings read. */
  readonly timers: Timers;
  /** Online and running: re-reads may go on. */
  active(): boolean;
  /** A token that changes on every (re)connect and stop; a settings read queued under another is dropped. */
  generation(): number;
  isCurrent(generation: number): boolean;
  /** Reads one query now, ahead of polls. */
  read(id: QueryId | SettingId): Promise<void>;
  /** Reads the slow tier now. */
  readSlowTier(): Promise<void>;
}

export class AlertRereads {
  /** Queries alerts asked to re-read, not yet read. */
  private readonly queued = new Set<QueryId | SettingId>();
  private draining = false;
  /** When each register was last re-read for an alert. */
  private readonly lastReread = new Map<QueryId | SettingId, number>();
  /** The timer that resumes the drain when every queued register was re-read too recently. */
  private drainWake: (() => void) | null = null;
  private slowQueued = false;
  private lastSlowReread = Number.NEGATIVE_INFINITY;
  private slowTimer: (() => void) | null = null;

  constructor(
    private readonly host: RereadHost,
    private readonly now: () => number = Date.now,
  ) {}

  /** The host cleared its timers: forget the ones this owned. */
  timersCleared(): void {
    this.drainWake = null;
    if (this.slowTimer !== null) {
      this.slowTimer = null;
      this.slowQueued = false;
    }
  }

  /** Queries go through the rate-limited drain, settings as one slow-tier read. */
  request(ids: readonly (QueryId | SettingId)[]): void {
    let settings = false;
    for (const id of ids) {
      if (readableRow(id).kind === "setting") settings = true;
      else this.queued.add(id);
    }
    void this.drain();
    if (settings) this.rereadSettings();
  }

  /**
   * `|` arrives about 5 s after an edit; one read of the slow tier covers a burst of them, and
   * a unit that sends `|` all the time gets one every SETTINGS_REREAD_MIN_INTERVAL_MS.
   */
  private rereadSettings(): void {
    if (this.slowQueued) return;
    this.slowQueued = true;
    const wait = Math.max(0, this.lastSlowReread + SETTINGS_REREAD_MIN_INTERVAL_MS - this.now());
    const generation = this.host.generation();
    const run = async (): Promise<void> => {
      this.slowTimer = null;
      if (!this.host.isCurrent(generation)) {
        this.slowQueued = false;
        return;
      }
      this.lastSlowReread = this.now();
      await this.host.readSlowTier().finally(() => {
        this.slowQueued = false;
      });
    };
    if (wait === 0) void run();
    else this.slowTimer = this.host.timers.after(wait, () => void run());
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        if (!this.host.active()) {
          this.queued.clear();
          return;
        }
        const now = this.now();
        const due = [...this.queued].find(
          (id) => now - (this.lastReread.get(id) ?? Number.NEGATIVE_INFINITY) >= REREAD_MIN_INTERVAL_MS,
        );
        if (due === undefined) {
          this.wakeLater(now);
          return;
        }
        this.queued.delete(due);
        this.lastReread.set(due, now);
        await this.host.read(due);
      }
    } finally {
      this.draining = false;
    }
  }

  /** Every queued register was re-read less than REREAD_MIN_INTERVAL_MS ago: resume when one is due. */
  private wakeLater(now: number): void {
    if (this.drainWake !== null || this.queued.size === 0) return;
    let at = Number.POSITIVE_INFINITY;
    for (const id of this.queued)
      at = Math.min(at, (this.lastReread.get(id) ?? now) + REREAD_MIN_INTERVAL_MS);
    this.drainWake = this.host.timers.after(Math.max(0, at - now), () => {
      this.drainWake = null;
      void this.drain();
    });
  }
}
