// The polling tiers (issue 4, PROTOCOL-NOTES "How the well-known clients behave"):
// - fast: status and live readings every `pollIntervalMs`;
// - minmax: `M`/`N` reset on every read, so they are read on a fixed schedule only;
// - slow and identity: at start, every `slowIntervalS`, and slow again after a `|` alert.
// A fast or minmax query that never answers (DeadQueries) is read with the slow tier instead.
import { CATALOGUE, type QueryId, type SettingId } from "../protocol/catalogue/index.js";
import type { PollTier, QueryRow, SettingRow } from "../protocol/types.js";
import type { Timers } from "../util/timers.js";

/** Settings are read with the slow tier. */
export function rowTier(row: QueryRow | SettingRow): PollTier {
  return row.kind === "setting" ? "slow" : row.tier;
}

/** The supported queries and settings of a tier, in the catalogue's order. */
export function rowsOfTier(
  tier: PollTier,
  isSupported: (id: QueryId | SettingId) => boolean,
  tierOf: (row: QueryRow | SettingRow) => PollTier = rowTier,
): (QueryRow | SettingRow)[] {
  return CATALOGUE.filter(
    (row): row is Extract<(typeof CATALOGUE)[number], QueryRow | SettingRow> =>
      (row.kind === "query" || row.kind === "setting") && tierOf(row) === tier && isSupported(row.id),
  );
}

/**
 * `NA` answers in a row after which a fast or minmax query that has given no value on this
 * connection is read with the slow tier: 3 fast cycles (6 s with the defaults) tell a query a unit
 * lists in `a` but never answers (`~`, `V`, `y` on one unit, issue 12) from a passing refusal.
 */
export const DEAD_QUERY_NA_COUNT = 3;

/** The tiers a dead query leaves; slow and identity queries are read seldom already. */
const DEMOTABLE: ReadonlySet<PollTier> = new Set(["fast", "minmax"]);

/**
 * Dead queries (issue 12 item 7). A query listed in `a` that answers `NA` every time is polled in
 * its tier forever otherwise. After DEAD_QUERY_NA_COUNT `NA` in a row it moves to the slow tier; any
 * value brings it back to its own. An `NA` counts only when the query has given no value on this
 * connection (one that answered before and now says `NA` is "not now": asleep, after `S`,
 * calibrating; PROTOCOL-NOTES "Values"), the UPS is not asleep or off (the caller says), and another
 * query gave a value since the last one counted: a unit refusing everything (RefusalTracker) is
 * not a unit with dead queries. Pure bookkeeping: no timers, no logging.
 */
export class DeadQueries {
  /** Values given by any query on this connection. */
  private values = 0;
  /** Per query: `NA` counted in a row, and `values` when the last one was counted. */
  private readonly streaks = new Map<QueryId | SettingId, { count: number; valuesAt: number }>();
  private readonly answered = new Set<QueryId | SettingId>();
  private readonly demoted = new Set<QueryId | SettingId>();

  /** The tier `row` is read in now. */
  tierOf(row: QueryRow | SettingRow): PollTier {
    return this.demoted.has(row.id) ? "slow" : rowTier(row);
  }

  isDemoted(id: QueryId | SettingId): boolean {
    return this.demoted.has(id);
  }

  /** `row` gave a value. True when that brings it back from the slow tier to its own. */
  noteValue(row: QueryRow | SettingRow): boolean {
    this.values++;
    this.answered.add(row.id);
    this.streaks.delete(row.id);
    return this.demoted.delete(row.id);
  }

  /**
   * `row` answered `NA`; `countable`: the UPS is not asleep or off. True when this answer moves it to
   * the slow tier.
   */
  noteNotAvailable(row: QueryRow | SettingRow, countable: boolean): boolean {
    if (!countable || this.answered.has(row.id) || this.demoted.has(row.id)) return false;
    if (!DEMOTABLE.has(rowTier(row))) return false;
    const streak = this.streaks.get(row.id) ?? { count: 0, valuesAt: -1 };
    // No value from any query since the last counted `NA`: the UPS may be refusing everything.
    if (streak.valuesAt === this.values) return false;
    streak.count++;
    streak.valuesAt = this.values;
    this.streaks.set(row.id, streak);
    if (streak.count < DEAD_QUERY_NA_COUNT) return false;
    this.streaks.delete(row.id);
    this.demoted.add(row.id);
    return true;
  }

  /** A new connection (possibly another unit): every query back to its own tier, nothing counted. */
  reset(): void {
    this.values = 0;
    this.streaks.clear();
    this.answered.clear();
    this.demoted.clear();
  }
}

/**
 * Runs `cycle` every `periodMs`, counted from the start of each cycle (a "2 s poll" is 2 s even
 * when a cycle takes 1 s on the wire). A cycle longer than the period is followed by the next at
 * once; cycles never overlap. The schedule ends when a cycle returns false (stale or stopped).
 */
export function every(
  timers: Timers,
  periodMs: number,
  cycle: () => Promise<boolean>,
  now: () => number = Date.now,
): void {
  const tick = async () => {
    const started = now();
    if (!(await cycle())) return;
    timers.after(Math.max(0, periodMs - (now() - started)), () => void tick());
  };
  timers.after(periodMs, () => void tick());
}
