// Turns the byte stream from the UPS into frames: replies, alerts and bytes that could not be
// placed. Pure: no I/O, no timers, no logging; the session drives it with bytes and says which
// reply (if any) is outstanding.
//
// Why a hand-written state machine rather than a readline parser: alert bytes carry no CR LF and
// can arrive in the middle of a reply (PROTOCOL-NOTES "Wire"), `j` ends with `:` and old units
// answer K/Z/@ with a bare `*`, while `a` and the Ctrl-Z dump contain alert characters as data.
//
// The alert bytes are the catalogue's plus whatever the unit declares in its `a` reply (an RT 1000 XL
// declares 0x04): the session's set, passed in by the link once `a` is parsed (`declareAlerts`).
import { ALERT_BYTES, alertEventId } from "./catalogue/events.js";
import type { Frame, ReplyMode } from "./types.js";

/** The longest line we hold before giving up on it (the Ctrl-Z dump of a real unit is ~300 bytes). */
export const MAX_LINE_BYTES = 512;

const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;
const STAR = 0x2a;

/** One of the seed's asynchronous alert characters `! $ % + ? = * # | &` (seeds/003 "Events"). */
export function isAlertByte(byte: number): boolean {
  return ALERT_BYTES.has(byte);
}

/**
 * Bytes that stay framing or data whatever a unit declares: CR and LF end replies, NUL pads `n`
 * (`NS9847001053\0\0`). Taking one of them as an alert would break every reply after it.
 */
const NEVER_ALERTS: ReadonlySet<number> = new Set([0x00, 0x0d, 0x0a]);

/**
 * A session's alert bytes: the catalogue's, plus those the unit declared (the alert field of `a`),
 * less the bytes that can only be framing.
 */
export function sessionAlertBytes(declared: Iterable<number>): ReadonlySet<number> {
  const bytes = new Set(ALERT_BYTES);
  for (const byte of declared) if (!NEVER_ALERTS.has(byte) && byte >= 0 && byte <= 0xff) bytes.add(byte);
  return bytes;
}

/** What the parser swallows after a reply ended by something other than CR. */
type Swallow =
  | "none"
  // after CR: a following LF belongs to it
  | "lf"
  // after `dddd:` or a bare `*`: an optional CR LF (or a lone LF) belongs to it
  | "crlf";

export class FrameParser {
  /** The alert bytes of this session: the catalogue's until the unit's `a` reply adds its own. */
  #alerts: ReadonlySet<number> = ALERT_BYTES;
  #mode: ReplyMode | null = null;
  #line: number[] = [];
  /** The current line overran MAX_LINE_BYTES: its remaining bytes are discarded up to its end. */
  #overrun = false;
  #swallow: Swallow = "none";
  /** Bytes with no request outstanding that cannot start a line, grouped into one frame. */
  #noise: number[] = [];

  /** Frames produced by `expect` (which returns nothing), handed out by the next push or flush. */
  #held: Frame[] = [];

  /**
   * Says which reply is outstanding (null: none). One call covers one reply: once a reply frame
   * comes out the parser is back to "nothing outstanding". A partial line from before the call
   * (an unsolicited line, a request given up on) cannot belong to what comes next: it comes out as
   * `discarded` with the next push or flush.
   */
  expect(mode: ReplyMode | null): void {
    if (this.hasPartialLine) {
      const abandoned = this.flush(
        mode === null ? "partial line of an abandoned request" : "partial line abandoned by a new request",
      );
      this.#held = abandoned;
    }
    this.#mode = mode;
  }

  /**
   * The alert bytes the unit declared in its `a` reply (its alert field): from now on each is taken
   * out of the stream as an alert wherever it arrives, a reply's middle included. Replaces what an
   * earlier `a` declared; the catalogue's alerts stay alerts whatever is declared.
   */
  declareAlerts(declared: Iterable<number>): void {
    this.#alerts = sessionAlertBytes(declared);
  }

  /** Whether a byte is an alert of this session (the catalogue's, or one the unit declared). */
  isAlert(byte: number): boolean {
    return this.#alerts.has(byte);
  }

  /** The reply framing currently expected (null when no request is outstanding). */
  get expecting(): ReplyMode | null {
    return this.#mode;
  }

