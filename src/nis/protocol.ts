// apcupsd's network information protocol (NIS, port 3551), in bytes: every message either way is a
// 2-byte big-endian length followed by that many bytes of text; a zero-length message ends an answer.
// Pure: no I/O, timers or logging.

/** The longest request accepted; apcupsd's own commands (`status`, `events`) are a few bytes. */
export const MAX_REQUEST_BYTES = 256;
/** The longest record sent; a record is one line, apcupsd's are well under 100 bytes. */
export const MAX_RECORD_BYTES = 0xffff;

export type NisFrame =
  | { readonly kind: "request"; readonly text: string }
  /** A length above MAX_REQUEST_BYTES: the stream cannot be trusted any further. */
  | { readonly kind: "oversize"; readonly length: number };

/**
 * Cuts the client's byte stream into requests, however the reads split it. Holds at most
 * 2 + MAX_REQUEST_BYTES bytes; once it has reported an oversize length it reports nothing more.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private broken = false;

  constructor(private readonly maxBytes = MAX_REQUEST_BYTES) {}

  push(chunk: Buffer): NisFrame[] {
    if (this.broken) return [];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: NisFrame[] = [];
    while (this.pending.length >= 2) {
      const length = this.pending.readUInt16BE(0);
      if (length > this.maxBytes) {
        this.broken = true;
        this.pending = Buffer.alloc(0);
        frames.push({ kind: "oversize", length });
        return frames;
      }
      if (this.pending.length < 2 + length) break;
      const body = this.pending.subarray(2, 2 + length);
      this.pending = this.pending.subarray(2 + length);
      // A zero-length message asks nothing (it is how answers end); it is skipped.
      if (length > 0) frames.push({ kind: "request", text: body.toString("latin1") });
    }
    // Keep our own copy so a large chunk is not held for a few trailing bytes.
    if (this.pending.length > 0) this.pending = Buffer.from(this.pending);
    return frames;
  }
}

/** One message: the length, then the text (latin1, as apcupsd's bytes are). Cut at MAX_RECORD_BYTES. */
export function encodeRecord(text: string): Buffer {
  const body = Buffer.from(text, "latin1").subarray(0, MAX_RECORD_BYTES);
  const out = Buffer.alloc(2 + body.length);
  out.writeUInt16BE(body.length, 0);
  body.copy(out, 2);
  return out;
}

/** An answer: one message per record, then the zero-length message that ends it. */
export function encodeAnswer(records: readonly string[]): Buffer {
  return Buffer.concat([...records.map(encodeRecord), Buffer.from([0, 0])]);
}

export type NisCommand = "status" | "events" | "unknown";

/** What a request asks for. apcupsd compares the first bytes only; a trailing NUL or newline is allowed. */
export function parseRequest(text: string): NisCommand {
  const word = text.replace(/[\0\r\n\s]+$/, "");
  if (word === "status") return "status";
  if (word === "events") return "events";
  return "unknown";
}

/** apcupsd's answer to a command it does not know. */
export const INVALID_COMMAND = "Invalid command\n";
