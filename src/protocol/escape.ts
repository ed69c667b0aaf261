// Printable forms of wire bytes, for logs (`trace`), the catalogue listing and error messages.

const NAMES: Readonly<Record<number, string>> = {
  0: "NUL",
  10: "LF",
  13: "CR",
  27: "ESC",
  127: "DEL",
};

/** One byte as text: `Q`, `Ctrl-Z`, `DEL`, `CR`, `\x8f`. */
export function byteName(byte: number): string {
  const named = NAMES[byte];
  if (named !== undefined) return named;
  if (byte >= 0x01 && byte <= 0x1a) return `Ctrl-${String.fromCharCode(0x40 + byte)}`;
  if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte);
  return `\\x${byte.toString(16).padStart(2, "0")}`;
}

/** Bytes as an escaped string: printable ASCII as is, the rest as `\r`, `\n`, `\x1a`. */
export function escapeBytes(bytes: Iterable<number>): string {
  let out = "";
  for (const byte of bytes) {
    if (byte === 0x0d) out += "\\r";
    else if (byte === 0x0a) out += "\\n";
    else if (byte === 0x5c) out += "\\\\";
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return out;
}
