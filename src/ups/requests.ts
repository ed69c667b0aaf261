// Catalogue rows as link requests: the one place where a row becomes what the link needs to know
// (bytes, reply framing, wait, whether it may be resent, pacing, two presses, what its replies do to
// the line), and where the replies the link hands back raw (`NA`, `NO`, `ERR`) become errors with
// the row's name. The link itself knows bytes only (src/link/request.ts).
import type { ExclusiveLine, LinkExchange, LinkRequest, Priority, ReplyProblem } from "../link/session.js";
import { UpsLinkError } from "../protocol/errors.js";
import { escapeBytes } from "../protocol/escape.js";
import type { CatalogueRow, ParamSpec, Value } from "../protocol/types.js";

/** After these succeed the UPS may go quiet until it wakes: expected, not a lost link (notes). */
const SHUTDOWN_ACTIONS: ReadonlySet<string> = new Set([
  "turn_off_after_delay",
  "turn_off_immediate",
  "shutdown_on_battery",
  "shutdown_delayed_wake",
]);

/** The replies by which a shutdown action says it will act (old units answer a bare `*`). */
const SHUTDOWN_ACCEPTED: readonly string[] = ["OK", "*"];

/** `R` answers `BYE` and returns the UPS to simple signalling: `Y` is needed again. */
const LEAVES_SMART_MODE: ReadonlySet<string> = new Set(["return_to_simple_mode"]);

/** Alerts after which the UPS may go quiet: `*` (old models) says the load is about to go off. */
export const SILENCE_ALERTS: ReadonlySet<string> = new Set(["ups_about_to_turn_load_off"]);

/** `Q` answering `SM` means the status is not valid yet (PROTOCOL-NOTES "Entering smart mode"). */
const STATUS_QUERY = "ups_status_register";

/** Ordinary rows wait the link's `queryTimeoutMs`; rows with a longer allowance (`a`, Ctrl-Z) keep theirs. */
function allowance(row: CatalogueRow): number {
  return row.timeoutMs > 1500 ? row.timeoutMs : 0;
}

/** A row's opcode as one question (probes, and reads on the exclusive line during an edit). */
export function readExchange(row: CatalogueRow): LinkExchange {
  return {
    name: row.id,
    bytes: Uint8Array.from(row.wire.bytes),
    reply: row.replyMode,
    timeoutMs: allowance(row),
  };
}

/** Reads a row on a held line (setting edits): its raw reply. */
export function readOnLine(line: ExclusiveLine, row: CatalogueRow): Promise<string> {
  return line.exchange(readExchange(row));
}

/** A query or setting read: resent after silence or a misfit reply when the row allows it. */
export function queryRequest(row: CatalogueRow, priority: Priority): LinkRequest {
  return {
    ...readExchange(row),
    priority,
    retry: row.kind === "query" && row.retry && !row.destructive,
    countsTowardLoss: true,
    paced: false,
    pressGapMs: null,
    check: (text) => checkQueryReply(row, text),
    refusals: [],
    silentAfter: [],
    leavesSmartMode: false,
  };
}

/** An action with its parameters: never resent; two presses or paced characters as the row says. */
export function actionRequest(row: CatalogueRow, params: Readonly<Record<string, Value>>): LinkRequest {
  const bytes = encodeAction(row, params);
  return {
    name: row.id,
    bytes,
    reply: row.replyMode,
    timeoutMs: row.timeoutMs,
    priority: "user",
    retry: false,
    countsTowardLoss: false,
    paced: row.wire.presses === 1 && bytes.length > 1,
    pressGapMs: row.wire.presses === 2 ? row.wire.gapMs : null,
    check: null,
    refusals: ["NA", "NO", ...(row.replies.includes("ERR") ? ["ERR"] : [])],
    silentAfter: SHUTDOWN_ACTIONS.has(row.id) ? SHUTDOWN_ACCEPTED : [],
    leavesSmartMode: LEAVES_SMART_MODE.has(row.id),
  };
}

