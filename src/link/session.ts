// The link to one UPS: smart-mode handshake, one request on the wire at a time with `user` ahead of
// `poll`, per-row timeouts, bounded retries for queries only, two-press and paced commands, alerts
// delivered the moment their byte arrives, capability discovery, and reconnecting after a loss.
//
// Knows nothing of MQTT. Replies are returned raw; decoding is the UPS layer's job (`read` is a
// convenience that decodes with the row's decoder).
import type { Logger } from "../log.js";
import { CATALOGUE, findRow } from "../protocol/catalogue.js";
import { asUpsLinkError, isUpsLinkError, UpsLinkError } from "../protocol/errors.js";
import { escapeBytes } from "../protocol/escape.js";
import { FrameParser } from "../protocol/frames.js";
import type { CatalogueRow, Frame, ParamSpec, ReplyMode, Value } from "../protocol/types.js";
import {
  type Capabilities,
  discoverCapabilities,
  type ProbeOptions,
  type ProbeOutcome,
} from "./capabilities.js";
import { TypedEmitter } from "./emitter.js";
import { type LinkOptions, resolveLinkOptions } from "./options.js";
import { type Priority, RequestQueue } from "./queue.js";
import { mayRetry, reconnectDelay } from "./retry.js";
import { Timers } from "./timers.js";
import type { Transport } from "./transport.js";

export type { Priority } from "./queue.js";

export type LinkState = "connecting" | "online" | "offline" | "shutdown_expected";

export interface AlertEvent {
  /** The seed's event id (`line_fail`, `low_battery`, …). */
  readonly event: string;
  readonly byte: number;
  readonly at: Date;
  /**
   * The byte came with line noise (bytes no UPS sends, in the same read or within the last
   * second): it may be noise that happens to look like an alert. Confirm before trusting it.
   */
  readonly suspect: boolean;
}

export interface LinkSessionEvents {
  alert: (alert: AlertEvent) => void;
  state: (state: LinkState) => void;
}

/** The line held by `exclusive`: nothing else reaches the wire until the procedure returns. */
export interface ExclusiveLine {
  /** Sends a row's opcode; returns the raw reply (`NA`, `NO` included: the procedure decides). */
  query(rowId: string): Promise<string>;
  /**
   * Sends bytes; more than one byte goes out paced (about 50 ms apart) with the first-character
   * `NA` check, and then `NA` is returned at once without sending the rest. `mode` null: no reply
   * is expected (the `-` before a `c`/`x` or alarm-mask entry): returns "" after a short wait, or
   * the refusal (`NO`, `NA`) if one came.
   */
  send(bytes: Uint8Array, mode?: ReplyMode | null): Promise<string>;
  /** `send` for text (Latin-1), e.g. the 8 characters of a `c` or `x` entry. */
  sendText(text: string, mode?: ReplyMode | null): Promise<string>;
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

export interface QueryOptions {
  readonly priority?: Priority;
}

/** Alerts within this long of line noise are flagged `suspect` (about 240 characters at 2400 baud). */
const NOISE_WINDOW_MS = 1000;

/** Bytes a UPS never sends outside `a` and Ctrl-Z: controls other than CR, LF and NUL padding, and high bytes. */
function isNoiseByte(byte: number): boolean {
  return byte >= 0x7f || (byte < 0x20 && byte !== 0x0d && byte !== 0x0a && byte !== 0x00);
}

const Y = 0x59;
const ESC = 0x1b;

/** After these succeed the UPS may go quiet until it wakes: expected, not a lost link (notes). */
const SHUTDOWN_ACTIONS: ReadonlySet<string> = new Set([
  "turn_off_after_delay",
  "turn_off_immediate",
  "shutdown_on_battery",
  "shutdown_delayed_wake",
]);

interface Waiter {
  readonly mode: ReplyMode;
  /** Replies this waiter does not take are ignored (the handshake waits for `SM` only). */
  readonly accept: (text: string) => boolean;
  readonly promise: Promise<string>;
  settled: boolean;
  resolve(text: string): void;
  reject(error: unknown): void;
}

/** A job's view of the connection it started on: a reconnect in between makes it stale. */
interface Turn {
  readonly generation: number;
}

export class LinkSession extends TypedEmitter<LinkSessionEvents> {
  readonly transport: Transport;
  readonly options: LinkOptions;
  readonly #log: Logger;
  readonly #reconnect: boolean;
  readonly #parser = new FrameParser();
  readonly #queue = new RequestQueue();
  readonly #timers = new Timers();

