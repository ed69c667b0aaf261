// The link as the UPS layer uses it: catalogue rows in, raw replies out (actions: their data). Each
// row becomes a link request (requests.ts); what the link hands back raw is read by the codec (`NA`:
// not supported, or not now; an action's refusal); rows the unit is known to lack fail without
// touching the wire; and capability discovery (capabilities.ts) runs over the link's probes. The
// session underneath knows bytes only.
import type { ExclusiveLine, LinkSession, Priority, ProbeOptions } from "../link/session.js";
import {
  CATALOGUE,
  eventById,
  findRow,
  type QueryId,
  type RowId,
  type SettingId,
} from "../protocol/catalogue/index.js";
import {
  type ActionReply,
  actionResult,
  type EncodedAction,
  interpretReply,
  replyError,
} from "../protocol/codec.js";
import { UpsLinkError } from "../protocol/errors.js";
import type { QueryRow, SettingRow, Value } from "../protocol/types.js";
import { type Capabilities, discoverCapabilities, type ProbeOutcome } from "./capabilities.js";
import type { AlertEvent, LinkState, UpsLink } from "./link.js";
import { actionRequest, decodeReply, probeAnswered, queryRequest, readExchange } from "./requests.js";

export interface QueryOptions {
  readonly priority?: Priority;
}

export class CatalogueLink implements UpsLink {
  readonly session: LinkSession;
  #capabilities: Capabilities | null = null;
  /** Rows that have given a real answer: a later `NA` from them is "not now", not "unsupported". */
  readonly #answered = new Set<RowId>();
  readonly #unsupported = new Set<RowId>();

  constructor(session: LinkSession) {
    this.session = session;
    // Subscribed before anyone else: the link expects silence before the alert is heard elsewhere.
    session.onAlert((alert) => {
      // `*` (old models): the load is about to go off; silence after it is expected.
      if (eventById(alert.event).effect === "goes_silent") session.expectSilence();
    });
  }

  get state(): LinkState {
    return this.session.state;
  }

  /** What the last `discover()` found. */
  get capabilities(): Capabilities | null {
    return this.#capabilities;
  }

  start(): Promise<void> {
    return this.session.start();
  }

  stop(): Promise<void> {
    return this.session.stop();
  }

  onAlert(listener: (alert: AlertEvent) => void): () => void {
    return this.session.onAlert(listener);
  }

  onState(listener: (state: LinkState) => void): () => void {
    return this.session.onState(listener);
  }

  /** A query's (or setting's) raw reply. Throws UpsLinkError: not_supported, timeout, bad_reply, link_down. */
  async query(rowId: QueryId | SettingId, options: QueryOptions | Priority = {}): Promise<string> {
    const priority = typeof options === "string" ? options : (options.priority ?? "poll");
    const row = this.#row(rowId);
    if (this.#unsupported.has(row.id)) throw replyError(row, { kind: "not_available" }, { transient: false });
    const text = await this.session.request(queryRequest(row, priority));
    const meaning = interpretReply(row, text);
    if (meaning.kind === "not_available") {
      // A query that answered before and now says NA is "not now" (sleeping, after S, during
      // calibration), not "unsupported" (PROTOCOL-NOTES "Values").
      const transient = this.#answered.has(row.id) || this.#capabilities?.supported.has(row.id) === true;
      if (!transient) this.#unsupported.add(row.id);
      throw replyError(row, meaning, { transient });
    }
    this.#answered.add(row.id);
    return text;
  }

  /** A query decoded with its row's decoder (bad_reply when the reply does not decode). */
  async read(rowId: QueryId | SettingId, options: QueryOptions | Priority = {}): Promise<Value> {
    const row = this.#row(rowId);
    return decodeReply(row, await this.query(rowId, options));
  }

  /**
   * Runs an action the codec encoded (bad parameters never get this far): two-press commands with
   * the line held through the gap, parameters paced one character at a time. Never retried. The
   * reply is read by the codec once: `NA` → not_supported, `NO`/`ERR` → the row's refusal.
   */
  async action(request: EncodedAction): Promise<ActionReply> {
    const text = await this.session.request(actionRequest(request));
    return actionResult(request.row, interpretReply(request.row, text));
  }

  /** Holds the line for a multi-step procedure (setting edits); nothing else interleaves. */
  exclusive<T>(fn: (line: ExclusiveLine) => Promise<T>): Promise<T> {
    return this.session.exclusive(fn);
  }

  /** Learns identity, supported rows, alerts and allowed setting values (see capabilities.ts). */
  async discover(): Promise<Capabilities> {
    const caps = await discoverCapabilities(
      { probe: (rowId, options) => this.#probe(rowId, options) },
      { probeTimeoutMs: this.session.options.probeTimeoutMs },
    );
    // Queries the unit lacks are known from now on: they fail at once instead of on the wire.
    this.#unsupported.clear();
    for (const row of CATALOGUE) {
      if ((row.kind === "query" || row.kind === "setting") && !caps.supported.has(row.id))
        this.#unsupported.add(row.id);
    }
    // The unit's own alert bytes (an RT's 0x04) are alerts from now on, taken out of its replies.
    this.session.declareAlerts(caps.alertBytes);
    this.#capabilities = caps;
    return caps;
  }

  /** One question for discovery: classified, never counted as a link failure. */
  async #probe(rowId: QueryId | SettingId, options: ProbeOptions = {}): Promise<ProbeOutcome> {
    const row = this.#row(rowId);
    const text = await this.session.probe(readExchange(row), options);
    if (text === null) return { kind: "silent" };
    if (!probeAnswered(row, text)) return { kind: "not_supported", reply: text };
    this.#answered.add(row.id);
    return { kind: "answer", text };
  }

  #row(rowId: QueryId | SettingId): QueryRow | SettingRow {
    const row = findRow(rowId);
    if (row?.kind !== "query" && row?.kind !== "setting") {
      throw new UpsLinkError(
        "unknown_setting",
        `'${rowId}' is not a query or setting of the UPS-Link catalogue.`,
        {
          id: rowId,
        },
      );
    }
    return row;
  }
}
