// The simulated unit's timers, all on its Clock. Named timers are the unit's pending events (one of
// each at most: scheduling a name again replaces it); one-shots are paced bytes and late replies.
// `stop()` cancels everything, and nothing is scheduled after it.
import type { Cancel, Clock } from "./clock.js";

export type TimerName =
  | "power-on"
  | "shutdown"
  | "restart"
  | "line-fail-repeat"
  | "replace-battery"
  | "measure"
  | "eeprom"
  | "self-test"
  | "simulated-failure"
  | "garbage";

export class SimTimers {
  readonly #clock: Clock;
  readonly #named = new Map<TimerName, Cancel>();
  readonly #oneShots = new Set<Cancel>();
  readonly #repeating = new Set<Cancel>();
  #stopped = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Runs `fn` after `ms` under `name`, replacing a pending timer of that name. */
  schedule(name: TimerName, ms: number, fn: () => void): void {
    this.cancel(name);
    if (this.#stopped) return;
    const cancel = this.#clock.after(ms, () => {
      this.#named.delete(name);
      fn();
    });
    this.#named.set(name, cancel);
  }

  has(name: TimerName): boolean {
    return this.#named.has(name);
  }

  cancel(name: TimerName): void {
    this.#named.get(name)?.();
    this.#named.delete(name);
  }

  /** Runs `fn` after `ms`; any number may be pending. */
  oneShot(ms: number, fn: () => void): void {
    if (this.#stopped) return;
    const cancel = this.#clock.after(ms, () => {
      this.#oneShots.delete(cancel);
      fn();
    });
    this.#oneShots.add(cancel);
  }

  /** Runs `fn` every `ms` until stop. */
  every(ms: number, fn: () => void): void {
    if (this.#stopped) return;
    this.#repeating.add(this.#clock.every(ms, fn));
  }

  stop(): void {
    this.#stopped = true;
    for (const cancel of this.#repeating) cancel();
    this.#repeating.clear();
    for (const cancel of this.#named.values()) cancel();
    this.#named.clear();
    for (const cancel of this.#oneShots) cancel();
    this.#oneShots.clear();
  }
}
