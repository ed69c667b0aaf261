// The UPS-Link catalogue: every opcode of seeds/003_36988b62a4ffb2b1.txt as one row, with the seed's
// ids (the public vocabulary), labels and kinds, and everything other layers need to know about it.
// Discovery, the poller, the command service, the simulator, the CLI listing, the references and the
// per-row tests are derived from it: add a command by adding a row to the file of its kind.
//
// The tables live by kind (actions, queries, settings, events, feedbacks, registers); this module
// puts the rows back in the seed's order and derives the typed ids and lookups.
import { UpsLinkError } from "../errors.js";
import { byteName } from "../escape.js";
import type { ActionKind } from "../types.js";
import { type ActionId, CONTROL_ACTIONS, EEPROM_ACTIONS } from "./actions.js";
import type { EventId } from "./events.js";
import { DERIVED, FEEDBACKS, type FeedbackId } from "./feedbacks.js";
import { HISTORY, type HistoryId } from "./history.js";
import {
  EEPROM_QUERIES,
  MEASURE_UPS_QUERIES,
  POWER_QUERIES,
  type QueryId,
  STATUS_QUERIES,
} from "./queries.js";
import { type BitId, REGISTERS } from "./registers.js";
import type {
  ActionRow,
  CatalogueRow,
  DerivedId,
  ModifierRow,
  QueryRow,
  Reveals,
  SettingRow,
} from "./rows.js";
import {
  MEASURE_UPS_SETTINGS,
  MODIFIERS,
  type ModifierId,
  type SettingId,
  UPS_SETTINGS,
} from "./settings.js";

export * from "./actions.js";
export * from "./events.js";
export * from "./feedbacks.js";
export * from "./history.js";
export * from "./queries.js";
export * from "./registers.js";
export type * from "./rows.js";
export * from "./settings.js";

/** Every row in the seed's order: §3.1, §3.2, §3.3, §3.4 (Ctrl-Z, z, `-`, the settings), §4.1, §4.2. */
export const CATALOGUE = [
  ...CONTROL_ACTIONS,
  ...STATUS_QUERIES,
  ...POWER_QUERIES,
  ...EEPROM_QUERIES,
  ...EEPROM_ACTIONS,
  ...MODIFIERS,
  ...UPS_SETTINGS,
  ...MEASURE_UPS_QUERIES,
  ...MEASURE_UPS_SETTINGS,
] as const satisfies readonly CatalogueRow[];

/** Every row id of the seed (72). */
export type RowId = ActionId | QueryId | SettingId | ModifierId;
export type { ActionId, BitId, DerivedId, EventId, FeedbackId, HistoryId, ModifierId, QueryId, SettingId };

/** Every state key a UPS can publish under `<base>/<ups>/<key>`. */
export type KeyId = QueryId | SettingId | FeedbackId | BitId | DerivedId | HistoryId;

/** Every key id, for checks over the whole published vocabulary. */
export const KEY_IDS: readonly KeyId[] = [
  ...CATALOGUE.flatMap((row) => (row.kind === "query" || row.kind === "setting" ? [row.id] : [])),
  ...FEEDBACKS.map((f) => f.id),
  ...REGISTERS.flatMap((map) => map.bits.map((b) => b.id)),
  ...DERIVED.map((d) => d.id),
  ...HISTORY.map((h) => h.id),
];

const BY_ID: ReadonlyMap<string, CatalogueRow> = new Map(CATALOGUE.map((row) => [row.id, row]));

/** The row of an action id. */
export function actionRow(id: ActionId): ActionRow {
  const found = BY_ID.get(id);
  if (found?.kind !== "action") throw unknownRow(id);
  return found;
}

/** The row of a query or setting id: what is read from the UPS. */
export function readableRow(id: QueryId | SettingId): QueryRow | SettingRow {
  const found = BY_ID.get(id);
  if (found?.kind !== "query" && found?.kind !== "setting") throw unknownRow(id);
  return found;
}

function unknownRow(id: string): UpsLinkError {
  return new UpsLinkError(
    "unknown_action",
    `'${id}' is not a UPS-Link command, query or setting of the catalogue.`,
    { id },
  );
}

/** The row, or an `unknown_action` error naming the id (for ids from outside: topics, the CLI). */
export function rowById(id: string): CatalogueRow {
  const found = BY_ID.get(id);
  if (found === undefined) throw unknownRow(id);
  return found;
}

export function findRow(id: string): CatalogueRow | undefined {
  return BY_ID.get(id);
}

/** The action row of an id from outside (a topic level), or undefined. */
export function findAction(id: string): ActionRow | undefined {
  const found = BY_ID.get(id);
  return found?.kind === "action" ? found : undefined;
}

/** The setting row of an id from outside (a topic level), or undefined. */
export function findSetting(id: string): SettingRow | undefined {
  const found = BY_ID.get(id);
  return found?.kind === "setting" ? found : undefined;
}

type Row = (typeof CATALOGUE)[number];

export function rowsByKind<K extends ActionKind>(kind: K): Extract<Row, { kind: K }>[] {
  return CATALOGUE.filter((r): r is Extract<Row, { kind: K }> => r.kind === kind);
}

/** Rows whose one-press opcode is this byte (`>` has a query and a setting). */
export function rowsByOpcodeByte(byte: number): CatalogueRow[] {
  return CATALOGUE.filter((r) => r.wire.bytes.length === 1 && r.wire.bytes[0] === byte);
}

/** The query that reveals this to capability discovery (exactly one per role). */
export function queryRevealing(role: Reveals): QueryRow {
  const found = CATALOGUE.find(
    (r): r is Extract<Row, { kind: "query" }> => r.kind === "query" && r.reveals === role,
  );
  if (found === undefined) throw new UpsLinkError("unknown_action", `No query reveals ${role}.`);
  return found;
}

/** The edit modifier `-`, sent after a setting's opcode to change it. */
export const EDIT: ModifierRow = MODIFIERS[0];

export const DESTRUCTIVE_IDS: readonly ActionId[] = CATALOGUE.flatMap((r) =>
  r.kind === "action" && r.destructive ? [r.id] : [],
);

/** The opcode as readable text: `Q`, `Ctrl-Z`, `DEL`, `@ddd`, `Ctrl-N (1.7 s) Ctrl-N`. */
export function opcodeText(r: CatalogueRow): string {
  const press = r.wire.bytes.map(byteName).join("");
  const params = r.params.map((p) => (p.type === "integer" ? "d".repeat(p.digits) : `<${p.name}>`)).join("");
  if (r.wire.presses === 2) return `${press} (${r.wire.gapMs / 1000} s) ${press}`;
  return r.kind === "action" ? press + params : press;
}
