// When to send a request again, and how long to wait before reopening a lost port. Pure functions:
// the session asks, these answer (zwave-js keeps retrying as a separate policy too).
import type { ErrorCode } from "../protocol/errors.js";

/** Failures worth a second try: silence, or a reply that does not fit the request (out of step). */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["timeout", "bad_reply"]);

/**
 * Whether a request that failed with `code` on attempt `attempt` (1-based) may be sent again.
 * `retry` is the request's own word: only queries say yes (an action resent after a lost reply
 * could run twice, and anything destructive never goes out a second time, seed "Safety").
 */
export function mayRetry(retry: boolean, code: ErrorCode, attempt: number, retries: number): boolean {
  if (!retry) return false;
  if (!RETRYABLE.has(code)) return false;
  return attempt <= retries;
}

/** Exponential backoff: min, 2·min, 4·min … capped at max (attempt is 1-based). */
export function reconnectDelay(attempt: number, minMs: number, maxMs: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(maxMs, minMs * 2 ** exponent);
}