  #state: LinkState = "offline";
  #running = false;
  #busy = false;
  #generation = 0;
  #pending: Waiter | null = null;
  #needsHandshake = true;
  #failures = 0;
  /** When line noise was last seen (Date.now()); alerts close to it are suspect. */
  #lastNoiseAt = Number.NEGATIVE_INFINITY;
  #reconnectAttempt = 0;
  #lastError: UpsLinkError | null = null;
  #capabilities: Capabilities | null = null;
  /** Rows that have given a real answer: a later `NA` from them is "not now", not "unsupported". */
  readonly #answered = new Set<string>();
  readonly #unsupported = new Set<string>();

  readonly #onData = (chunk: Uint8Array): void => this.#receive(chunk);
  readonly #onClose = (error: Error | null): void => {
    const reason =
      error === null
        ? new UpsLinkError("port_closed", `${this.transport.description} closed.`)
        : asUpsLinkError(error, "port_closed");
    this.#log.warn({ err: reason.message }, "transport closed");
    this.#lose(reason);
  };

  constructor(init: LinkSessionInit) {
    super();
    this.transport = init.transport;
    this.options = resolveLinkOptions(init.options);
    this.#log = init.logger.child({ module: "link", port: init.transport.description });
    this.#reconnect = init.reconnect ?? true;
  }

  get state(): LinkState {
    return this.#state;
  }

  /** The last link error (port, handshake), for diagnostics; null while all is well. */
  get lastError(): UpsLinkError | null {
    return this.#lastError;
  }

