// Every timer the session starts goes through here, so `stop()` can clear them all at once and no
// sleeping procedure outlives the session (no leaks, no late writes after stop).

export class Timers {
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
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

  /** Resolves after `ms`; rejects with the error given to `clearAll` if that comes first. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cancel = this.after(ms, () => {
        this.#sleepers.delete(fail);
        resolve();
      });
      const fail = (error: unknown): void => {
        cancel();
        reject(error);
      };
      this.#sleepers.add(fail);
    });
  }

  get active(): number {
    return this.#timers.size;
  }

  clearAll(error: unknown): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const sleepers = [...this.#sleepers];
    this.#sleepers.clear();
    for (const fail of sleepers) fail(error);
  }
}
