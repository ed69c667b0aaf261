// What the simulated unit sends: replies (text, CR LF), alerts and noise, handed to the `data`
// listeners at once or, with the pacing fault, one character every 4.17 ms after a realistic
// latency, as a real unit at 2400 baud sends them.
import type { Clock } from "./clock.js";
import type { Profile } from "./profiles.js";
import type { SimState } from "./state.js";
import type { SimTimers } from "./timers.js";
import { CHAR_MS, GARBAGE_REPEAT_MS, MIN_LATENCY_MS, REPLY_LATENCY_MS } from "./timing.js";

export type DataListener = (bytes: Uint8Array) => void;

const CR_LF = [0x0d, 0x0a];

export class Output {
  readonly #profile: Profile;
  readonly #state: SimState;
  readonly #clock: Clock;
  readonly #timers: SimTimers;
  readonly #listeners = new Set<DataListener>();
  /** When the paced output line is free again. */
  #busyUntil = 0;
  #rng = 0x2545f491;

  constructor(profile: Profile, state: SimState, clock: Clock, timers: SimTimers) {
    this.#profile = profile;
    this.#state = state;
    this.#clock = clock;
    this.#timers = timers;
  }

  listen(listener: DataListener): void {
    this.#listeners.add(listener);
  }

  unlisten(listener: DataListener): void {
    this.#listeners.delete(listener);
  }

  /** A line reply: the text, then CR LF. */
  reply(text: string, latencyMs = REPLY_LATENCY_MS): void {
    this.replyBytes(Buffer.from(text, "latin1"), latencyMs, true);
  }

  /** A reply: the text, then CR LF; `line` replies may carry an injected alert (fault switch). */
  replyBytes(text: Uint8Array, latencyMs: number, line: boolean): void {
    const bytes = [...text];
    const inject = this.#state.faults.alertMidReply;
    if (line && inject !== null && bytes.length >= 2) bytes.splice(1, 0, inject.charCodeAt(0));
    bytes.push(...CR_LF);
    // PROTOCOL-NOTES "Wire" gives the whole exchange (`a` about 0.7 s, Ctrl-Z about 2 s), so the
    // transmission time comes out of the latency.
    this.#emit(Uint8Array.from(bytes), Math.max(MIN_LATENCY_MS, latencyMs - bytes.length * CHAR_MS));
  }

  /** An alert byte, sent only in smart mode (but for the power-on `?`) and if the unit has it. */
  alert(char: string, powerOn = false): void {
    const s = this.#state;
    if (!s.alive || this.#timers.stopped) return;
    if (!powerOn && !s.smartMode) return;
    if (!this.#profile.alerts.includes(char)) return;
    this.#emit(Buffer.from(char, "latin1"), 0);
  }

  /**
   * An alert that follows the reply just queued (real units send `!` right after the `OK` of D, U and
   * W, PROTOCOL-NOTES "Real units"): at true baud it waits for the reply to be sent.
   */
  alertAfterReply(char: string): void {
    const s = this.#state;
    if (!s.alive || this.#timers.stopped || !s.smartMode) return;
    if (!this.#profile.alerts.includes(char)) return;
    this.#emit(Buffer.from(char, "latin1"), 0, true);
  }

  /** Bytes on the line at once, bypassing faults and pacing (a bare `*`, noise). */
  raw(bytes: Uint8Array): void {
    if (this.#timers.stopped) return;
    for (const listener of [...this.#listeners]) listener(bytes);
  }

  /** One burst of random bytes. */
  garbage(): void {
    this.raw(this.#randomBytes());
  }

  /** `fault garbage on`: a burst now and every few seconds until cancelled. */
  garbageRepeating(): void {
    this.garbage();
    this.#timers.schedule("garbage", GARBAGE_REPEAT_MS, () => this.garbageRepeating());
  }

  #emit(bytes: Uint8Array, latencyMs: number, afterReply = false): void {
    const faults = this.#state.faults;
    if (faults.silent) return;
    const delay = faults.slowMs + (faults.pacing ? latencyMs : 0);
    if (!faults.pacing) {
      if (delay <= 0) this.raw(bytes);
      else this.#timers.oneShot(delay, () => this.raw(bytes));
      return;
    }
    // True 2400 baud: one character per 4.17 ms. Replies queue behind each other; an alert is sent
    // as soon as the line allows, so it can land inside a reply as on a real unit.
    const now = this.#clock.now();
    const queued = latencyMs !== 0 || afterReply;
    let at = !queued ? now : Math.max(now + delay, this.#busyUntil);
    for (const byte of bytes) {
      const sendAt = at;
      this.#timers.oneShot(sendAt - now, () => this.raw(Uint8Array.of(byte)));
      at += CHAR_MS;
    }
    if (queued) this.#busyUntil = at;
  }

  #randomBytes(): Uint8Array {
    const length = 8 + (this.#random() % 25);
    return Uint8Array.from({ length }, () => this.#random() & 0xff);
  }

  /** xorshift32: reproducible noise. */
  #random(): number {
    let x = this.#rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#rng = x >>> 0;
    return this.#rng;
  }
}