  /** True while part of a line is buffered. */
  get hasPartialLine(): boolean {
    return this.#line.length > 0 || this.#overrun;
  }

  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = this.#takeHeld();
    for (const byte of chunk) this.#byte(byte, frames);
    this.#emitNoise(frames);
    return frames;
  }

  /** Ends whatever is buffered: a partial line comes out as `discarded` with the reason given. */
  flush(reason: string): Frame[] {
    const frames: Frame[] = this.#takeHeld();
    this.#emitNoise(frames);
    if (this.#line.length > 0) {
      const reasonText = this.#overrun ? `${reason} (rest of an overlong line)` : reason;
      frames.push(discarded(this.#line, reasonText));
    }
    this.#line = [];
    this.#overrun = false;
    this.#swallow = "none";
    return frames;
  }

  #takeHeld(): Frame[] {
    const held = this.#held;
    this.#held = [];
    return held;
  }

  #byte(byte: number, frames: Frame[]): void {
    const verbatim = this.#mode === "verbatim";

    // Terminator bytes that belong to a reply already out (CR LF after `dddd:`, LF after CR).
    if (this.#swallow !== "none") {
      if (byte === LF) {
        this.#swallow = "none";
        return;
      }
      if (byte === CR && this.#swallow === "crlf") {
        this.#swallow = "lf";
        return;
      }
      // Alerts may sit between `:` and its CR LF; they do not end the wait for the terminator.
      if (!(this.#alerts.has(byte) && !verbatim)) this.#swallow = "none";
    }

    if (!verbatim && this.#alerts.has(byte)) {
      // Old units answer K/Z/@ with a bare `*` (PROTOCOL-NOTES "Wire"): a reply, not an alert.
      if (byte === STAR && this.#mode === "star_or_line" && this.#line.length === 0 && !this.#overrun) {
        this.#emitNoise(frames);
        this.#emitReply([STAR], frames);
        this.#swallow = "crlf";
        return;
      }
      this.#emitNoise(frames);
      frames.push({ type: "alert", byte, event: alertEventId(byte) });
      return;
    }

    if (byte === CR || byte === LF) {
      this.#emitNoise(frames);
      this.#endLine(byte, frames);
      this.#swallow = byte === CR ? "lf" : "none";
      return;
    }

    if (byte === COLON && this.#mode === "runtime" && !this.#overrun) {
      // `j` answers `dddd:` / `>>>>:` then CR LF: the colon ends the value. It stays in the reply,
      // so a reply that ended at CR without it (`00871`, its `:` garbled) can be told apart and
      // refused by the decoder instead of read as a runtime.
      this.#emitNoise(frames);
      if (this.#line.length === 0) frames.push(discarded([COLON], "runtime terminator with no value"));
      else this.#emitReply([...this.#line, COLON], frames);
      this.#line = [];
      this.#swallow = "crlf";
      return;
    }

    if (this.#overrun) {
      this.#line.push(byte);
      return;
    }

    // With nothing outstanding, a byte that cannot begin a printable reply is line noise (a UPS
    // powering up, a cable being plugged in). Printable bytes still form a line: the session sees
    // it as an unsolicited reply and resynchronises.
    if (this.#mode === null && this.#line.length === 0 && !isPrintable(byte)) {
      this.#noise.push(byte);
      return;
    }

    this.#emitNoise(frames);
    this.#line.push(byte);
    if (this.#line.length >= MAX_LINE_BYTES) {
      frames.push(discarded(this.#line, `line longer than ${MAX_LINE_BYTES} bytes`));
      this.#line = [];
      this.#overrun = true;
    }
  }

  #endLine(terminator: number, frames: Frame[]): void {
    if (this.#overrun) {
      if (this.#line.length > 0) frames.push(discarded(this.#line, "rest of an overlong line"));
      this.#line = [];
      this.#overrun = false;
      return;
    }
    if (this.#line.length === 0) {
      frames.push(discarded([terminator], "empty line"));
      return;
    }
    this.#emitReply(this.#line, frames);
    this.#line = [];
  }

  #emitReply(bytes: readonly number[], frames: Frame[]): void {
    const copy = Uint8Array.from(bytes);
    frames.push({ type: "reply", text: latin1(copy), bytes: copy });
    this.#mode = null;
  }

  #emitNoise(frames: Frame[]): void {
    if (this.#noise.length === 0) return;
    frames.push(discarded(this.#noise, "no request outstanding"));
    this.#noise = [];
  }
}

function isPrintable(byte: number): boolean {
  return byte >= 0x20 && byte < 0x7f;
}

function discarded(bytes: readonly number[], reason: string): Frame {
  return { type: "discarded", bytes: Uint8Array.from(bytes), reason };
}

/** Bytes to text one for one (model names and `a` may carry bytes at or above 0x80). */
export function latin1(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}
