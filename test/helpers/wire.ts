// What the simulated UPS received, split into poll traffic and everything else. Poll traffic is
// the opcodes of the catalogue's queries and settings (read by the poller and by setting edits)
// plus the smart-mode handshake (`Y`, and ESC between tries): none of them changes the UPS. The
// destructive opcodes are the first bytes of the seed's Safety list, and the two sets are disjoint
// (checked by test/bridge/commands.test.ts), so a destructive byte on the wire is never a poll.
import { CATALOGUE, EVENTS, rowById } from "../../src/protocol/catalogue/index.js";
import type { ReceivedByte, SmartUpsSimulator } from "../../src/simulator/index.js";

const Y = 0x59;
const ESC = 0x1b;

/** Bytes that polls, read-backs and the handshake put on the wire. */
export const POLL_BYTES: ReadonlySet<number> = new Set([
  ...CATALOGUE.filter((row) => row.kind === "query" || row.kind === "setting").flatMap(
    (row) => row.wire.bytes,
  ),
  Y,
  ESC,
]);

/** The opcode of every destructive action (K Z S @ U D ^ Ctrl-N z). */
export const DESTRUCTIVE_BYTES: ReadonlyMap<number, string> = new Map(
  CATALOGUE.filter((row) => row.kind === "action" && row.destructive).flatMap((row) =>
    row.wire.bytes.slice(0, 1).map((byte) => [byte, row.id] as const),
  ),
);

export function escapeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`;
}

/** Where the simulator's log of received bytes ends now. */
export function mark(sim: SmartUpsSimulator): number {
  return sim.received.length;
}

const AT = 0x40;
const EDIT = 0x2d;

/** Setting opcodes whose `-` is followed by direct entry, with the entry's length (c, x: 8; I: 2). */
const ENTRY_LENGTH: ReadonlyMap<number, number> = new Map(
  CATALOGUE.filter((row) => row.kind === "setting").flatMap((row): [number, number][] => {
    const param = row.params[0];
    const byte = row.wire.bytes[0];
    if (param === undefined || byte === undefined) return [];
    return param.type === "text" ? [[byte, param.length]] : param.type === "hex_byte" ? [[byte, 2]] : [];
  }),
);

const isDigit = (entry: ReceivedByte | undefined): entry is ReceivedByte =>
  entry !== undefined && entry.byte >= 0x30 && entry.byte <= 0x39;

/**
 * Received bytes since `from` that are not poll traffic (commands, edits, entries). The digits of
 * `@ddd` and the characters entered after `c-`, `x-`, `I-` are kept even when they look like
 * queries (`7` is also the DIP switch query). An entry refused with `NO` is not followed by its
 * characters, so up to that many poll bytes after it are counted as entry: check the raw log there.
 */
export function commandBytes(sim: SmartUpsSimulator, from: number): ReceivedByte[] {
  const received = sim.received;
  const out: ReceivedByte[] = [];
  for (let i = from; i < received.length; i++) {
    const entry = received[i];
    if (entry === undefined) continue;
    if (entry.byte === AT) {
      out.push(entry);
      let k = 1;
      for (; k <= 3; k++) {
        const digit = received[i + k];
        if (!isDigit(digit)) break;
        out.push(digit);
      }
      i += k - 1;
      continue;
    }
    const length = entry.byte === EDIT ? ENTRY_LENGTH.get(received[i - 1]?.byte ?? -1) : undefined;
    if (length !== undefined) {
      const chars = received.slice(i, i + 1 + length);
      out.push(...chars);
      i += chars.length - 1;
      continue;
    }
    if (!POLL_BYTES.has(entry.byte)) out.push(entry);
  }
  return out;
}

/** `commandBytes` as text, control bytes escaped (`\x0e`). */
export function commandText(sim: SmartUpsSimulator, from: number): string {
  return commandBytes(sim, from)
    .map(({ byte }) => escapeByte(byte))
    .join("");
}

/** Index (into `sim.received`) of the first occurrence of `bytes` as a contiguous run at or after `from`; -1 if none. */
export function indexOfRun(sim: SmartUpsSimulator, bytes: readonly number[], from = 0): number {
  const received = sim.received;
  outer: for (let i = from; i + bytes.length <= received.length; i++) {
    for (let j = 0; j < bytes.length; j++) if (received[i + j]?.byte !== bytes[j]) continue outer;
    return i;
  }
  return -1;
}

export function textBytes(text: string): number[] {
  return [...text].map((char) => char.charCodeAt(0));
}

/**
 * Whether the first full read after connecting is over: it reads the tiers identity, slow, min/max
 * and fast in that order, one query at a time, so it is over once the last supported fast-tier
 * query is on the wire (the simulator answers at once). With polls far apart nothing follows it.
 */
export function firstReadOver(sim: SmartUpsSimulator, supported: ReadonlySet<string>): boolean {
  const fast = CATALOGUE.filter(
    (row) => row.kind === "query" && row.tier === "fast" && row.decode !== null && supported.has(row.id),
  );
  const last = fast.at(-1)?.wire.bytes[0];
  return last !== undefined && sim.received.some((r) => r.byte === last);
}

/** Opcodes of the registers the bridge reads again after the alert `alert` (those the UPS has). */
export function rereadBytes(alert: string, supported: ReadonlySet<string>): number[] {
  const ids = EVENTS.filter((e) => e.byte === alert.charCodeAt(0)).flatMap(
    (e) => e.reread as readonly string[],
  );
  return [...new Set(ids.filter((id) => supported.has(id)).map((id) => rowById(id).wire.bytes[0] ?? -1))];
}
