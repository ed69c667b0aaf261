// A clock that moves only when the test says so: timers run in time order (ties in the order they
// were set) as `advance` passes their due time, with `now()` reading that due time inside them.
import type { Cancel, Clock } from "../../src/simulator/index.js";

interface Timer {
  at: number;
  readonly seq: number;
  readonly fn: () => void;
  /** Repeat period, or null for a one-off. */
  readonly every: number | null;
}

export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();

  constructor(start = Date.UTC(2026, 5, 16, 7, 0, 0)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  after(ms: number, fn: () => void): Cancel {
    return this.#add(ms, fn, null);
  }

  every(ms: number, fn: () => void): Cancel {
    if (!(ms > 0)) throw new Error(`every(${ms}): the period must be positive`);
    return this.#add(ms, fn, ms);
  }

  /** Timers set and not yet run or cancelled. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves the time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = this.#next(end);
      if (next === null) break;
      const [id, timer] = next;
      this.#now = timer.at;
      if (timer.every === null) this.#timers.delete(id);
      else timer.at += timer.every;
      timer.fn();
    }
    this.#now = end;
  }

  #add(ms: number, fn: () => void, every: number | null): Cancel {
    const id = this.#seq++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), seq: id, fn, every });
    return () => {
      this.#timers.delete(id);
    };
  }

  #next(end: number): [number, Timer] | null {
    let best: [number, Timer] | null = null;
    for (const entry of this.#timers) {
      const timer = entry[1];
      if (timer.at > end) continue;
      if (best === null || timer.at < best[1].at || (timer.at === best[1].at && timer.seq < best[1].seq))
        best = entry;
    }
    return best;
  }
}
