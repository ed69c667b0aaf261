// What the UPS layer needs of the link, in catalogue rows: `CatalogueLink` (catalogue-link.ts)
// implements it over a `LinkSession`, which knows bytes only. The UPS layer depends on this narrow
// interface, so its tests can drive it with the real session over the in-process simulator, and
// nothing here reaches for transports.
import type { AlertEvent, ExclusiveLine, LinkState, Priority } from "../link/session.js";
import type { QueryId, SettingId } from "../protocol/catalogue/index.js";
import type { ActionReply, EncodedAction } from "../protocol/codec.js";
import type { Capabilities, UpsIdentity } from "./capabilities.js";

export type { AlertEvent, Capabilities, ExclusiveLine, LinkState, Priority, UpsIdentity };

export interface UpsLink {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly state: LinkState;
  onAlert(listener: (alert: AlertEvent) => void): () => void;
  onState(listener: (state: LinkState) => void): () => void;
  /** A query's raw reply text. Throws UpsLinkError (`not_supported`, `timeout`, `link_down`, …). */
  query(rowId: QueryId | SettingId, priority: Priority): Promise<string>;
  /** Sends an action the codec encoded; its reply as the codec reads it. Never retried. */
  action(request: EncodedAction): Promise<ActionReply>;
  /** Holds the line for a multi-step exchange (setting edits); rows are read with `readOnLine`. */
  exclusive<T>(fn: (line: ExclusiveLine) => Promise<T>): Promise<T>;
  discover(): Promise<Capabilities>;
}