  /** What the last `discover()` found. */
  get capabilities(): Capabilities | null {
    return this.#capabilities;
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

  // ----- lifecycle -----

  /**
   * Opens the transport and enters smart mode. Resolves once the first attempt is over: online, or
   * (with `reconnect`) offline with reconnection running in the background. Without `reconnect`
   * the first failure is thrown (port errors as they are, `not_smart_mode` when no `SM` came).
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.transport.on("data", this.#onData);
    this.transport.on("close", this.#onClose);
    this.#setState("connecting");
    try {
      await this.#connect();
    } catch (error) {
      const reason = asUpsLinkError(error, "link_down");
      this.#lastError = reason;
      if (!this.#reconnect) {
        await this.stop();
        throw reason;
      }
      this.#log.warn({ err: reason.message, code: reason.code }, "UPS not reachable; will keep trying");
      this.#queue.rejectAll(this.#offlineError());
      // A transport close during the attempt has already gone through #lose (and scheduled).
      if (this.#state !== "offline") {
        this.#setState("offline");
        await this.transport.close().catch(() => undefined);
        this.#scheduleReconnect();
      }
    }
  }

  /** Stops everything: timers, queued and in-flight requests (rejected), listeners, the port. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#generation++;
    const stopped = new UpsLinkError("link_down", "The link to the UPS was stopped.");
    this.#timers.clearAll(stopped);
    this.#failPending(stopped);
    this.#queue.rejectAll(stopped);
    this.transport.off("data", this.#onData);
    this.transport.off("close", this.#onClose);
    this.clearListeners();
    this.#state = "offline";
    try {
      await this.transport.close();
      await this.transport.dispose?.();
    } catch (error) {
      this.#log.debug({ err: String(error) }, "closing the transport failed");
    }
  }

  // ----- requests -----

  /** A query's (or setting's) raw reply. Throws UpsLinkError: not_supported, timeout, bad_reply, link_down. */
  async query(rowId: string, options: QueryOptions | Priority = {}): Promise<string> {
    const priority = typeof options === "string" ? options : (options.priority ?? "poll");
    const row = this.#row(rowId, ["query", "setting"]);
    if (this.#unsupported.has(row.id)) throw notSupported(row, false);
    return this.#enqueue(priority, (turn) => this.#runQuery(row, turn));
  }

  /** A query decoded with its row's decoder (bad_reply when the reply does not decode). */
  async read(rowId: string, options: QueryOptions | Priority = {}): Promise<Value> {
    const row = this.#row(rowId, ["query", "setting"]);
    const text = await this.query(rowId, options);
    if (row.decode === null) return text;
    const decoded = row.decode(text);
    if (!decoded.ok) throw badReply(row, text, decoded.error);
    return decoded.value;
  }

  /**
   * Runs an action: two-press commands with the line held through the gap, parameters paced one
   * character at a time. Never retried. `NA` → not_supported, `NO`/`ERR` → refused_by_ups.
   */
  async action(rowId: string, params: Readonly<Record<string, Value>> = {}): Promise<string> {
    const row = this.#row(rowId, ["action"]);
    const bytes = encodeAction(row, params);
    return this.#enqueue("user", (turn) => this.#runAction(row, bytes, turn));
  }

  /** Holds the line for a multi-step procedure (setting edits); nothing else interleaves. */
  async exclusive<T>(fn: (line: ExclusiveLine) => Promise<T>): Promise<T> {
    return this.#enqueue("user", async (turn) => {
      await this.#resyncIfNeeded(turn);
      let open = true;
      const guard = (): void => {
        if (!open) throw new UpsLinkError("busy", "The exclusive line was used after its procedure ended.");
      };
      const send = async (bytes: Uint8Array, mode: ReplyMode | null = "line"): Promise<string> => {
        guard();
        // An entry (`c`, `x`, alarm mask) is answered after its last character; allow for a slow unit.
        return this.#sendPaced(turn, bytes, mode, Math.max(this.options.queryTimeoutMs, 3000), false);
      };
      const line: ExclusiveLine = {
        query: async (rowId) => {
          guard();
          const row = this.#row(rowId, ["query", "setting", "modifier"]);
          return this.#request(turn, Uint8Array.from(row.wire.bytes), row.replyMode, this.#timeoutFor(row));
        },
        send,
        sendText: (text, mode) =>
          send(
            Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff),
            mode,
          ),
      };
      try {
        return await fn(line);
      } finally {
        open = false;
      }
    });
  }

  /** Learns identity, supported rows, alerts and allowed setting values (see capabilities.ts). */
  async discover(): Promise<Capabilities> {
    const caps = await discoverCapabilities(
      { probe: (rowId, options) => this.#probe(rowId, options) },
      { probeTimeoutMs: this.options.probeTimeoutMs },
    );
    // Queries the unit lacks are known from now on: they fail at once instead of on the wire.
    this.#unsupported.clear();
    for (const row of CATALOGUE) {
      if ((row.kind === "query" || row.kind === "setting") && !caps.supported.has(row.id))
        this.#unsupported.add(row.id);
    }
    this.#capabilities = caps;
    return caps;
  }

  // ----- the queue -----

  #enqueue<T>(priority: Priority, run: (turn: Turn) => Promise<T>): Promise<T> {
    if (!this.#running) {
      return Promise.reject(new UpsLinkError("link_down", "The link to the UPS is not started."));
    }
    if (this.#state === "offline") {
      return Promise.reject(this.#offlineError());
    }
    return new Promise<T>((resolve, reject) => {
      this.#queue.push<T>({
        priority,
        run: () => run({ generation: this.#generation }),
        resolve,
        reject,
      });
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#busy || !this.#running) return;
    if (this.#state !== "online" && this.#state !== "shutdown_expected") return;
    const job = this.#queue.shift();
    if (job === undefined) return;
    this.#busy = true;
    job.run().then(
      (value) => this.#finish(() => job.resolve(value)),
      (error: unknown) => this.#finish(() => job.reject(error)),
    );
  }

  #finish(settle: () => void): void {
    this.#busy = false;
    settle();
    this.#pump();
  }

  // ----- request kinds -----

  async #runQuery(row: CatalogueRow, turn: Turn): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#resyncIfNeeded(turn);
        const text = await this.#request(
          turn,
          Uint8Array.from(row.wire.bytes),
          row.replyMode,
          this.#timeoutFor(row),
        );
        if (text === "NA") {
          // A query that answered before and now says NA is "not now" (sleeping, after S, during
          // calibration), not "unsupported" (PROTOCOL-NOTES "Values").
          const transient = this.#answered.has(row.id) || this.#capabilities?.supported.has(row.id) === true;
          if (!transient) this.#unsupported.add(row.id);
          this.#succeeded();
          throw notSupported(row, transient);
        }
        // `Q` answering `SM` means the status is not valid yet (PROTOCOL-NOTES "Entering smart mode").
        if (row.id === "ups_status_register" && text === "SM")
          throw badReply(row, text, "status not valid yet");
        if (row.decode !== null) {
          const decoded = row.decode(text);
          if (!decoded.ok) {
            // A reply that does not fit its row: most likely the late answer to an earlier request.
            this.#needsHandshake = true;
            throw badReply(row, text, decoded.error);
          }
        }
        this.#answered.add(row.id);
        this.#succeeded();
        return text;
      } catch (error) {
        const failure = asUpsLinkError(error, "bad_reply");
        if (failure.code === "not_supported" || turn.generation !== this.#generation) throw failure;
        if (mayRetry(row, failure.code, attempt, this.options.queryRetries) && this.#running) {
          this.#log.debug({ row: row.id, attempt, code: failure.code }, "query failed; retrying");
          // A timeout has already waited; a garbled reply or `SM` to `Q` gets a moment to settle.
          if (failure.code === "bad_reply") await this.#timers.sleep(this.options.retryPauseMs);
          continue;
        }
        if (failure.code === "timeout" || failure.code === "not_smart_mode") this.#failed(failure);
        throw failure;
      }
    }
  }

  async #runAction(row: CatalogueRow, bytes: Uint8Array, turn: Turn): Promise<string> {
    await this.#resyncIfNeeded(turn);
    const timeoutMs = Math.max(row.timeoutMs, this.options.queryTimeoutMs);
    let text: string;
    if (row.wire.presses === 2) {
      // K, Z, Ctrl-N: the same byte twice, more than 1.5 s apart, nothing in between (a poll in
      // the gap cancels the command). The line stays ours: this job holds the queue.
      await this.#write(turn, bytes);
      await this.#timers.sleep(row.wire.gapMs);
      text = await this.#request(turn, bytes, row.replyMode, timeoutMs);
    } else if (bytes.length > 1) {
      text = await this.#sendPaced(turn, bytes, row.replyMode, timeoutMs, true);
    } else {
      text = await this.#request(turn, bytes, row.replyMode, timeoutMs);
    }
    if (text === "NA") throw notSupported(row, true);
    if (text === "NO" || (text === "ERR" && row.replies.includes("ERR"))) {
      throw new UpsLinkError("refused_by_ups", `The UPS refused '${row.id}' (it answered ${text}).`, {
        id: row.id,
        reply: text,
      });
    }
    this.#succeeded();
    if (row.id === "return_to_simple_mode") this.#needsHandshake = true; // `R` → `BYE`: Y needed again
    if (SHUTDOWN_ACTIONS.has(row.id) && (text === "OK" || text === "*")) this.#setState("shutdown_expected");
    return text;
  }

  /** One request for discovery: classified, never counted as a link failure. */
  #probe(rowId: string, options: ProbeOptions = {}): Promise<ProbeOutcome> {
    const row = this.#row(rowId, ["query", "setting"]);
    return this.#enqueue("user", async (turn) => {
      const retries = options.retries ?? 0;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#resyncIfNeeded(turn);
          const timeoutMs = options.timeoutMs ?? this.#timeoutFor(row);
          const text = await this.#request(turn, Uint8Array.from(row.wire.bytes), row.replyMode, timeoutMs);
          // Matrix-UPS answers `NO` to the settings it lacks (`l`, `e`: seed §3.4); but `NO` is
          // also a value of `w` (run time conservation off), which is then supported.
          const noIsValue = Object.values(row.values ?? {}).some((values) => values.includes("NO"));
          if (text === "NA" || (text === "NO" && row.kind === "setting" && !noIsValue))
            return { kind: "not_supported", reply: text };
          this.#answered.add(row.id);
          return { kind: "answer", text };
        } catch (error) {
          if (!isUpsLinkError(error) || error.code !== "timeout" || turn.generation !== this.#generation)
            throw error;
          // A late reply would be out of step: resynchronise before the next request.
          this.#needsHandshake = true;
          if (attempt > retries) return { kind: "silent" };
        }
      }
    });
  }

  // ----- the wire -----

  /** Sends bytes and waits for one reply framed by `mode`. */
  async #request(turn: Turn, bytes: Uint8Array, mode: ReplyMode, timeoutMs: number): Promise<string> {
    const waiter = this.#arm(turn, mode);
    await this.#write(turn, bytes);
    return this.#await(waiter, timeoutMs);
  }

  /**
   * Multi-character commands: about 50 ms per character; after the first, wait about 200 ms and
   * stop at once if the UPS answers `NA` (otherwise the remaining digits would run as commands,
   * PROTOCOL-NOTES "Wire"). `mode` null: nothing is expected back.
   */
  async #sendPaced(
    turn: Turn,
    bytes: Uint8Array,
    mode: ReplyMode | null,
    timeoutMs: number,
    throwOnNa: boolean,
  ): Promise<string> {
    if (bytes.length === 0) return "";
    // With nothing expected back, a refusal (`NO` while a DIP switch is on, `NA`) still comes at
    // once: listen for it.
    const waiter = this.#arm(turn, mode ?? "line");
    for (let index = 0; index < bytes.length; index++) {
      if (index === 1) await this.#timers.sleep(this.options.firstCharWaitMs);
      else if (index > 1) await this.#timers.sleep(this.options.charPacingMs);
      if (waiter.settled) {
        const early = await waiter.promise;
        if (early === "NA" && throwOnNa)
          throw new UpsLinkError("not_supported", "The UPS answered NA to the command.");
        return early;
      }
      await this.#write(turn, bytes.subarray(index, index + 1));
    }
    if (mode !== null) return this.#await(waiter, timeoutMs);
    await this.#timers.sleep(this.options.firstCharWaitMs);
    if (waiter.settled) return waiter.promise;
    this.#disarm(waiter);
    return "";
  }

  /** Stops waiting for a reply that is not coming (nothing was expected). */
  #disarm(waiter: Waiter): void {
    if (this.#pending !== waiter) return;
    this.#pending = null;
    this.#parser.expect(null);
    waiter.reject(new UpsLinkError("timeout", "No reply expected."));
  }

  #arm(turn: Turn, mode: ReplyMode, accept: (text: string) => boolean = () => true): Waiter {
    this.#checkTurn(turn);
    if (this.#pending !== null) throw new UpsLinkError("busy", "A request is already on the wire.");
    let resolve: (text: string) => void = () => undefined;
    let reject: (error: unknown) => void = () => undefined;
    const promise = new Promise<string>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // The promise may be rejected before anyone awaits it (stop, loss): never unhandled.
    promise.catch(() => undefined);
    const waiter: Waiter = {
      mode,
      accept,
      promise,
      settled: false,
      resolve: (text) => {
        waiter.settled = true;
        resolve(text);
      },
      reject: (error) => {
        waiter.settled = true;
        reject(error);
      },
    };
    this.#parser.expect(mode);
    this.#pending = waiter;
    return waiter;
  }

  async #await(waiter: Waiter, timeoutMs: number): Promise<string> {
    if (!waiter.settled) {
      const cancel = this.#timers.after(timeoutMs, () => {
        if (this.#pending !== waiter) return;
        this.#pending = null;
        this.#parser.expect(null);
        waiter.reject(
          new UpsLinkError("timeout", `No reply from the UPS within ${timeoutMs} ms.`, { timeoutMs }),
        );
      });
      try {
        return await waiter.promise;
      } finally {
        cancel();
      }
    }
    return waiter.promise;
  }

  async #write(turn: Turn, bytes: Uint8Array): Promise<void> {
    this.#checkTurn(turn);
    this.#log.trace({ dir: "tx", bytes: escapeBytes(bytes) }, "wire");
    try {
      await this.transport.write(bytes);
    } catch (error) {
      const failure = asUpsLinkError(error, "port_closed");
      if (this.#pending !== null) {
        const pending = this.#pending;
        this.#pending = null;
        pending.reject(failure);
      }
      // A port that cannot be written to is lost, whatever the read side says.
      if (failure.code === "port_closed" && this.#state !== "connecting") this.#lose(failure);
      throw failure;
    }
  }

  #checkTurn(turn: Turn): void {
    if (turn.generation !== this.#generation || !this.#running) throw this.#offlineError();
  }

  #receive(chunk: Uint8Array): void {
    this.#log.trace({ dir: "rx", bytes: escapeBytes(chunk) }, "wire");
    // Control characters and high bytes are data only inside `a` and Ctrl-Z (verbatim replies);
    // anywhere else they are line noise, and alert characters near them are not to be trusted.
    if (this.#parser.expecting !== "verbatim" && chunk.some(isNoiseByte)) this.#lastNoiseAt = Date.now();
    for (const frame of this.#parser.push(chunk)) this.#frame(frame);
  }

  #frame(frame: Frame): void {
    if (frame.type === "alert") {
      this.#log.debug({ event: frame.event }, "alert");
      // `*` (old models): the UPS is about to turn the load off; silence after it is expected.
      if (frame.event === "ups_about_to_turn_load_off" && this.#state === "online")
        this.#setState("shutdown_expected");
      const at = new Date();
      const suspect = at.getTime() - this.#lastNoiseAt < NOISE_WINDOW_MS;
      this.emit("alert", { event: frame.event, byte: frame.byte, at, suspect });
      return;
    }
    if (frame.type === "discarded") {
      this.#log.debug({ bytes: escapeBytes(frame.bytes), reason: frame.reason }, "discarded bytes");
      return;
    }
    const waiter = this.#pending;
    if (waiter?.accept(frame.text)) {
      this.#pending = null;
      waiter.resolve(frame.text);
      return;
    }
    if (waiter !== null) {
      // The handshake waits for `SM` only; keep waiting for it.
      this.#log.debug({ text: escapeBytes(frame.bytes) }, "reply ignored while waiting");
      this.#parser.expect(waiter.mode);
      return;
    }
    // Nothing was asked: the late answer to a request that timed out. Replies are out of step.
    this.#log.debug({ text: escapeBytes(frame.bytes) }, "unsolicited reply; will resynchronise");
    this.#needsHandshake = true;
  }

  #failPending(error: unknown): void {
    const pending = this.#pending;
    this.#pending = null;
    this.#parser.expect(null);
    pending?.reject(error);
  }

  // ----- smart mode -----

  async #resyncIfNeeded(turn: Turn): Promise<void> {
    if (!this.#needsHandshake) return;
    // While the UPS is expected to be off, one quiet attempt per request is enough.
    const attempts = this.#state === "shutdown_expected" ? 1 : this.options.handshakeRetries;
    await this.#handshake(turn, attempts);
  }

  /** `Y` → `SM`, with ESC between tries to clear a half-typed command (PROTOCOL-NOTES). */
  async #handshake(turn: Turn, attempts: number): Promise<void> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        await this.#write(turn, Uint8Array.of(ESC));
        await this.#timers.sleep(this.options.charPacingMs);
      }
      const waiter = this.#arm(turn, "line", (text) => text === "SM");
      await this.#write(turn, Uint8Array.of(Y));
      try {
        await this.#await(waiter, this.options.handshakeTimeoutMs);
        this.#needsHandshake = false;
        this.#log.debug({ attempt }, "smart mode");
        return;
      } catch (error) {
        if (!isUpsLinkError(error) || error.code !== "timeout") throw error;
        this.#log.debug({ attempt }, "no SM");
      }
    }
    throw new UpsLinkError(
      "not_smart_mode",
      `No UPS answered on ${this.transport.description} (no SM after ${attempts} tries of Y): check that the cable is an APC smart-signalling cable (940-0024C or 940-0095B, not a simple-signalling or USB cable), that this is the right port, that the UPS is switched on, and that no other program (NUT, apcupsd) holds the port.`,
      { port: this.transport.description, attempts },
    );
  }

  async #connect(): Promise<void> {
    const turn: Turn = { generation: this.#generation };
    await this.transport.open();
    this.#checkTurn(turn);
    for (const frame of this.#parser.flush("new connection")) this.#frame(frame);
    this.#needsHandshake = true;
    await this.#handshake(turn, this.options.handshakeRetries);
    this.#failures = 0;
    this.#reconnectAttempt = 0;
    this.#lastError = null;
    this.#setState("online");
    this.#pump();
  }

  // ----- health -----

  #succeeded(): void {
    this.#failures = 0;
    if (this.#state === "shutdown_expected") this.#setState("online");
  }

  #failed(error: UpsLinkError): void {
    // After S/K/Z/@ the UPS may stay quiet until it wakes: keep trying quietly.
    if (this.#state === "shutdown_expected") {
      this.#needsHandshake = true;
      return;
    }
    this.#failures++;
    if (this.#failures >= this.options.lostAfterFailures) {
      this.#log.warn({ failures: this.#failures, err: error.message }, "the UPS stopped answering");
      this.#lose(
        new UpsLinkError(
          "link_down",
          `The UPS on ${this.transport.description} stopped answering (${this.#failures} failed requests in a row).`,
          { port: this.transport.description },
          { cause: error },
        ),
      );
    }
  }

  /** The link is lost: offline, fail what waits, close, and (with `reconnect`) reopen with backoff. */
  #lose(reason: UpsLinkError): void {
    if (!this.#running || this.#state === "offline") return;
    this.#lastError = reason;
    this.#generation++;
    this.#failures = 0;
    this.#needsHandshake = true;
    this.#setState("offline");
    const down = this.#offlineError();
    this.#failPending(down);
    this.#queue.rejectAll(down);
    this.transport.close().catch((error: unknown) => this.#log.debug({ err: String(error) }, "close failed"));
    if (this.#reconnect) this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (!this.#running) return;
    this.#reconnectAttempt++;
    const delay = reconnectDelay(
      this.#reconnectAttempt,
      this.options.reconnectMinMs,
      this.options.reconnectMaxMs,
    );
    this.#log.debug({ attempt: this.#reconnectAttempt, delay }, "reconnecting");
    this.#timers.after(delay, () => {
      void this.#tryReconnect();
    });
  }

  async #tryReconnect(): Promise<void> {
    if (!this.#running) return;
    // A job from before the loss may still be unwinding; it cannot touch the wire (stale turn).
    this.#generation++;
    this.#failPending(this.#offlineError());
    try {
      await this.#connect();
      this.#log.info("UPS link back online");
    } catch (error) {
      if (!this.#running) return;
      this.#lastError = asUpsLinkError(error, "link_down");
      this.#log.debug({ err: this.#lastError.message }, "reconnect failed");
      await this.transport.close().catch(() => undefined);
      this.#scheduleReconnect();
    }
  }

  #setState(state: LinkState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#log.info({ state }, "link state");
    this.emit("state", state);
  }

  #offlineError(): UpsLinkError {
    const detail = this.#lastError === null ? "" : ` (${this.#lastError.message})`;
    return new UpsLinkError("link_down", `The UPS link is down${detail}.`, {
      port: this.transport.description,
    });
  }

  // ----- rows -----

  #row(rowId: string, kinds: readonly CatalogueRow["kind"][]): CatalogueRow {
    const row = findRow(rowId);
    if (row === undefined || !kinds.includes(row.kind)) {
      const code = kinds.includes("action") ? "unknown_action" : "unknown_setting";
      throw new UpsLinkError(code, `'${rowId}' is not a ${kinds.join(" or ")} of the UPS-Link catalogue.`, {
        id: rowId,
      });
    }
    return row;
  }

  /** Ordinary rows wait `queryTimeoutMs`; rows with a longer allowance (`a`, Ctrl-Z) keep theirs. */
  #timeoutFor(row: CatalogueRow): number {
    return Math.max(this.options.queryTimeoutMs, row.timeoutMs > 1500 ? row.timeoutMs : 0);
  }
}

