// The link to one UPS, in bytes: this file wires the pieces together and opens and closes the port.
// Each job has its own module:
//   wire.ts       bytes out and in, alerts the moment they arrive, each reply to the waiter that
//                 was registered before the write (waiter.ts)
//   queue.ts      one job on the wire at a time, `user` ahead of `poll`
//   request.ts    what a caller asks for, as data, and how one request runs (retries, effects)
//   pacing.ts     characters one at a time, two-press commands holding the line through the gap
//   handshake.ts  Y → SM, with ESC between tries
//   lifecycle.ts  the link's state and health, and which jobs may still touch the wire
//   reconnect.ts  reopening a lost port with backoff
//
// Knows nothing of MQTT, nor of the catalogue's rows: callers say what to send, how, and what the
// replies do to the line; the UPS layer builds those requests from rows (src/ups/requests.ts).
import type { Logger } from "../log.js";
import { asUpsLinkError, UpsLinkError } from "../protocol/errors.js";
import { TypedEmitter } from "../util/emitter.js";
import { Timers } from "../util/timers.js";
import { SmartMode } from "./handshake.js";
import { LinkLifecycle, type LinkState } from "./lifecycle.js";
import { type LinkOptions, resolveLinkOptions } from "./options.js";
import { type Priority, RequestQueue } from "./queue.js";
import { Reconnector } from "./reconnect.js";
import {
  type ExclusiveLine,
  holdLine,
  type LinkExchange,
  type LinkRequest,
  type ProbeOptions,
  type RequestContext,
  runProbe,
  runRequest,
} from "./request.js";
import type { Transport } from "./transport.js";
import { type AlertEvent, type Turn, Wire } from "./wire.js";

export type { LinkState } from "./lifecycle.js";
export type { Priority } from "./queue.js";
export type { ExclusiveLine, LinkExchange, LinkRequest, ProbeOptions, ReplyProblem } from "./request.js";
export type { AlertEvent } from "./wire.js";

export interface LinkSessionEvents {
  alert: (alert: AlertEvent) => void;
  state: (state: LinkState) => void;
}

export interface LinkSessionInit {
  readonly transport: Transport;
  readonly logger: Logger;
  readonly options?: Partial<LinkOptions>;
  /**
   * Keep reopening the port after a failure (the bridge). False for one-shot use (`probe`):
   * `start()` then rejects with the first failure and a lost link stays offline.
   */
  readonly reconnect?: boolean;
}

export class LinkSession extends TypedEmitter<LinkSessionEvents> {
  readonly transport: Transport;
  readonly options: LinkOptions;
  readonly #log: Logger;
  readonly #keepReconnecting: boolean;
  readonly #timers = new Timers();
  readonly #life: LinkLifecycle;
  readonly #wire: Wire;
  readonly #smartMode: SmartMode;
  readonly #queue: RequestQueue;
  readonly #reconnector: Reconnector;
  readonly #context: RequestContext;

