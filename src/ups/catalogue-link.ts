// The link as the UPS layer uses it: catalogue rows in, raw replies out. Each row becomes a link
// request (requests.ts); what the link hands back raw is read here (`NA`: not supported, or not
// now); rows the unit is known to lack fail without touching the wire; and capability discovery
// (capabilities.ts) runs over the link's probes. The session underneath knows bytes only.
import type { ExclusiveLine, LinkSession, Priority, ProbeOptions } from "../link/session.js";
import { CATALOGUE, findRow } from "../protocol/catalogue.js";
import { UpsLinkError } from "../protocol/errors.js";
import type { CatalogueRow, Value } from "../protocol/types.js";
import { type Capabilities, discoverCapabilities, type ProbeOutcome } from "./capabilities.js";
import type { AlertEvent, LinkState, UpsLink } from "./link.js";
import {
  actionReply,
  actionRequest,
  decodeReply,
  notSupported,
  probeAnswered,
  queryRequest,
  readExchange,
  SILENCE_ALERTS,
} from "./requests.js";

export interface QueryOptions {
  readonly priority?: Priority;
}

export class CatalogueLink implements UpsLink {
  readonly session: LinkSession;
  #capabilities: Capabilities | null = null;
  /** Rows that have given a real answer: a later `NA` from them is "not now", not "unsupported". */
  readonly #answered = new Set<string>();
  readonly #unsupported = new Set<string>();

  constructor(session: LinkSession) {
    this.session = session;
    // Subscribed before anyone else: the link expects silence before the alert is heard elsewhere.
    session.onAlert((alert) => {
      if (SILENCE_ALERTS.has(alert.event)) session.expectSilence();
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
  async query(rowId: string, options: QueryOptions | Priority = {}): Promise<string> {
    const priority = typeof options === "string" ? options : (options.priority ?? "poll");
    const row = this.#row(rowId, ["query", "setting"]);
    if (this.#unsupported.has(row.id)) throw notSupported(row, false);
    const text = await this.session.request(queryRequest(row, priority));
    if (text === "NA") {
      // A query that answered before and now says NA is "not now" (sleeping, after S, during
      // calibration), not "unsupported" (PROTOCOL-NOTES "Values").
      const transient = this.#answered.has(row.id) || this.#capabilities?.supported.has(row.id) === true;
      if (!transient) this.#unsupported.add(row.id);
      throw notSupported(row, transient);
    }
    this.#answered.add(row.id);
    return text;
  }

  /** A query decoded with its row's decoder (bad_reply when the reply does not decode). */
  async read(rowId: string, options: QueryOptions | Priority = {}): Promise<Value> {
    const row = this.#row(rowId, ["query", "setting"]);
    return decodeReply(row, await this.query(rowId, options));
  }

  /**
   * Runs an action: two-press commands with the line held through the gap, parameters paced one
   * character at a time. Never retried. `NA` → not_supported, `NO`/`ERR` → refused_by_ups.
   */
  async action(rowId: string, params: Readonly<Record<string, Value>> = {}): Promise<string> {
    const row = this.#row(rowId, ["action"]);
    // Bad parameters throw here, before anything is queued.
    const request = actionRequest(row, params);
    return actionReply(row, await this.session.request(request));
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
    this.#capabilities = caps;
    return caps;
  }

  /** One question for discovery: classified, never counted as a link failure. */
  async #probe(rowId: string, options: ProbeOptions = {}): Promise<ProbeOutcome> {
    const row = this.#row(rowId, ["query", "setting"]);
    const text = await this.session.probe(readExchange(row), options);
    if (text === null) return { kind: "silent" };
    if (!probeAnswered(row, text)) return { kind: "not_supported", reply: text };
    this.#answered.add(row.id);
    return { kind: "answer", text };
  }

  #row(rowId: string, kinds: readonly CatalogueRow["kind"][]): CatalogueRow {
    const row = findRow(rowId);
    if (row === undefined || !kinds.includes(row.kind)) {
      const code = kinds.includes("action") ? "unknown_action" : "unknown_setting";
      throw new UpsLinkError(code, `'${rowId}' is not a ${kinds.join(" or ")} of the UPS-Link catalogue.`, {
        id: rowId,
      });
    }
    return row;
  }
}
