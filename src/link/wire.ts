// The bytes on the line: what goes out (traced), what comes in (fed to the frame parser), alerts
// handed out the moment their byte arrives, and each reply given to the waiter registered before
// the write. Knows framing only, not what a request or a reply means.
import type { Logger } from "../log.js";
import { asUpsLinkError, type UpsLinkError } from "../protocol/errors.js";
import { escapeBytes } from "../protocol/escape.js";
import { FrameParser } from "../protocol/frames.js";
import type { Frame, ReplyMode } from "../protocol/types.js";
import type { Timers } from "../util/timers.js";
import type { Transport } from "./transport.js";
import { ReplySlot, type ReplyWaiter } from "./waiter.js";

export interface AlertEvent {
  /** The event id the frame parser gives the alert byte (one of the catalogue's events). */
  readonly event: Extract<Frame, { readonly type: "alert" }>["event"];
  readonly byte: number;
  readonly at: Date;
  /**
   * The byte came with line noise (bytes no UPS sends, in the same read or within the last
   * second): it may be noise that happens to look like an alert. Confirm before trusting it.
   */
  readonly suspect: boolean;
}

/** A job's view of the connection it started on: after a reconnect or a stop it must not touch the wire. */
export interface Turn {
  readonly stale: boolean;
  /** Throws `link_down` when the turn is stale. */
  check(): void;
}

export interface WireInit {
  readonly transport: Transport;
  readonly log: Logger;
  readonly timers: Timers;
  readonly onAlert: (alert: AlertEvent) => void;
  /** A reply came with nothing asked (the late answer to a request given up on): replies are out of step. */
  readonly onUnsolicited: () => void;
  /** A write failed; the waiting request has already been failed with the same error. */
  readonly onWriteError: (failure: UpsLinkError) => void;
}

/** Alerts within this long of line noise are flagged `suspect` (about 240 characters at 2400 baud). */
const NOISE_WINDOW_MS = 1000;

/** Bytes a UPS never sends outside `a` and Ctrl-Z: controls other than CR, LF and NUL padding, and high bytes. */
function isNoiseByte(byte: number): boolean {
  return byte >= 0x7f || (byte < 0x20 && byte !== 0x0d && byte !== 0x0a && byte !== 0x00);
}

export class Wire {
  readonly #init: WireInit;
  readonly #parser = new FrameParser();
  readonly #slot: ReplySlot;
  /** When line noise was last seen (Date.now()); alerts close to it are suspect. */
  #lastNoiseAt = Number.NEGATIVE_INFINITY;

  constructor(init: WireInit) {
    this.#init = init;
    this.#slot = new ReplySlot((mode) => this.#parser.expect(mode), init.timers);
  }

  /** Sends bytes and waits for one reply framed by `mode`; the waiter is armed before the write. */
  async exchange(turn: Turn, bytes: Uint8Array, mode: ReplyMode, timeoutMs: number): Promise<string> {
    const waiter = this.arm(turn, mode);
    await this.write(turn, bytes);
    return this.#slot.wait(waiter, timeoutMs);
  }

  /** Registers the waiter for the next reply (before the write that asks for it). */
  arm(turn: Turn, mode: ReplyMode, accept?: (text: string) => boolean): ReplyWaiter {
    turn.check();
    return this.#slot.arm(mode, accept);
  }

  wait(waiter: ReplyWaiter, timeoutMs: number): Promise<string> {
    return this.#slot.wait(waiter, timeoutMs);
  }

  /** Stops waiting for a reply that is not coming. */
  disarm(waiter: ReplyWaiter): void {
    this.#slot.disarm(waiter);
  }

  /** Fails whatever waits for a reply (loss, stop, reconnect). */
  fail(error: unknown): void {
    this.#slot.fail(error);
  }

  async write(turn: Turn, bytes: Uint8Array): Promise<void> {
    turn.check();
    this.#init.log.trace({ dir: "tx", bytes: escapeBytes(bytes) }, "wire");
    try {
      await this.#init.transport.write(bytes);
    } catch (error) {
      const failure = asUpsLinkError(error, "port_closed");
      this.#slot.abandon(failure);
      this.#init.onWriteError(failure);
      throw failure;
    }
  }

  /** Bytes from the transport, in whatever chunks they come. */
  receive(chunk: Uint8Array): void {
    this.#init.log.trace({ dir: "rx", bytes: escapeBytes(chunk) }, "wire");
    // Control characters and high bytes are data only inside `a` and Ctrl-Z (verbatim replies);
    // anywhere else they are line noise, and alert characters near them are not to be trusted.
    if (
      this.#parser.expecting !== "verbatim" &&
      chunk.some((b) => isNoiseByte(b) && !this.#parser.isAlert(b))
    )
      this.#lastNoiseAt = Date.now();
    for (const frame of this.#parser.push(chunk)) this.#frame(frame);
  }

  /**
   * The alert bytes the unit declared in its `a` reply: each is taken out of replies as an alert
   * from now on, and is not line noise (an RT 1000 XL declares 0x04).
   */
  declareAlerts(bytes: readonly number[]): void {
    this.#parser.declareAlerts(bytes);
  }

  /** A new connection: whatever is still buffered belonged to the old one. */
  reset(reason: string): void {
    for (const frame of this.#parser.flush(reason)) this.#frame(frame);
  }

  #frame(frame: Frame): void {
    const log = this.#init.log;
    if (frame.type === "alert") {
      log.debug({ event: frame.event }, "alert");
      const at = new Date();
      const suspect = at.getTime() - this.#lastNoiseAt < NOISE_WINDOW_MS;
      this.#init.onAlert({ event: frame.event, byte: frame.byte, at, suspect });
      return;
    }
    if (frame.type === "discarded") {
      log.debug({ bytes: escapeBytes(frame.bytes), reason: frame.reason }, "discarded bytes");
      return;
    }
    const offer = this.#slot.offer(frame.text);
    if (offer === "ignored") {
      // The handshake waits for `SM` only; keep waiting for it.
      log.debug({ text: escapeBytes(frame.bytes) }, "reply ignored while waiting");
    } else if (offer === "unsolicited") {
      log.debug({ text: escapeBytes(frame.bytes) }, "unsolicited reply; will resynchronise");
      this.#init.onUnsolicited();
    }
  }
}