  readonly #onData = (chunk: Uint8Array): void => this.#wire.receive(chunk);
  readonly #onClose = (error: Error | null): void => {
    const reason =
      error === null
        ? new UpsLinkError("port_closed", `${this.transport.description} closed.`)
        : asUpsLinkError(error, "port_closed");
    this.#log.warn({ err: reason.message }, "transport closed");
    this.#life.lose(reason);
  };

  constructor(init: LinkSessionInit) {
    super();
    this.transport = init.transport;
    this.options = resolveLinkOptions(init.options);
    const log = init.logger.child({ module: "link", port: init.transport.description });
    this.#log = log;
    this.#keepReconnecting = init.reconnect ?? true;
    const sleep = (ms: number): Promise<void> => this.#timers.sleep(ms);
    this.#life = new LinkLifecycle({
      port: this.transport.description,
      lostAfterFailures: this.options.lostAfterFailures,
      log,
      onState: (state) => this.emit("state", state),
      onLost: (down) => this.#lost(down),
      onQuiet: () => {
        this.#smartMode.needed = true;
      },
    });
    this.#wire = new Wire({
      transport: this.transport,
      log,
      timers: this.#timers,
      onAlert: (alert) => this.emit("alert", alert),
      onUnsolicited: () => {
        this.#smartMode.needed = true;
      },
      onWriteError: (failure) => {
        // A port that cannot be written to is lost, whatever the read side says.
        if (failure.code === "port_closed" && this.#life.state !== "connecting") this.#life.lose(failure);
      },
    });
    this.#smartMode = new SmartMode(this.#wire, sleep, this.options, this.transport.description, log);
    this.#queue = new RequestQueue(() => this.#life.up);
    this.#reconnector = new Reconnector(this.#timers, this.options, log, {
      running: () => this.#life.running,
      connect: async () => {
        // A job from before the loss may still be unwinding; it cannot touch the wire (stale turn).
        this.#life.nextGeneration();
        this.#wire.fail(this.#life.offlineError());
        await this.#connect();
      },
      failed: async (error) => {
        this.#life.lastError = asUpsLinkError(error, "link_down");
        log.debug({ err: this.#life.lastError?.message }, "reconnect failed");
        await this.transport.close().catch(() => undefined);
      },
    });
    const life = this.#life;
    this.#context = {
      options: this.options,
      wire: this.#wire,
      smartMode: this.#smartMode,
      log,
      sleep,
      get running() {
        return life.running;
      },
      get silent() {
        return life.silent;
      },
      resync: (turn) => this.#resync(turn),
      succeeded: () => life.succeeded(),
      failed: (error) => life.failed(error),
      expectSilence: () => life.expectSilence(),
    };
  }

  get state(): LinkState {
    return this.#life.state;
  }

  /** The last link error (port, handshake), for diagnostics; null while all is well. */
  get lastError(): UpsLinkError | null {
    return this.#life.lastError;
  }

  /** Subscribes; returns the unsubscribe function (the UPS layer's `UpsLink` shape). */
  onAlert(listener: (alert: AlertEvent) => void): () => void {
    this.on("alert", listener);
    return () => this.off("alert", listener);
  }

  onState(listener: (state: LinkState) => void): () => void {
    this.on("state", listener);
    return () => this.off("state", listener);
  }

  // ----- requests -----

  /**
   * Runs a request once it holds the line and returns the raw reply text. Throws UpsLinkError:
   * `timeout`, `bad_reply` (the request's check failed), `not_smart_mode`, `link_down`.
   */
  request(req: LinkRequest): Promise<string> {
    return this.#enqueue(req.priority, (turn) => runRequest(this.#context, req, turn));
  }

  /** A question whose silence is an answer (capability probing): the reply, or null when silent. */
  probe(exchange: LinkExchange, options: ProbeOptions = {}): Promise<string | null> {
    return this.#enqueue("user", (turn) => runProbe(this.#context, exchange, options, turn));
  }

  /** Holds the line for a multi-step procedure (setting edits); nothing else interleaves. */
  exclusive<T>(fn: (line: ExclusiveLine) => Promise<T>): Promise<T> {
    return this.#enqueue("user", async (turn) => {
      await this.#resync(turn);
      const held = holdLine(this.#context, turn);
      try {
        return await fn(held.line);
      } finally {
        held.release();
      }
    });
  }

  /**
   * The alert bytes the unit lists in the alert field of its `a` reply, parsed by the caller: each
   * is an alert of this session from now on, taken out of replies wherever it arrives (the
   * catalogue's alerts always are). Kept across reconnects until the next `a` replaces it.
   */
  declareAlerts(bytes: readonly number[]): void {
    this.#wire.declareAlerts(bytes);
  }

  /**
   * The UPS said it is about to turn its load off (an alert the caller knows to mean so): silence
   * from now on is expected, not a lost link, until it answers again.
   */
  expectSilence(): void {
    this.#life.expectSilence();
  }

  // ----- the port -----

  /**
   * Opens the transport and enters smart mode. Resolves once the first attempt is over: online, or
   * (with `reconnect`) offline with reconnection running in the background. Without `reconnect`
   * the first failure is thrown (port errors as they are, `not_smart_mode` when no `SM` came).
   */
  async start(): Promise<void> {
    if (this.#life.running) return;
    this.transport.on("data", this.#onData);
    this.transport.on("close", this.#onClose);
    this.#life.begin();
    try {
      await this.#connect();
    } catch (error) {
      const reason = asUpsLinkError(error, "link_down");
      this.#life.lastError = reason;
      if (!this.#keepReconnecting) {
        await this.stop();
        throw reason;
      }
      this.#log.warn({ err: reason.message, code: reason.code }, "UPS not reachable; will keep trying");
      this.#queue.rejectAll(this.#life.offlineError());
      // A transport close during the attempt has already gone through the loss (and scheduled).
      if (this.#life.failedToStart()) {
        await this.transport.close().catch(() => undefined);
        this.#reconnector.schedule();
      }
    }
  }

  /** Stops everything: timers, queued and in-flight requests (rejected), listeners, the port. */
  async stop(): Promise<void> {
    if (!this.#life.running) return;
    this.#life.end();
    const stopped = new UpsLinkError("link_down", "The link to the UPS was stopped.");
    this.#timers.clearAll(stopped);
    this.#wire.fail(stopped);
    this.#queue.rejectAll(stopped);
    this.transport.off("data", this.#onData);
    this.transport.off("close", this.#onClose);
    this.clearListeners();
    try {
      await this.transport.close();
      await this.transport.dispose?.();
    } catch (error) {
      this.#log.debug({ err: String(error) }, "closing the transport failed");
    }
  }

  #enqueue<T>(priority: Priority, run: (turn: Turn) => Promise<T>): Promise<T> {
    if (!this.#life.running) {
      return Promise.reject(new UpsLinkError("link_down", "The link to the UPS is not started."));
    }
    if (this.#life.state === "offline") return Promise.reject(this.#life.offlineError());
    return this.#queue.run(priority, () => run(this.#life.turn()));
  }

  async #connect(): Promise<void> {
    const turn = this.#life.turn();
    await this.transport.open();
    turn.check();
    this.#wire.reset("new connection");
    this.#smartMode.needed = true;
    await this.#smartMode.enter(turn, this.options.handshakeRetries);
    this.#reconnector.reset();
    this.#life.connected();
    this.#queue.pump();
  }

  #resync(turn: Turn): Promise<void> {
    // While the UPS is expected to be off, one quiet attempt per request is enough.
    const attempts = this.#life.state === "shutdown_expected" ? 1 : this.options.handshakeRetries;
    return this.#smartMode.ensure(turn, attempts);
  }

  /** Lost (already offline): fail what waits, close the port, and (with `reconnect`) reopen with backoff. */
  #lost(down: UpsLinkError): void {
    this.#smartMode.needed = true;
    this.#wire.fail(down);
    this.#queue.rejectAll(down);
    this.transport.close().catch((error: unknown) => this.#log.debug({ err: String(error) }, "close failed"));
    if (this.#keepReconnecting) this.#reconnector.schedule();
  }
}
