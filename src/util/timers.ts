// The project's one timer registry. Every timer a long-lived object starts goes through its own
// `Timers`, so its stop can clear them all at once: no sleeping procedure outlives its owner (no
// late writes after a stop), and a stopped process has nothing left that keeps it alive, so it
// exits by itself.

/** What a cleared `sleep()` rejects with when `clearAll` is given no error. */
export class TimersCleared extends Error {
  constructor() {
    super("stopped");
    this.name = "TimersCleared";
  }
}

export class Timers {
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #intervals = new Set<ReturnType<typeof setInterval>>();
  readonly #sleepers = new Set<(error: unknown) => void>();

  /** Runs `fn` after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.#timers.delete(timer);
    };
  }

  /** Runs `fn` every `ms` until cancelled or cleared; returns a function that cancels it. */
  every(ms: number, fn: () => void): () => void {
    const interval = setInterval(fn, ms);
    this.#intervals.add(interval);
    return () => {
      clearInterval(interval);
      this.#intervals.delete(interval);
    };
  }

  /** Resolves after `ms`; rejects with the error given to `clearAll` if that comes first. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#wait(ms, resolve, reject);
    });
  }

  /**
   * Waits for `work` at most `ms` (a `clearAll` meanwhile ends the wait at once); true when `work`
   * settled in time, either way: a failure is the caller's to handle. The timer is gone afterwards.
   */
  async within(work: Promise<unknown>, ms: number): Promise<boolean> {
    let cancel = (): void => undefined;
    const timeout = new Promise<false>((resolve) => {
      cancel = this.#wait(
        ms,
        () => resolve(false),
        () => resolve(false),
      );
    });
    const settled = work.then(
      () => true as const,
      () => true as const,
    );
    try {
      return await Promise.race([settled, timeout]);
    } finally {
      cancel();
    }
  }

  /** A timer that `clearAll` fails; returns its cancel function. */
  #wait(ms: number, done: () => void, fail: (error: unknown) => void): () => void {
    const onClear = (error: unknown): void => {
      cancelTimer();
      fail(error);
    };
    const cancelTimer = this.after(ms, () => {
      this.#sleepers.delete(onClear);
      done();
    });
    this.#sleepers.add(onClear);
    return () => {
      cancelTimer();
      this.#sleepers.delete(onClear);
    };
  }

  /** Timers and intervals still pending. */
  get active(): number {
    return this.#timers.size + this.#intervals.size;
  }

  /** Clears every timer and interval; pending `sleep()`s reject with `error`. */
  clearAll(error: unknown = new TimersCleared()): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const interval of this.#intervals) clearInterval(interval);
    this.#intervals.clear();
    const sleepers = [...this.#sleepers];
    this.#sleepers.clear();
    for (const fail of sleepers) fail(error);
  }
}
