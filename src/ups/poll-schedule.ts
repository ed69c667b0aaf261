// The polling tiers (issue 4, PROTOCOL-NOTES "How the well-known clients behave"):
// - fast: status and live readings every `pollIntervalMs`;
// - minmax: `M`/`N` reset on every read, so they are read on a fixed schedule only;
// - slow and identity: at start, every `slowIntervalS`, and slow again after a `|` alert.
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
): (QueryRow | SettingRow)[] {
  return CATALOGUE.filter(
    (row): row is Extract<(typeof CATALOGUE)[number], QueryRow | SettingRow> =>
      (row.kind === "query" || row.kind === "setting") && rowTier(row) === tier && isSupported(row.id),
  );
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
