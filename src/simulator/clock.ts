// Time for the simulated unit. Every reading of the time and every timer of the simulator goes
// through a Clock, so tests can run the unit on fake time by passing their own; nothing else in
// src/simulator/ touches the global timer functions or Date.

/** Cancels a timer; calling it again, or after the timer ran, does nothing. */
export type Cancel = () => void;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once, `ms` from now (never before `after` returns). */
  after(ms: number, fn: () => void): Cancel;
  /** Runs `fn` every `ms` until cancelled. */
  every(ms: number, fn: () => void): Cancel;
}

/**
 * The real time. The globals are looked up at each call, not captured when this module loads, so
 * Vitest's fake timers (installed after import) drive it too.
 */
export const REAL_CLOCK: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
};
