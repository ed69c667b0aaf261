// Every timing and retry knob of the link in one place, with its default and allowed range. The
// config schema (`link.*`) exposes the user-facing ones; the rest are protocol facts with a little
// headroom (PROTOCOL-NOTES "Wire" and "Entering smart mode").

export interface LinkOptions {
  /** Wait for an ordinary reply (ms). Rows with a longer allowance (`a`, Ctrl-Z) keep theirs. */
  readonly queryTimeoutMs: number;
  /** Times a timed-out or garbled query is sent again; actions are never retried. */
  readonly queryRetries: number;
  /** `Y` → `SM` attempts before the UPS counts as not answering. */
  readonly handshakeRetries: number;
  /** Wait for `SM` after each `Y` (ms). */
  readonly handshakeTimeoutMs: number;
  /** First delay before reopening a lost port (ms); doubles up to `reconnectMaxMs`. */
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  /** Consecutive failed queries after which the link counts as lost. */
  readonly lostAfterFailures: number;
  /** After the ESC between handshake tries: silence before the next `Y`, so the two are not one request (ms). */
  readonly escSettleMs: number;
  /** Delay between the characters of a multi-character command (ms). */
  readonly charPacingMs: number;
  /** After the first character of `@ddd` or an entry: how long to watch for `NA` (ms). */
  readonly firstCharWaitMs: number;
  /** Capability probing without `a`: silence this long means "not supported" (ms). */
  readonly probeTimeoutMs: number;
  /** Pause before resending a query that answered out of step or `SM` to `Q` (ms). */
  readonly retryPauseMs: number;
}

export interface OptionRange {
  readonly min: number;
  readonly max: number;
  readonly doc: string;
}

export const DEFAULT_LINK_OPTIONS: LinkOptions = {
  queryTimeoutMs: 1500,
  queryRetries: 2,
  handshakeRetries: 5,
  handshakeTimeoutMs: 1500,
  reconnectMinMs: 1000,
  reconnectMaxMs: 30_000,
  lostAfterFailures: 3,
  escSettleMs: 500,
  charPacingMs: 50,
  firstCharWaitMs: 200,
  probeTimeoutMs: 800,
  retryPauseMs: 100,
};

export const LINK_OPTION_RANGES: Readonly<Record<keyof LinkOptions, OptionRange>> = {
  queryTimeoutMs: {
    min: 200,
    max: 10_000,
    doc: "reply wait for ordinary queries; real units answer in 50-160 ms",
  },
  queryRetries: { min: 0, max: 10, doc: "resends of a timed-out or garbled query (never actions)" },
  handshakeRetries: { min: 1, max: 50, doc: "Y → SM attempts, with ESC in between" },
  handshakeTimeoutMs: {
    min: 200,
    max: 10_000,
    doc: "wait for SM after each Y (PROTOCOL-NOTES: about 1.5 s)",
  },
  reconnectMinMs: { min: 100, max: 600_000, doc: "first reopen delay after a lost link" },
  reconnectMaxMs: { min: 100, max: 600_000, doc: "longest reopen delay (exponential backoff)" },
  lostAfterFailures: { min: 1, max: 100, doc: "consecutive failed queries that mean the link is lost" },
  escSettleMs: {
    min: 100,
    max: 5000,
    doc: "silence after the ESC before the next Y (an ESC and a Y 51 ms apart were taken as one request, NA)",
  },
  charPacingMs: {
    min: 10,
    max: 1000,
    doc: "gap between characters of @ddd and entries (PROTOCOL-NOTES: about 50 ms)",
  },
  firstCharWaitMs: {
    min: 50,
    max: 2000,
    doc: "watch for NA after the first character (PROTOCOL-NOTES: about 200 ms)",
  },
  probeTimeoutMs: { min: 100, max: 5000, doc: "silence that means unsupported when probing without `a`" },
  retryPauseMs: {
    min: 0,
    max: 5000,
    doc: "pause before resending a garbled query or a `Q` that answered `SM`",
  },
};

/**
 * The longest a UPS that falls silent stays reported online (ms): the next poll goes out within
 * one poll interval; its query is tried `1 + queryRetries` times; the link is then known to be
 * silent, so each following query gets one try, and `lostAfterFailures` failed queries in a row
 * lose the link. With the defaults (2 s poll): 2 + (2 + 3) × 1.5 = 9.5 s. README "Availability"
 * and the `link.lost_after_failures` doc state the same formula.
 */
export function offlineAfterSilenceMs(pollIntervalMs: number, options: LinkOptions): number {
  return pollIntervalMs + (options.queryRetries + options.lostAfterFailures) * options.queryTimeoutMs;
}

/** Defaults overlaid with the given values, each clamped into its range. */
export function resolveLinkOptions(partial: Partial<LinkOptions> = {}): LinkOptions {
  const out: Record<string, number> = {};
  for (const key of Object.keys(DEFAULT_LINK_OPTIONS) as (keyof LinkOptions)[]) {
    const range = LINK_OPTION_RANGES[key];
    const value = partial[key] ?? DEFAULT_LINK_OPTIONS[key];
    out[key] = Math.min(range.max, Math.max(range.min, Math.round(value)));
  }
  const resolved = out as unknown as LinkOptions;
  return resolved.reconnectMaxMs < resolved.reconnectMinMs
    ? { ...resolved, reconnectMaxMs: resolved.reconnectMinMs }
    : resolved;
}
