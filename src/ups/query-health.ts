// Which of a UPS's queries give values, as the poller sees them: it exists so that UpsModel reads
// replies while this keeps the two verdicts drawn from them, and says them in the log. A fast or
// minmax query that only answers `NA` is read with the slow tier until it gives a value
// (poll-schedule.ts `DeadQueries`); a UPS that refuses every query for a few fast cycles is
// published offline until one gives a value (refusals.ts). Knows no timers and no MQTT.
import type { Logger } from "../log.js";
import type { QueryId, SettingId } from "../protocol/catalogue/index.js";
import type { PollTier, QueryRow, SettingRow } from "../protocol/types.js";
import { DEAD_QUERY_NA_COUNT, DeadQueries } from "./poll-schedule.js";
import { RefusalTracker } from "./refusals.js";

export class QueryHealth {
  private readonly refusals = new RefusalTracker();
  /** Fast and minmax queries that only answer `NA`, read with the slow tier (poll-schedule.ts). */
  private readonly deadQueries = new DeadQueries();
  /** Dead queries already reported at `info` (later reconnects report them at `debug`). */
  private readonly reportedDead = new Set<QueryId | SettingId>();

  constructor(private readonly log: Logger) {}

  /** The link is up but the UPS only refuses: published as offline. */
  get refusing(): boolean {
    return this.refusals.refusing;
  }

  /** Queries that gave a value so far: a poll cycle compares it before and after. */
  get answers(): number {
    return this.refusals.answers;
  }

  /** A new connection: no refusal counted yet. */
  resetRefusals(): void {
    this.refusals.reset();
  }

  /** Perhaps another unit: every query gets its own tier back until it proves dead again. */
  resetDeadQueries(): void {
    this.deadQueries.reset();
  }

  /** The tier a row is read with now: its own, or slow while it is dead. */
  tierOf(row: QueryRow | SettingRow): PollTier {
    return this.deadQueries.tierOf(row);
  }

  /**
   * A query gave a value (a reply in its format). Returns true when that ends a refusal:
   * availability goes online.
   */
  noteValue(row: QueryRow | SettingRow): boolean {
    if (this.deadQueries.noteValue(row)) {
      this.log.info(
        { query: row.id, opcode: row.wire.opcode, tier: row.tier },
        `query ${row.id} (${row.wire.opcode}) answered again: read with its own tier again`,
      );
    }
    if (!this.refusals.noteAnswer()) return false;
    this.log.info("the UPS answers queries again; availability online");
    return true;
  }

  /**
   * An `NA` to a query (`awake`: the unit is neither asleep nor off, when `NA` means something):
   * after DEAD_QUERY_NA_COUNT in a row, a fast or minmax one is read slowly.
   */
  noteNotAvailable(row: QueryRow | SettingRow, awake: boolean): void {
    if (!this.deadQueries.noteNotAvailable(row, awake)) return;
    const first = !this.reportedDead.has(row.id);
    this.reportedDead.add(row.id);
    this.log[first ? "info" : "debug"](
      {
        query: row.id,
        opcode: row.wire.opcode,
        tier: row.kind === "query" ? row.tier : "slow",
        na: DEAD_QUERY_NA_COUNT,
      },
      `query ${row.id} (${row.wire.opcode}) answered NA ${DEAD_QUERY_NA_COUNT} times in a row while the UPS answered others: now read with the slow tier (every slow_poll_interval_s) instead; it returns to its own tier when it gives a value`,
    );
  }

  /**
   * A fast poll cycle gave no value at all. Returns true when that makes the UPS refusing:
   * availability goes offline.
   */
  noteSilentCycle(asleepOrOff: boolean): boolean {
    if (!this.refusals.noteSilentCycle(asleepOrOff)) return false;
    this.log.warn(
      { cycles: this.refusals.refusalCycles },
      "the UPS refuses every query (NA or SM): its values are no longer current, so it is published offline until it answers again; check that it is not in a test, calibration or service mode, and its cable",
    );
    return true;
  }
}
