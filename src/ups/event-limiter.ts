// How many alert events go out (issue 17): a unit that puts an alert inside every reply, or a line
// that flaps, must not flood `<ups>/event`. Alerts beyond the limits still update the state; the
// model asks here only whether to publish the event.
import type { Logger } from "../log.js";
import { type EventId, type EventPair, eventById } from "../protocol/catalogue/index.js";

/**
 * Events published per alert kind and EVENT_WINDOW_MS: REPEAT_LIMIT for a kind repeating without
 * its opposite in between (`!` again before `$`; every `|`, `#`, `&`, `*`), EVENT_LIMIT in all
 * (a flapping line alternates `!` and `$`, each a real transition). Alerts beyond them still
 * update the state; they are counted and logged, not published.
 */
export const REPEAT_LIMIT = 5;
export const EVENT_LIMIT = 60;
export const EVENT_WINDOW_MS = 60_000;

interface EventWindow {
  start: number;
  count: number;
  repeats: number;
  dropped: number;
}

export class EventLimiter {
  private readonly windows = new Map<EventId, EventWindow>();
  /** The last event published of each pair of opposites (`line`: `line_fail` or its return). */
  private readonly lastOfPair = new Map<EventPair, EventId>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether an event of this kind may be published now; counts it when it may. */
  admit(event: EventId): boolean {
    const now = this.now();
    let window = this.windows.get(event);
    if (window === undefined || now - window.start >= EVENT_WINDOW_MS) {
      if (window !== undefined && window.dropped > 0) {
        this.log.warn(
          { event, dropped: window.dropped },
          "alerts of this kind beyond the rate limit were not published as events",
        );
      }
      window = { start: now, count: 0, repeats: 0, dropped: 0 };
      this.windows.set(event, window);
    }
    const pair = eventById(event).pair;
    // A kind without an opposite counts as repeating every time.
    const repeat = pair === null || this.lastOfPair.get(pair) === event;
    if (window.count >= EVENT_LIMIT || (repeat && window.repeats >= REPEAT_LIMIT)) {
      if (window.dropped === 0) {
        this.log.warn(
          { event, repeatLimit: REPEAT_LIMIT, limit: EVENT_LIMIT, windowS: EVENT_WINDOW_MS / 1000 },
          "too many alerts of one kind: further ones update the state but are not published as events until the window ends",
        );
      }
      window.dropped++;
      return false;
    }
    window.count++;
    if (repeat) window.repeats++;
    if (pair !== null) this.lastOfPair.set(pair, event);
    return true;
  }
}
