// Reopening a lost port: exponential backoff from `reconnectMinMs` up to `reconnectMaxMs`, back to
// the shortest delay once the link is online again. One attempt at a time, each on a tracked timer.
import type { Logger } from "../log.js";
import { reconnectDelay } from "./retry.js";
import type { Timers } from "./timers.js";

export interface ReconnectTimes {
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
}

export interface ReconnectHooks {
  /** False once the session is stopped: nothing more is tried. */
  readonly running: () => boolean;
  /** One attempt: open the port and enter smart mode. */
  readonly connect: () => Promise<void>;
  /** The attempt failed: note why and close the port before the next one. */
  readonly failed: (error: unknown) => Promise<void>;
}

export class Reconnector {
  readonly #timers: Timers;
  readonly #times: ReconnectTimes;
  readonly #log: Logger;
  readonly #hooks: ReconnectHooks;
  #attempt = 0;

  constructor(timers: Timers, times: ReconnectTimes, log: Logger, hooks: ReconnectHooks) {
    this.#timers = timers;
    this.#times = times;
    this.#log = log;
    this.#hooks = hooks;
  }

  /** The link is up: the next loss starts again from the shortest delay. */
  reset(): void {
    this.#attempt = 0;
  }

  /** Tries again after the next delay of the backoff, and keeps trying until connected or stopped. */
  schedule(): void {
    if (!this.#hooks.running()) return;
    this.#attempt++;
    const delay = reconnectDelay(this.#attempt, this.#times.reconnectMinMs, this.#times.reconnectMaxMs);
    this.#log.debug({ attempt: this.#attempt, delay }, "reconnecting");
    this.#timers.after(delay, () => {
      void this.#try();
    });
  }

  async #try(): Promise<void> {
    if (!this.#hooks.running()) return;
    try {
      await this.#hooks.connect();
      this.#log.info("UPS link back online");
    } catch (error) {
      if (!this.#hooks.running()) return;
      await this.#hooks.failed(error);
      this.schedule();
    }
  }
}
