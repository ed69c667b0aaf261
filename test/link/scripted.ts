// A transport whose far end is a few lines of script instead of a UPS: each byte written is handed
// to `answer`, and what it returns comes back either inside `write` (before it resolves, as an
// in-process or very fast port can do) or a given delay later. Lets the link be tested with bare
// bytes and no catalogue.
import { TypedEmitter } from "../../src/link/emitter.js";
import type { Transport, TransportEvents } from "../../src/link/transport.js";

export interface Written {
  readonly byte: number;
  /** Date.now() when it was written (fake time under vi.useFakeTimers). */
  readonly at: number;
}

/** What the far end sends back for one byte: text (Latin-1), or null for nothing. */
export type Answer = (byte: number, written: readonly Written[]) => string | null;

export class ScriptedTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly description = "scripted://test";
  readonly written: Written[] = [];
  /** "sync": the reply is delivered inside write(); a number: that many ms after it. */
  delivery: "sync" | number = "sync";
  answer: Answer;
  #open = false;

  constructor(answer: Answer) {
    super();
    this.answer = answer;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  async open(): Promise<void> {
    this.#open = true;
  }

  async write(bytes: Uint8Array): Promise<void> {
    for (const byte of bytes) {
      this.written.push({ byte, at: Date.now() });
      const reply = this.answer(byte, this.written);
      if (reply !== null) this.#deliver(reply);
    }
  }

  async close(): Promise<void> {
    this.#open = false;
  }

  /** Sends bytes from the far end now (an alert, a late reply). */
  send(text: string): void {
    this.emit(
      "data",
      Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff),
    );
  }

  /** What was written, as text (control bytes as `\xNN`). */
  text(): string {
    return this.written
      .map(({ byte }) =>
        byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`,
      )
      .join("");
  }

  #deliver(reply: string): void {
    if (this.delivery === "sync") {
      this.send(reply);
      return;
    }
    setTimeout(() => {
      if (this.#open) this.send(reply);
    }, this.delivery);
  }
}

/** A far end that enters smart mode on `Y` and answers other bytes from a table (CR LF added). */
export function smartUps(replies: Readonly<Record<string, string>>): Answer {
  return (byte) => {
    const char = String.fromCharCode(byte);
    if (char === "Y") return "SM\r\n";
    const reply = replies[char];
    return reply === undefined ? null : `${reply}\r\n`;
  };
}
