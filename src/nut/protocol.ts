// The NUT network protocol's line grammar (RFC 9271 §4; NUT's docs/net-protocol.txt): pure, no I/O.
// A request is one LF-terminated line of words separated by blanks; a word may be "quoted", a
// backslash takes the next character literally (inside quotes too), and `#` outside quotes starts a
// comment. Replies quote values and escape `"`, `\` and `#` with a backslash, which is what NUT's
// clients (libupsclient, PyNUT) read back.

/** The protocol's error words (RFC 9271 §4.3, "Error responses"): `ERR <word>`. */
export const NUT_ERRORS = [
  "ACCESS-DENIED",
  "UNKNOWN-UPS",
  "VAR-NOT-SUPPORTED",
  "CMD-NOT-SUPPORTED",
  "INVALID-ARGUMENT",
  "INSTCMD-FAILED",
  "SET-FAILED",
  "READONLY",
  "TOO-LONG",
  "FEATURE-NOT-SUPPORTED",
  "FEATURE-NOT-CONFIGURED",
  "ALREADY-SSL-MODE",
  "DRIVER-NOT-CONNECTED",
  "DATA-STALE",
  "ALREADY-LOGGED-IN",
  "INVALID-PASSWORD",
  "ALREADY-SET-PASSWORD",
  "INVALID-USERNAME",
  "ALREADY-SET-USERNAME",
  "USERNAME-REQUIRED",
  "PASSWORD-REQUIRED",
  "UNKNOWN-COMMAND",
  "INVALID-VALUE",
] as const;

export type NutError = (typeof NUT_ERRORS)[number];

/** Longest request line accepted, in bytes (upsd's own arguments are at most 512 characters each). */
export const MAX_LINE_BYTES = 1024;
/** Most words in one request: the longest real request (`SET VAR ups var "value"`) has five. */
export const MAX_WORDS = 32;

export type ParsedLine =
  | { readonly ok: true; readonly words: readonly string[] }
  | { readonly ok: false; readonly error: NutError; readonly reason: string };

/**
 * Splits one request line (without its LF; a trailing CR is dropped) into words. Never throws: a line
 * it cannot read is `INVALID-ARGUMENT` with the reason, for the log.
 */
export function parseLine(line: string): ParsedLine {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (char === "\\") {
      // A backslash takes the next character as it is; at the end of the line it stands for nothing.
      i++;
      if (i < text.length) word += text.charAt(i);
      inWord = true;
      continue;
    }
    if (quoted) {
      if (char === '"') {
        quoted = false;
        words.push(word);
        word = "";
        inWord = false;
      } else if (char === "#") {
        return { ok: false, error: "INVALID-ARGUMENT", reason: "an unescaped # inside quotes" };
      } else {
        word += char;
      }
      continue;
    }
    // A quote opens a quoted word only at the start of a word; inside one it is a plain character.
    if (char === '"' && !inWord) {
      quoted = true;
      inWord = true;
      continue;
    }
    if (char === "#") break;
    if (char === " " || char === "\t" || char === "\r" || char === "\v" || char === "\f") {
      if (inWord) {
        words.push(word);
        word = "";
        inWord = false;
      }
      continue;
    }
    word += char;
    inWord = true;
  }
  if (quoted) return { ok: false, error: "INVALID-ARGUMENT", reason: "an unbalanced quote" };
  if (inWord) words.push(word);
  if (words.length > MAX_WORDS)
    return { ok: false, error: "INVALID-ARGUMENT", reason: `more than ${MAX_WORDS} words` };
  for (const w of words) {
    if (hasControl(w)) return { ok: false, error: "INVALID-ARGUMENT", reason: "a control character" };
  }
  return { ok: true, words };
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** A value as the protocol sends it: in double quotes, with `"`, `\` and `#` escaped. */
export function quote(value: string): string {
  return `"${value.replace(/["\\#]/g, (c) => `\\${c}`)}"`;
}

/** `ERR <word>` */
export function errorLine(error: NutError): string {
  return `ERR ${error}`;
}

export type LineEvent = { readonly kind: "line"; readonly text: string } | { readonly kind: "overflow" };

/**
 * Cuts a byte stream into request lines, bounded: a line longer than `maxBytes` is reported once as
 * `overflow` and its bytes are dropped up to its LF, so a client cannot make the server hold more
 * than `maxBytes` of one line. Bytes are read as Latin-1, so no input is an encoding error.
 */
export class LineSplitter {
  private buffer = "";
  private discarding = false;

  constructor(private readonly maxBytes: number = MAX_LINE_BYTES) {}

  push(chunk: Uint8Array): LineEvent[] {
    const events: LineEvent[] = [];
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
    let start = 0;
    for (;;) {
      const end = text.indexOf("\n", start);
      const piece = end < 0 ? text.slice(start) : text.slice(start, end);
      if (this.discarding) {
        if (end >= 0) this.discarding = false;
      } else if (this.buffer.length + piece.length > this.maxBytes) {
        this.buffer = "";
        events.push({ kind: "overflow" });
        this.discarding = end < 0;
      } else if (end >= 0) {
        events.push({ kind: "line", text: this.buffer + piece });
        this.buffer = "";
      } else {
        this.buffer += piece;
      }
      if (end < 0) break;
      start = end + 1;
    }
    return events;
  }

  /** Bytes held for an unfinished line (for tests of the bound). */
  get pending(): number {
    return this.buffer.length;
  }
}

/** What a session answers to one request line. */
export interface Reply {
  readonly lines: readonly string[];
  /** The server switches the connection to TLS after writing the lines, or closes it. */
  readonly after?: "starttls" | "close";
}

export const okReply = (line = "OK"): Reply => ({ lines: [line] });
export const errorReply = (error: NutError): Reply => ({ lines: [errorLine(error)] });
