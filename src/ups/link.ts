// What the UPS layer needs of the link: `LinkSession` (src/link/session.ts) implements it. The UPS
// layer depends on this narrow interface, so its tests can drive it with the real session over the
// in-process simulator, and nothing here reaches for transports.
import type { Capabilities, UpsIdentity } from "../link/capabilities.js";
import type { AlertEvent, LinkState, Priority } from "../link/session.js";
import type { Value } from "../protocol/types.js";

export type { AlertEvent, LinkState, Priority, UpsIdentity };
export type UpsCapabilities = Capabilities;

export interface EditLine {
  /** Sends a row's opcode and returns the raw reply. */
  query(rowId: string): Promise<string>;
  /** Sends bytes (paced when more than one; stops early when the UPS answers the first) and returns the reply. */
  send(bytes: Uint8Array): Promise<string>;
}

export interface UpsLink {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly state: LinkState;
  onAlert(listener: (alert: AlertEvent) => void): () => void;
  onState(listener: (state: LinkState) => void): () => void;
  /** A query's raw reply text. Throws UpsLinkError (`not_supported`, `timeout`, `link_down`, …). */
  query(rowId: string, priority: Priority): Promise<string>;
  /** An action's raw reply text; never retried. */
  action(rowId: string, params: Readonly<Record<string, Value>>): Promise<string>;
  /** Holds the line for a multi-step exchange (setting edits). */
  exclusive<T>(fn: (line: EditLine) => Promise<T>): Promise<T>;
  discover(): Promise<UpsCapabilities>;
}
