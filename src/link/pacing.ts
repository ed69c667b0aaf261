// How bytes go on the wire when one write is not enough (PROTOCOL-NOTES "Wire" and "Commands"):
// several characters one at a time, and two-press commands with the line held through the gap.
import { isUpsLinkError } from "../protocol/errors.js";
import type { ReplyMode } from "../protocol/types.js";
import type { Turn, Wire } from "./wire.js";

export interface PacingTimes {
  /** Delay between the characters after the second (about 50 ms). */
  readonly charPacingMs: number;
  /** After the first character: how long to watch for a refusal before sending the rest (about 200 ms). */
  readonly firstCharWaitMs: number;
}

export type Sleep = (ms: number) => Promise<void>;

/**
 * Multi-character sends (`@ddd`, the 8 characters of a `c` or `x` entry): about 50 ms per
 * character; after the first, wait about 200 ms. A reply that comes before the last character
 * (`NA` to `@`, `NO` to `-` while a DIP switch locks edits) ends the send at once and is returned:
 * the remaining characters never go out (otherwise the digits would run as commands). `mode` null:
 * nothing is expected back; returns "" after a short wait, or the refusal if one came.
 */
export async function sendPaced(
  wire: Wire,
  turn: Turn,
  bytes: Uint8Array,
  mode: ReplyMode | null,
  timeoutMs: number,
  sleep: Sleep,
  times: PacingTimes,
): Promise<string> {
  if (bytes.length === 0) return "";
  // With nothing expected back, a refusal (`NO` while a DIP switch is on, `NA`) still comes at
  // once: listen for it.
  const waiter = wire.arm(turn, mode ?? "line");
  for (let index = 0; index < bytes.length; index++) {
    if (index === 1) await sleep(times.firstCharWaitMs);
    else if (index > 1) await sleep(times.charPacingMs);
    if (waiter.settled) return waiter.promise;
    await wire.write(turn, bytes.subarray(index, index + 1));
  }
  if (mode !== null) return wire.wait(waiter, timeoutMs);
  await sleep(times.firstCharWaitMs);
  if (waiter.settled) return waiter.promise;
  wire.disarm(waiter);
  return "";
}

/**
 * The characters of an entry that has begun (`c`, `x` after `-`): every character goes out, paced,
 * whatever comes back meanwhile. Stopping half-way would leave the UPS waiting for the rest, and the
 * next bytes on the wire (polls) would become the stored value. Lines that arrive before the last
 * character are collected (`early`); `reply` is the line after the last character ("" when silent).
 */
export async function sendWhole(
  wire: Wire,
  turn: Turn,
  bytes: Uint8Array,
  timeoutMs: number,
  sleep: Sleep,
  times: PacingTimes,
): Promise<{ readonly early: readonly string[]; readonly reply: string }> {
  const early: string[] = [];
  let waiter = wire.arm(turn, "line");
  for (let index = 0; index < bytes.length; index++) {
    if (index > 0) await sleep(times.charPacingMs);
    if (waiter.settled) {
      early.push(await waiter.promise);
      waiter = wire.arm(turn, "line");
    }
    await wire.write(turn, bytes.subarray(index, index + 1));
  }
  try {
    return { early, reply: await wire.wait(waiter, timeoutMs) };
  } catch (error) {
    // Silence after the last character: the caller reads the value back to learn what happened.
    if (isUpsLinkError(error) && error.code === "timeout") return { early, reply: "" };
    throw error;
  }
}

/**
 * Two-press commands (K, Z, Ctrl-N): the same bytes twice, `gapMs` apart, nothing in between (a
 * poll in the gap cancels the command). The caller holds the queue, so the line stays ours.
 */
export async function pressTwice(
  wire: Wire,
  turn: Turn,
  bytes: Uint8Array,
  mode: ReplyMode,
  gapMs: number,
  timeoutMs: number,
  sleep: Sleep,
): Promise<string> {
  await wire.write(turn, bytes);
  await sleep(gapMs);
  return wire.exchange(turn, bytes, mode, timeoutMs);
}