function notSupported(row: CatalogueRow, transient: boolean): UpsLinkError {
  const message = transient
    ? `The UPS cannot do '${row.id}' right now (it answered NA).`
    : `The UPS does not support '${row.id}' (it answered NA).`;
  return new UpsLinkError("not_supported", message, { id: row.id, transient });
}

function badReply(row: CatalogueRow, text: string, why: string): UpsLinkError {
  return new UpsLinkError(
    "bad_reply",
    `Unexpected reply to '${row.id}': ${escapeBytes(latin1Bytes(text))} (${why}).`,
    {
      id: row.id,
    },
  );
}

function latin1Bytes(text: string): number[] {
  return Array.from(text, (char) => char.charCodeAt(0) & 0xff);
}

/** The bytes of an action with its parameters (`@` + 3 digits), validated against the row. */
export function encodeAction(row: CatalogueRow, params: Readonly<Record<string, Value>>): Uint8Array {
  const out = [...row.wire.bytes];
  for (const spec of row.params) out.push(...encodeParam(row, spec, params[spec.name]));
  return Uint8Array.from(out);
}

function encodeParam(row: CatalogueRow, spec: ParamSpec, value: Value | undefined): number[] {
  const invalid = (why: string): UpsLinkError =>
    new UpsLinkError("invalid_params", `Parameter '${spec.name}' of '${row.id}' ${why}.`, {
      id: row.id,
      param: spec.name,
    });
  if (spec.type === "integer") {
    const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof number !== "number" || !Number.isInteger(number) || number < spec.min || number > spec.max) {
      throw invalid(`must be a whole number from ${spec.min} to ${spec.max}`);
    }
    return latin1Bytes(String(number).padStart(spec.digits, "0"));
  }
  if (spec.type === "hex_byte") {
    const number =
      typeof value === "string" && /^[0-9a-fA-F]{1,2}$/.test(value) ? Number.parseInt(value, 16) : value;
    if (typeof number !== "number" || !Number.isInteger(number) || number < 0 || number > 255) {
      throw invalid("must be a byte (0-255 or two hex digits)");
    }
    return latin1Bytes(number.toString(16).toUpperCase().padStart(2, "0"));
  }
  if (typeof value !== "string" || value.length > spec.length || !new RegExp(spec.pattern).test(value)) {
    throw invalid(`must be text of at most ${spec.length} characters matching ${spec.pattern}`);
  }
  return latin1Bytes(value.padEnd(spec.length, " "));
}
