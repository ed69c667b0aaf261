// Smart mode (PROTOCOL-NOTES "Entering smart mode"): `Y` → `SM`, with ESC between tries to clear a
// half-typed command. Entered on every new connection, and again before the next request whenever
// the replies may be out of step (a late or misfit reply) or the UPS left smart mode (`R` → `BYE`).
import type { Logger } from "../log.js";
import { isUpsLinkError, UpsLinkError } from "../protocol/errors.js";
import type { Sleep } from "./pacing.js";
import type { Turn, Wire } from "./wire.js";

const Y = 0x59;
const ESC = 0x1b;

export interface HandshakeTimes {
  /** Wait for `SM` after each `Y`. */
  readonly handshakeTimeoutMs: number;
  /** Silence after the ESC between tries, before the next `Y`. */
  readonly escSettleMs: number;
}

export class SmartMode {
  /** Y is needed before the next request: a new connection, replies out of step, or `R`. */
  needed = true;
  readonly #wire: Wire;
  readonly #sleep: Sleep;
  readonly #times: HandshakeTimes;
  readonly #port: string;
  readonly #log: Logger;

  constructor(wire: Wire, sleep: Sleep, times: HandshakeTimes, port: string, log: Logger) {
    this.#wire = wire;
    this.#sleep = sleep;
    this.#times = times;
    this.#port = port;
    this.#log = log;
  }

  /** Enters smart mode if it is needed; `attempts` tries of `Y`. */
  async ensure(turn: Turn, attempts: number): Promise<void> {
    if (this.needed) await this.enter(turn, attempts);
  }

  /** `Y` until `SM` comes; throws `not_smart_mode` after `attempts` tries. */
  async enter(turn: Turn, attempts: number): Promise<void> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        // A unit given the ESC and the `Y` close together (51 ms was seen after a frozen line) took
        // them as one request and answered `NA`: the ESC is given time to be taken on its own.
        await this.#wire.write(turn, Uint8Array.of(ESC));
        await this.#sleep(this.#times.escSettleMs);
      }
      // Any other reply (the late answer to an earlier request) is ignored: only `SM` will do.
      const waiter = this.#wire.arm(turn, "line", (text) => text === "SM");
      await this.#wire.write(turn, Uint8Array.of(Y));
      try {
        await this.#wire.wait(waiter, this.#times.handshakeTimeoutMs);
        this.needed = false;
        this.#log.debug({ attempt }, "smart mode");
        return;
      } catch (error) {
        if (!isUpsLinkError(error) || error.code !== "timeout") throw error;
        this.#log.debug({ attempt }, "no SM");
      }
    }
    throw new UpsLinkError(
      "not_smart_mode",
      `No UPS answered on ${this.#port} (no SM after ${attempts} tries of Y): check that the cable is an APC smart-signalling cable (940-0024C or 940-0095B, not a simple-signalling or USB cable), that this is the right port, that the UPS is switched on, and that no other program (NUT, apcupsd) holds the port.`,
      { port: this.#port, attempts },
    );
  }
}