function checkQueryReply(row: CatalogueRow, text: string): ReplyProblem | null {
  // `NA` is the caller's to read ("not supported", or "not now"): the UPS answered.
  if (text === "NA") return null;
  if (row.id === STATUS_QUERY && text === "SM") return { why: "status not valid yet", outOfStep: false };
  if (row.decode === null) return null;
  const decoded = row.decode(text);
  // A reply that does not fit its row: most likely the late answer to an earlier request.
  return decoded.ok ? null : { why: decoded.error, outOfStep: true };
}

// ----- replies the link hands back raw -----

export function notSupported(row: CatalogueRow, transient: boolean): UpsLinkError {
  const message = transient
    ? `The UPS cannot do '${row.id}' right now (it answered NA).`
    : `The UPS does not support '${row.id}' (it answered NA).`;
  return new UpsLinkError("not_supported", message, { id: row.id, transient });
}

/** An action's reply: `NA` → not_supported, `NO` (and `ERR` where the row lists it) → refused_by_ups. */
export function actionReply(row: CatalogueRow, text: string): string {
  if (text === "NA") throw notSupported(row, true);
  if (text === "NO" || (text === "ERR" && row.replies.includes("ERR"))) {
    throw new UpsLinkError("refused_by_ups", `The UPS refused '${row.id}' (it answered ${text}).`, {
      id: row.id,
      reply: text,
    });
  }
  return text;
}

/** A probe's reply: `NA`, and `NO` from a setting whose values do not include it, mean "not supported". */
export function probeAnswered(row: CatalogueRow, text: string): boolean {
  // Matrix-UPS answers `NO` to the settings it lacks (`l`, `e`: seed §3.4); but `NO` is also a
  // value of `w` (run time conservation off), which is then supported.
  const noIsValue = Object.values(row.values ?? {}).some((values) => values.includes("NO"));
  return !(text === "NA" || (text === "NO" && row.kind === "setting" && !noIsValue));
}

/** A decoded reply, or bad_reply naming the row. */
export function decodeReply(row: CatalogueRow, text: string): Value {
  if (row.decode === null) return text;
  const decoded = row.decode(text);
  if (!decoded.ok) {
    throw new UpsLinkError(
      "bad_reply",
      `Unexpected reply to '${row.id}': ${escapeBytes(latin1Bytes(text))} (${decoded.error}).`,
      { id: row.id },
    );
  }
  return decoded.value;
}

// ----- parameters -----

function latin1Bytes(text: string): number[] {
  return Array.from(text, (char) => char.charCodeAt(0) & 0xff);
}

/** The bytes of an action with its parameters (`@` + 3 digits), validated against the row. */
export function encodeAction(row: CatalogueRow, params: Readonly<Record<string, Value>>): Uint8Array {
  const out = [...row.wire.bytes];
  for (const spec of row.params) out.push(...encodeParam(row, spec, params[spec.name]));
  return Uint8Array.from(out);
}

function encodeParam(row: CatalogueRow, spec: ParamSpec, value: Value | undefined): number[] {
  const invalid = (why: string): UpsLinkError =>
    new UpsLinkError("invalid_params", `Parameter '${spec.name}' of '${row.id}' ${why}.`, {
      id: row.id,
      param: spec.name,
    });
  if (spec.type === "integer") {
    const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof number !== "number" || !Number.isInteger(number) || number < spec.min || number > spec.max) {
      throw invalid(`must be a whole number from ${spec.min} to ${spec.max}`);
    }
    return latin1Bytes(String(number).padStart(spec.digits, "0"));
  }
  if (spec.type === "hex_byte") {
    const number =
      typeof value === "string" && /^[0-9a-fA-F]{1,2}$/.test(value) ? Number.parseInt(value, 16) : value;
    if (typeof number !== "number" || !Number.isInteger(number) || number < 0 || number > 255) {
      throw invalid("must be a byte (0-255 or two hex digits)");
    }
    return latin1Bytes(number.toString(16).toUpperCase().padStart(2, "0"));
  }
  if (typeof value !== "string" || value.length > spec.length || !new RegExp(spec.pattern).test(value)) {
    throw invalid(`must be text of at most ${spec.length} characters matching ${spec.pattern}`);
  }
  return latin1Bytes(value.padEnd(spec.length, " "));
}
