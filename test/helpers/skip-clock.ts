// The real time, plus jumps: `skip(ms)` moves the clock forward at once and runs the timers that
// fall due on the way, while everything else runs in real time. For a unit's slow timers (the `!`
// repeated every 30 s of an outage) in a test that runs the real bridge and broker, where a
// ManualClock would freeze the replies the bridge waits for.
import type { Cancel, Clock } from "../../src/simulator/index.js";

interface Timer {
  due: number;
  readonly fn: () => void;
  readonly every: number | null;
  handle: ReturnType<typeof setTimeout> | null;
}

export class SkipClock implements Clock {
  #offset = 0;
  readonly #timers = new Set<Timer>();

  now(): number {
    return Date.now() + this.#offset;
  }

  after(ms: number, fn: () => void): Cancel {
    return this.#add({ due: this.now() + ms, fn, every: null, handle: null });
  }

  every(ms: number, fn: () => void): Cancel {
    if (!(ms > 0)) throw new Error(`every(${ms}): the period must be positive`);
    return this.#add({ due: this.now() + ms, fn, every: ms, handle: null });
  }

  /** Moves the time forward by `ms`: timers due by then run as soon as the event loop lets them. */
  skip(ms: number): void {
    this.#offset += ms;
    for (const timer of this.#timers) this.#arm(timer);
  }

  #add(timer: Timer): Cancel {
    this.#timers.add(timer);
    this.#arm(timer);
    return () => {
      if (timer.handle !== null) clearTimeout(timer.handle);
      this.#timers.delete(timer);
    };
  }

  #arm(timer: Timer): void {
    if (timer.handle !== null) clearTimeout(timer.handle);
    timer.handle = setTimeout(
      () => {
        timer.handle = null;
        if (timer.every === null) this.#timers.delete(timer);
        else {
          timer.due += timer.every;
          this.#arm(timer);
        }
        timer.fn();
      },
      Math.max(0, timer.due - this.now()),
    );
  }
}
