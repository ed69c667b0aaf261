// Which alerts go out as events (issues 12 and 17). One event per transition: a unit repeats `!`
// every 30 s during an outage and `#` every 5 h, and a repeat is not news. A unit that puts an alert
// inside every reply, or a line that flaps, must not flood `<ups>/event` either. Alerts that are
// not published still update the state (the model patches and re-reads as for any alert); the
// model asks here only whether to publish the event.
import type { Logger } from "../log.js";
import { type EventId, type EventPair, type EventRow, eventById } from "../protocol/catalogue/index.js";
import { patchMasks } from "../protocol/decoders.js";
import type { RegisterName } from "../protocol/types.js";

/**
 * Events published per alert kind and EVENT_WINDOW_MS: EVENT_LIMIT in all (a flapping line
 * alternates `!` and `$`, each a real transition); REPEAT_LIMIT for a kind with no transition to
 * tell a repeat by (no opposite and no register bit: `|`, `&`, `*`, each taken as a real change).
 * Alerts beyond them still update the state; they are counted and logged, not published.
 */
export const REPEAT_LIMIT = 5;
export const EVENT_LIMIT = 60;
export const EVENT_WINDOW_MS = 60_000;

interface EventWindow {
  start: number;
  count: number;
  dropped: number;
}

/**
 * How a kind's repeats are told apart from its transitions, from its event row:
 * - `pair`: paired with an opposite (`!`/`$`, `%`/`+`, `?`/`=`): a repeat of the last one published
 *   of its pair is not an event until the opposite is published, or a register read shows the
 *   condition it reported gone (the opposite was lost).
 * - `condition`: no opposite but a register bit it sets (`#`, replace battery): published once per
 *   condition, again only after a register read shows the bit cleared.
 * - `change`: neither (`|`, `&`, `*`): every alert is a change, within REPEAT_LIMIT a window.
 */
export type RepeatRule = "pair" | "condition" | "change";

export function repeatRule(row: EventRow): RepeatRule {
  if (row.pair !== null) return "pair";
  return row.patch !== null && row.patch.set.length > 0 ? "condition" : "change";
}

export class EventLimiter {
  private readonly windows = new Map<EventId, EventWindow>();
  /**
   * Kinds whose last published alert still stands, with the alert count it was published at: a
   * further one is a repeat. Publishing one of a pair removes its opposite.
   */
  private readonly standing = new Map<EventId, number>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether an event of this kind may be published now (alert count `seq`); counts it when it may.
   * A repeat is never published; a transition is, within the limits.
   */
  admit(event: EventId, seq = 0): boolean {
    const row = eventById(event);
    const rule = repeatRule(row);
    if (rule !== "change" && this.standing.has(event)) {
      this.log.debug({ event }, "alert repeats one already published: the state is refreshed, no new event");
      return false;
    }
    const now = this.now();
    let window = this.windows.get(event);
    if (window === undefined || now - window.start >= EVENT_WINDOW_MS) {
      if (window !== undefined && window.dropped > 0) {
        this.log.warn(
          { event, dropped: window.dropped },
          "alerts of this kind beyond the rate limit were not published as events",
        );
      }
      window = { start: now, count: 0, dropped: 0 };
      this.windows.set(event, window);
    }
    const limit = rule === "change" ? REPEAT_LIMIT : EVENT_LIMIT;
    if (window.count >= limit) {
      if (window.dropped === 0) {
        this.log.warn(
          { event, limit, windowS: EVENT_WINDOW_MS / 1000 },
          "too many alerts of one kind: further ones update the state but are not published as events until the window ends",
        );
      }
      window.dropped++;
      return false;
    }
    window.count++;
    if (rule === "pair") this.forgetPair(row.pair);
    if (rule !== "change") this.standing.set(event, seq);
    return true;
  }

  /**
   * A read of `register` (holding `byte`) started at alert count `seqAtStart`: a standing kind whose
   * condition the read shows gone is a transition again. A read started before the kind was
   * published cannot say (it may predate the alert).
   */
  observe(register: RegisterName, byte: number, seqAtStart: number): void {
    for (const [event, seq] of this.standing) {
      const patch = eventById(event).patch;
      if (patch === null || patch.register !== register || seqAtStart < seq) continue;
      const { set, clear } = patchMasks(patch);
      if ((byte & set) !== set || (byte & clear) !== 0) this.standing.delete(event);
    }
  }

  private forgetPair(pair: EventPair | null): void {
    for (const event of this.standing.keys()) {
      if (eventById(event).pair === pair) this.standing.delete(event);
    }
  }
}
