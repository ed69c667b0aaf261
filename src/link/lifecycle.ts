// The link's state and health: connecting → online, offline when the port goes or the UPS stops
// answering (`lostAfterFailures` unanswered requests in a row; once one went unanswered the next
// get no retries, see `silent`), shutdown_expected while a UPS told to
// turn off may stay quiet. Each connection is a generation: a job holds a turn of the generation it
// started in, and once that is over it cannot touch the wire.
import type { Logger } from "../log.js";
import { UpsLinkError } from "../protocol/errors.js";
import type { Turn } from "./wire.js";

export type LinkState = "connecting" | "online" | "offline" | "shutdown_expected";

export interface LifecycleInit {
  /** The port's description, for messages. */
  readonly port: string;
  readonly lostAfterFailures: number;
  readonly log: Logger;
  /** Every change of state, once. */
  readonly onState: (state: LinkState) => void;
  /** The link was just lost (already offline, `down` is what waiting requests should get). */
  readonly onLost: (down: UpsLinkError) => void;
  /** While a shutdown is expected, silence means the replies may be out of step: `Y` next time. */
  readonly onQuiet: () => void;
}

export class LinkLifecycle {
  readonly #init: LifecycleInit;
  #state: LinkState = "offline";
  #running = false;
  /** Bumped on every new connection and on stop: jobs from before are stale and cannot write. */
  #generation = 0;
  /** Consecutive requests that went unanswered. */
  #failures = 0;
  #lastError: UpsLinkError | null = null;

  constructor(init: LifecycleInit) {
    this.#init = init;
  }

  get state(): LinkState {
    return this.#state;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Online or expecting a shutdown: requests may go on the wire. */
  get up(): boolean {
    return this.#running && (this.#state === "online" || this.#state === "shutdown_expected");
  }

  /** The last link error (port, handshake), for diagnostics; null while all is well. */
  get lastError(): UpsLinkError | null {
    return this.#lastError;
  }

  set lastError(error: UpsLinkError) {
    this.#lastError = error;
  }

  /** `start()`: running, connecting. */
  begin(): void {
    this.#running = true;
    this.#setState("connecting");
  }

  /** `stop()`: every turn is over; offline without an event (listeners are being dropped). */
  end(): void {
    this.#running = false;
    this.#generation++;
    this.#state = "offline";
  }

  /** A new connection attempt after a loss: jobs from before it are cut off the wire. */
  nextGeneration(): void {
    this.#generation++;
  }

  /** Smart mode entered on a fresh connection. */
  connected(): void {
    this.#failures = 0;
    this.#lastError = null;
    this.#setState("online");
  }

  /** The first attempt failed and nothing has marked the link offline yet: true when this call did. */
  failedToStart(): boolean {
    if (this.#state === "offline") return false;
    this.#setState("offline");
    return true;
  }

  /** The current connection, as a job that starts now sees it. */
  turn(): Turn {
    const generation = this.#generation;
    const isStale = (): boolean => generation !== this.#generation || !this.#running;
    const offline = (): UpsLinkError => this.offlineError();
    return {
      get stale() {
        return isStale();
      },
      check() {
        if (isStale()) throw offline();
      },
    };
  }

  /**
   * The last request went unanswered and nothing has answered since: a timeout now most likely
   * means a silent UPS, not a lost reply, so it is not worth waiting through retries for.
   */
  get silent(): boolean {
    return this.#failures > 0;
  }

  /** The UPS answered: the link is healthy, and a UPS expected to be off is evidently on. */
  succeeded(): void {
    this.#failures = 0;
    if (this.#state === "shutdown_expected") this.#setState("online");
  }

  /** A request went unanswered; enough of them in a row and the link is lost. */
  failed(error: UpsLinkError): void {
    // After S/K/Z/@ the UPS may stay quiet until it wakes: keep trying quietly.
    if (this.#state === "shutdown_expected") {
      this.#init.onQuiet();
      return;
    }
    this.#failures++;
    if (this.#failures < this.#init.lostAfterFailures) return;
    this.#init.log.warn({ failures: this.#failures, err: error.message }, "the UPS stopped answering");
    this.lose(
      new UpsLinkError(
        "link_down",
        `The UPS on ${this.#init.port} stopped answering (${this.#failures} failed requests in a row).`,
        { port: this.#init.port },
        { cause: error },
      ),
    );
  }

  /** The UPS may fall silent until it wakes (it said it is turning off). */
  expectSilence(): void {
    if (this.#state === "online") this.#setState("shutdown_expected");
  }

  /** The link is lost: offline, and the session fails what waits and reconnects. */
  lose(reason: UpsLinkError): void {
    if (!this.#running || this.#state === "offline") return;
    this.#lastError = reason;
    this.#generation++;
    this.#failures = 0;
    this.#setState("offline");
    this.#init.onLost(this.offlineError());
  }

  offlineError(): UpsLinkError {
    const detail = this.#lastError === null ? "" : ` (${this.#lastError.message})`;
    return new UpsLinkError("link_down", `The UPS link is down${detail}.`, { port: this.#init.port });
  }

  #setState(state: LinkState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#init.log.info({ state }, "link state");
    this.#init.onState(state);
  }
}
