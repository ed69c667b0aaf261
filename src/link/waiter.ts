// The one reply the link waits for. A waiter is registered *before* the bytes go out (as
// zigbee-herdsman's waitress is): a transport may hand over the reply while `write` is still running
// (an in-process port, a fast adapter), and a reply that finds nobody waiting counts as out of step.
import { UpsLinkError } from "../protocol/errors.js";
import type { ReplyMode } from "../protocol/types.js";
import type { Timers } from "./timers.js";

export interface ReplyWaiter {
  readonly mode: ReplyMode;
  /** The reply text, or the failure (timeout, loss, stop). */
  readonly promise: Promise<string>;
  /** True once the reply came or the wait failed. */
  readonly settled: boolean;
}

/** What became of a reply offered to the slot. */
export type Offer =
  | "taken" // the waiter had it
  | "ignored" // the waiter does not take this reply and keeps waiting (the handshake wants `SM`)
  | "unsolicited"; // nobody was waiting: the late answer to a request given up on

interface Waiter extends ReplyWaiter {
  readonly accept: (text: string) => boolean;
  settled: boolean;
  resolve(text: string): void;
  reject(error: unknown): void;
}

/** Holds the single outstanding waiter and tells the frame parser which reply framing to expect. */
export class ReplySlot {
  readonly #expect: (mode: ReplyMode | null) => void;
  readonly #timers: Timers;
  #pending: Waiter | null = null;

  constructor(expect: (mode: ReplyMode | null) => void, timers: Timers) {
    this.#expect = expect;
    this.#timers = timers;
  }

  get waiting(): boolean {
    return this.#pending !== null;
  }

  /** Registers the waiter for the next reply; call it before writing the bytes that ask for it. */
  arm(mode: ReplyMode, accept: (text: string) => boolean = () => true): ReplyWaiter {
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
    this.#expect(mode);
    this.#pending = waiter;
    return waiter;
  }

  /** A reply frame arrived. */
  offer(text: string): Offer {
    const waiter = this.#pending;
    if (waiter === null) return "unsolicited";
    if (!waiter.accept(text)) {
      // The parser is back to "nothing outstanding" after each reply: expect the next one.
      this.#expect(waiter.mode);
      return "ignored";
    }
    this.#pending = null;
    waiter.resolve(text);
    return "taken";
  }

  /** The reply, or `timeout` after `timeoutMs` (then the slot is free and the parser expects nothing). */
  async wait(waiter: ReplyWaiter, timeoutMs: number): Promise<string> {
    if (waiter.settled) return waiter.promise;
    const cancel = this.#timers.after(timeoutMs, () => {
      const pending = this.#pending;
      if (pending === null || pending !== waiter) return;
      this.#pending = null;
      this.#expect(null);
      pending.reject(
        new UpsLinkError("timeout", `No reply from the UPS within ${timeoutMs} ms.`, { timeoutMs }),
      );
    });
    try {
      return await waiter.promise;
    } finally {
      cancel();
    }
  }

  /** Stops waiting for a reply that is not coming (nothing was expected back). */
  disarm(waiter: ReplyWaiter): void {
    const pending = this.#pending;
    if (pending === null || pending !== waiter) return;
    this.#pending = null;
    this.#expect(null);
    pending.reject(new UpsLinkError("timeout", "No reply expected."));
  }

  /** Fails the waiting request (loss, stop, a new connection); the parser expects nothing. */
  fail(error: unknown): void {
    const pending = this.#pending;
    this.#pending = null;
    this.#expect(null);
    pending?.reject(error);
  }

  /** Fails the waiting request after a write error, leaving the parser's framing as it is. */
  abandon(error: unknown): void {
    const pending = this.#pending;
    this.#pending = null;
    pending?.reject(error);
  }
}
