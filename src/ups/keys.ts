// The keys a UPS publishes, derived from the catalogue and the UPS's capabilities: one per supported
// query, feedback, register bit and setting, plus derived states. The bridge publishes each key on
// `<base>/<ups>/<key>`; discovery turns each into an entity. History keys (transfers, time on
// battery, self-tests) are the bridge's own count, kept across restarts.
import {
  DERIVED,
  type DerivedId,
  type FeedbackId,
  HISTORY,
  type HistoryId,
  type HistoryRow,
  type QueryId,
  type RowId,
  type SettingId,
} from "../protocol/catalogue/index.js";
import type { DerivedRow } from "../protocol/catalogue/rows.js";
import type {
  CatalogueRow,
  FeedbackRow,
  QueryRow,
  RegisterBit,
  RegisterMap,
  SettingRow,
} from "../protocol/types.js";

export type KeySpec =
  | { readonly kind: "query"; readonly key: QueryId; readonly row: QueryRow }
  | { readonly kind: "feedback"; readonly key: FeedbackId; readonly feedback: FeedbackRow }
  | {
      readonly kind: "bit";
      readonly key: RegisterBit["id"];
      readonly register: RegisterMap;
      readonly bit: RegisterBit;
    }
  | {
      readonly kind: "setting";
      readonly key: SettingId;
      readonly row: SettingRow;
      readonly allowed: readonly string[] | null;
    }
  | { readonly kind: "derived"; readonly key: DerivedId; readonly derived: DerivedRow }
  | { readonly kind: "history"; readonly key: HistoryId; readonly history: HistoryRow };

export interface KeyInputs {
  readonly rows: readonly CatalogueRow[];
  readonly feedbacks: readonly FeedbackRow[];
  readonly registers: readonly RegisterMap[];
  /** Row ids the UPS supports (from `a` or probing). */
  readonly supported: ReadonlySet<RowId>;
  /** Allowed values per setting id (Ctrl-Z dump, or the catalogue's list for the UPS's locale). */
  readonly settingValues: Readonly<Partial<Record<SettingId, readonly string[]>>>;
}

/**
 * Every key this UPS supports, in catalogue order. Feedbacks and bits exist only when their source
 * query is supported; nothing the UPS lacks is listed, so nothing it lacks is discovered.
 */
export function supportedKeys(inputs: KeyInputs): KeySpec[] {
  const keys: KeySpec[] = [];
  const seen = new Set<string>();
  const add = (spec: KeySpec) => {
    if (seen.has(spec.key)) return;
    seen.add(spec.key);
    keys.push(spec);
  };
  for (const row of inputs.rows) {
    if (!inputs.supported.has(row.id)) continue;
    if (row.kind === "query" && row.tier !== "none") add({ kind: "query", key: row.id, row });
    if (row.kind === "setting")
      add({ kind: "setting", key: row.id, row, allowed: inputs.settingValues[row.id] ?? null });
  }
  for (const feedback of inputs.feedbacks) {
    if (inputs.supported.has(feedback.sourceQuery)) add({ kind: "feedback", key: feedback.id, feedback });
  }
  for (const register of inputs.registers) {
    if (!inputs.supported.has(register.query)) continue;
    for (const bit of register.bits) add({ kind: "bit", key: bit.id, register, bit });
  }
  for (const derived of DERIVED) add({ kind: "derived", key: derived.id, derived });
  // The bridge's own history of the UPS (ups/history.ts), where the UPS gives what it is counted from.
  for (const history of HISTORY as readonly HistoryRow[])
    if (inputs.supported.has(history.sourceQuery)) add({ kind: "history", key: history.id, history });
  return keys;
}
