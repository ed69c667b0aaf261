// Catalogue rows as link requests: the one place where a row becomes what the link needs to know
// (bytes, reply framing, wait, whether it may be resent, pacing, two presses, what its replies do to
// the line). Everything here is read from the row and the codec: the bytes of an action are the
// codec's (encoded once, by the command service), and which replies decline, fit or end smart mode
// is what the codec reads them to mean. The link itself knows bytes only (src/link/request.ts).
import type { ExclusiveLine, LinkExchange, LinkRequest, Priority, ReplyProblem } from "../link/session.js";
import { badReply, type EncodedAction, interpretReply } from "../protocol/codec.js";
import type { CatalogueRow, QueryRow, SettingRow, Value } from "../protocol/types.js";

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
export function queryRequest(row: QueryRow | SettingRow, priority: Priority): LinkRequest {
  return {
    ...readExchange(row),
    priority,
    retry: row.retry && !row.destructive && row.kind === "query",
    countsTowardLoss: true,
    paced: false,
    pressGapMs: null,
    check: (text) => checkQueryReply(row, text),
    refusals: [],
    silentAfter: [],
    leavesSmartMode: false,
  };
}

/** Replies that can decline an action; the codec says which of them do for a row. */
const DECLINING: readonly string[] = ["NA", "NO", "ERR"];

/** An encoded action: never resent; two presses or paced characters as the row says. */
export function actionRequest(request: EncodedAction): LinkRequest {
  const { row, bytes } = request;
  const means = (reply: string) => interpretReply(row, reply).kind;
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
    // Returned as they are, with none of the effects below: the codec turns them into errors.
    refusals: DECLINING.filter((reply) => means(reply) === "not_available" || means(reply) === "refused"),
    // The replies by which a shutdown says it will act (old units answer a bare `*`).
    silentAfter: row.effect === "goes_silent" ? row.replies.filter((reply) => means(reply) === "done") : [],
    leavesSmartMode: row.effect === "leaves_smart_mode",
  };
}

function checkQueryReply(row: QueryRow | SettingRow, text: string): ReplyProblem | null {
  const meaning = interpretReply(row, text);
  // `NA` is the caller's to read ("not supported", or "not now"): the UPS answered.
  if (meaning.kind === "not_available") return null;
  // `Q` answering `SM`: the status is not valid yet (PROTOCOL-NOTES "Entering smart mode").
  if (meaning.kind === "not_ready") return { why: "status not valid yet", outOfStep: false };
  if (row.decode === null) return null;
  const decoded = row.decode(text);
  // A reply that does not fit its row: most likely the late answer to an earlier request.
  return decoded.ok ? null : { why: decoded.error, outOfStep: true };
}

/** A probe's reply: `NA`, and `NO` from a setting whose values do not include it, mean "not supported". */
export function probeAnswered(row: QueryRow | SettingRow, text: string): boolean {
  const kind = interpretReply(row, text).kind;
  return kind !== "not_available" && kind !== "refused";
}

/** A decoded reply, or bad_reply naming the row. */
export function decodeReply(row: QueryRow | SettingRow, text: string): Value {
  if (row.decode === null) return text;
  const decoded = row.decode(text);
  if (!decoded.ok) throw badReply(row, text, decoded.error);
  return decoded.value;
}
