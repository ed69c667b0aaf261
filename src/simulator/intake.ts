// Byte intake: turns what the host sends into whole commands. Until `Y` the unit ignores all but
// `Y`; `@` waits for three digits, an edit of `c`, `x` or `I` for its characters; the two presses of
// K, Z and Ctrl-N must be far enough apart. The meaning of a command is commands.ts's business.
import type { Clock } from "./clock.js";
import type { SimSetting } from "./settings.js";
import type { SimState } from "./state.js";
import { TWO_PRESS_GAP_MS } from "./timing.js";

const ESC = 0x1b;
const CR = 0x0d;
const Y = 0x59;

/** A whole command from the host. */
export type Frame =
  /** `Y` while in simple signalling. */
  | { readonly kind: "smart-mode" }
  /** One command byte; `editContext` is the setting a `-` here would edit. */
  | { readonly kind: "command"; readonly byte: number; readonly editContext: SimSetting | null }
  /** `@ddd`. */
  | { readonly kind: "delayed-wake"; readonly tenths: number }
  /** `-` then 8 characters (`c`, `x`). */
  | { readonly kind: "text"; readonly setting: SimSetting; readonly chars: string }
  /** `-` then 2 hex digits (Measure-UPS `I`). */
  | { readonly kind: "hex"; readonly setting: SimSetting; readonly chars: string };

/** What the unit is in the middle of reading (multi-byte commands). */
type Entry =
  | { readonly kind: "none" }
  | { readonly kind: "at"; readonly digits: string }
  | { readonly kind: "text"; readonly setting: SimSetting; readonly chars: string }
  | { readonly kind: "hex"; readonly setting: SimSetting; readonly chars: string };

export class Intake {
  readonly #state: SimState;
  readonly #clock: Clock;
  #entry: Entry = { kind: "none" };
  /** The setting queried last: `-` edits it (PROTOCOL-NOTES "Commands": a stray `-` edits it). */
  #editContext: SimSetting | null = null;
  #firstPress: { readonly byte: number; readonly at: number } | null = null;
  /** Old units send `*` and process no further commands until the output comes back. */
  #muted = false;

  constructor(state: SimState, clock: Clock) {
    this.#state = state;
    this.#clock = clock;
  }

  get muted(): boolean {
    return this.#muted;
  }

  mute(): void {
    this.#muted = true;
  }

  unmute(): void {
    this.#muted = false;
  }

  /** Forgets any half-typed command (leaving smart mode, power loss). */
  reset(): void {
    this.#entry = { kind: "none" };
    this.#editContext = null;
    this.#firstPress = null;
  }

  /** `@` was accepted: the next three digits are its delay. */
  expectDigits(): void {
    this.#entry = { kind: "at", digits: "" };
  }

  /** `-` on a direct-entry setting: the next characters are its new value. */
  expectValue(setting: SimSetting): void {
    this.#entry = { kind: setting.entry === "hex" ? "hex" : "text", setting, chars: "" };
  }

  /** After a setting is read or stepped, `-` edits it. */
  setEditContext(setting: SimSetting): void {
    this.#editContext = setting;
  }

  /**
   * A press of a two-press command (K, Z, Ctrl-N): true when it is the second press, more than
   * 1.5 s after the first (seed "Timing").
   */
  press(byte: number): boolean {
    const now = this.#clock.now();
    const first = this.#firstPress;
    if (first === null || first.byte !== byte || now - first.at <= TWO_PRESS_GAP_MS) {
      // First press, or a second one too soon: the window starts again.
      this.#firstPress = { byte, at: now };
      return false;
    }
    this.#firstPress = null;
    return true;
  }

  /** One byte from the host; a frame when it completes a command. */
  feed(byte: number): Frame | null {
    const s = this.#state;
    if (s.faults.silent) return null;
    if (!s.smartMode) {
      // Seed §3.0: until `Y`, the unit is in simple signalling and ignores everything else.
      return byte === Y ? { kind: "smart-mode" } : null;
    }
    const entered = this.#continueEntry(byte);
    if (entered !== "not-entry") return entered;
    // Any other byte between the two presses cancels a two-press command (seed "Timing").
    if (this.#firstPress !== null && this.#firstPress.byte !== byte) this.#firstPress = null;
    if (byte === ESC) {
      // PROTOCOL-NOTES: ESC clears a half-typed command.
      this.#editContext = null;
      this.#firstPress = null;
      return null;
    }
    const editContext = this.#editContext;
    this.#editContext = null;
    return { kind: "command", byte, editContext };
  }

  /** Feeds a byte to a multi-byte command in progress; `not-entry` when it is a command of its own. */
  #continueEntry(byte: number): Frame | null | "not-entry" {
    const entry = this.#entry;
    switch (entry.kind) {
      case "none":
        return "not-entry";
      case "at": {
        if (byte >= 0x30 && byte <= 0x39) {
          const digits = entry.digits + String.fromCharCode(byte);
          if (digits.length < 3) {
            this.#entry = { kind: "at", digits };
            return null;
          }
          this.#entry = { kind: "none" };
          return { kind: "delayed-wake", tenths: Number.parseInt(digits, 10) };
        }
        // Seed: the unit ignores `@` followed by a non-digit (the command must be retried); the
        // byte itself is then an ordinary command.
        this.#entry = { kind: "none" };
        return "not-entry";
      }
      case "text": {
        if (byte === ESC) {
          this.#entry = { kind: "none" };
          return null;
        }
        // A carriage return pads the value like a space (NUT's apcsmart pads with CR).
        const chars = entry.chars + (byte === CR ? " " : String.fromCharCode(byte));
        if (chars.length < 8) {
          this.#entry = { ...entry, chars };
          return null;
        }
        this.#entry = { kind: "none" };
        return { kind: "text", setting: entry.setting, chars };
      }
      case "hex": {
        if (byte === ESC) {
          this.#entry = { kind: "none" };
          return null;
        }
        const char = String.fromCharCode(byte).toUpperCase();
        // Seed: the Measure-UPS ignores invalid hex.
        if (!/^[0-9A-F]$/.test(char)) return null;
        const chars = entry.chars + char;
        if (chars.length < 2) {
          this.#entry = { ...entry, chars };
          return null;
        }
        this.#entry = { kind: "none" };
        return { kind: "hex", setting: entry.setting, chars };
      }
    }
  }
}
