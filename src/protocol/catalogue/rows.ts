// The shapes of the catalogue's rows and the builders the tables share. A row carries everything
// another layer needs to know about its opcode: how it goes on the wire, what its replies mean,
// what it does to the line and the UPS's state, what to re-read after it, how it appears in Home
// Assistant and its NUT name. Other layers read these fields; none keeps a list of ids of its own.
import type { ErrorCode } from "../errors.js";
import type {
  ActionKind,
  Decoder,
  ModelFamily,
  ParamSpec,
  PollTier,
  RegisterName,
  ReplyMode,
  SettingValues,
  Unit,
  Wire,
} from "../types.js";
import type { ActionId } from "./actions.js";
import type { EventId } from "./events.js";
import type { FeedbackId } from "./feedbacks.js";
import type { QueryId } from "./queries.js";
import type { BitId } from "./registers.js";
import type { ModifierId, SettingId } from "./settings.js";

// ----- Home Assistant -----

export type HaPlatform = "sensor" | "binary_sensor" | "select" | "number" | "text" | "button";
export type HaCategory = "diagnostic" | "config";

/** How a row, feedback, register bit or derived state appears in Home Assistant device discovery. */
export interface HaEntity {
  readonly platform: HaPlatform;
  /**
   * The entity's device class. A sensor with a unit needs one that fits it (Home Assistant rejects
   * `voltage` in `%`); null for none.
   */
  readonly deviceClass: string | null;
  /** `diagnostic` (readings for troubleshooting), `config` (settings, buttons), or null (primary). */
  readonly category: HaCategory | null;
  /** Shown without the user enabling it: what users ask for first (runtime, voltages, load, charge). */
  readonly enabledByDefault: boolean;
}

export function haSensor(
  deviceClass: string | null,
  options: { readonly enabled?: boolean; readonly category?: HaCategory | null } = {},
): HaEntity {
  return {
    platform: "sensor",
    deviceClass,
    category: options.category ?? null,
    enabledByDefault: options.enabled ?? false,
  };
}

/** Raw registers, identity text and counts: for troubleshooting, hidden until enabled. */
export const HA_DIAGNOSTIC: HaEntity = haSensor(null, { category: "diagnostic" });

// ----- rows -----

// Each table is checked against a `...Shape` (ids as plain strings: the typed ids are derived from
// the tables, so the shapes cannot name them); code reads the `...Row` types, whose ids are typed.

/** Fields every row has, whatever its kind. */
interface RowFields<Kind extends ActionKind> {
  /** The seed's id: the public name of the command, setting or state topic. */
  readonly id: string;
  readonly label: string;
  readonly kind: Kind;
  readonly wire: Wire;
  readonly params: readonly ParamSpec[];
  /** The replies the seed allows (`OK`, `NA`, `*`, ...); empty when the reply is a value. */
  readonly replies: readonly string[];
  readonly replyMode: ReplyMode;
  /** Decodes the reply text into the published value (queries and settings). */
  readonly decode: Decoder | null;
  readonly unit: Unit | null;
  readonly tier: PollTier;
  /** Model families that do not implement this row. */
  readonly lackedBy: readonly ModelFamily[];
  /** Present only with a Measure-UPS accessory connected. */
  readonly needsMeasureUps: boolean;
  /** In the seed's Safety list: needs the two-step confirmation. */
  readonly destructive: boolean;
  /** Queries may be retried on timeout; actions never are. */
  readonly retry: boolean;
  /** How long to wait for the reply (after the last byte is sent). */
  readonly timeoutMs: number;
  /** Settings: the seed's ring of values (the Ctrl-Z dump of a real unit overrides it). */
  readonly values: SettingValues | null;
  /** The register bit map name, for hex register queries. */
  readonly register: RegisterName | null;
  readonly notes: string;
  /**
   * NUT's names for it (apcsmart's variable or instant commands, as its tables write them; seeds/002),
   * or NUT's standard name where apcsmart has none; empty when NUT has none. A toggle has two
   * (`calibrate.start`, `calibrate.stop`). src/nut derives its variables and commands from these.
   */
  readonly nut: readonly string[];
  /**
   * apcupsd's names for it: the records of its NIS `status` answer that show this row's value
   * (`LINEV`), empty when apcupsd shows none.
   */
  readonly apcupsd: readonly string[];
  /** Its Home Assistant entity; null when it has none (an action the bridge keeps to itself, a
   * query whose feedback is the entity, a reply shown in `info`). */
  readonly ha: HaEntity | null;
}

/**
 * What a successful action does to the line and to how the bridge reads what follows.
 * - `enters_smart_mode`: `Y`, the handshake itself.
 * - `leaves_smart_mode`: `R` → `BYE`: the next request needs `Y` again.
 * - `goes_silent`: `S`, `K`, `Z`, `@`: the UPS may fall silent until it wakes; expected, not a lost link.
 * - `commanded_transfer`: `W`, `U`, `D`: the transfer that follows is a test, not a power failure.
 */
export type ActionEffect =
  | "none"
  | "enters_smart_mode"
  | "leaves_smart_mode"
  | "goes_silent"
  | "commanded_transfer";

/** What a `NO` or `ERR` reply means for this row: the error code and a sentence a user can act on. */
export interface Refusal {
  readonly code: Extract<ErrorCode, "refused_by_ups" | "edit_locked">;
  readonly sentence: string;
}

/** A state the UPS must be in for the action to be honoured (checked before anything is sent). */
export interface Interlock {
  readonly code: Extract<ErrorCode, "not_on_battery">;
  readonly key: BitId;
  readonly value: boolean;
  /** Why it is refused now. */
  readonly sentence: string;
  /** What to do instead, added when a user asked for this action directly. */
  readonly hint: string;
}

export interface ActionShape extends RowFields<"action"> {
  readonly effect: ActionEffect;
  /** Queries to re-read once it succeeded, ahead of polls. */
  readonly reread: readonly QueryId[];
  /** A tier to re-read once it succeeded (`z` resets every setting). */
  readonly rereadTier: PollTier | null;
  /** A re-read once the action's own work is over (`W`: the self-test takes about 8 s). */
  readonly rereadLater: { readonly afterMs: number; readonly reread: readonly QueryId[] } | null;
  /** What `NO`/`ERR` mean for it; null: the generic sentence. */
  readonly refusal: Refusal | null;
  readonly interlock: Interlock | null;
  /**
   * A toggle (`D`, `^`): the register bits that show its state is on (any of them); its `nut` names
   * are then the name that turns it on, and the one that turns it off. Null for other actions.
   */
  readonly toggles: readonly BitId[] | null;
}

/** What capability discovery learns from a query. */
export type Reveals =
  | "model"
  | "serial"
  | "manufacture_date"
  | "firmware"
  /** `V`, read when `b` is garbage (some old units). */
  | "firmware_fallback"
  /** `a`: the alert characters and commands the unit implements. */
  | "commands"
  /** Ctrl-Z: every setting with the values it allows. */
  | "setting_values"
  /** Answers only with a Measure-UPS connected. */
  | "measure_ups";

export interface QueryShape extends RowFields<"query"> {
  readonly reveals: Reveals | null;
  /** A reply that means "not valid yet, ask again" (`Q` answers `SM` right after `Y`). */
  readonly notReady: string | null;
}

/**
 * How a setting is changed after its opcode: `ring` steps with `-` through its values; `text` is `-`
 * then exactly 8 characters (`c`, `x`); `hex` is `-` then two hex digits (`I`); `count` is `+`/`-`
 * one at a time (`>` battery packs on a 3G Smart-UPS XL).
 */
export type SettingEntry = "ring" | "text" | "hex" | "count";

export interface SettingShape extends RowFields<"setting"> {
  readonly entry: SettingEntry;
  /**
   * The words Home Assistant shows for each published value of a select (`336` → `Every 14 days`);
   * null for a setting shown as a number or text. The per-key topic keeps the machine form: the
   * select translates both ways through its templates. A value without a word is shown as it is.
   */
  readonly words: Readonly<Record<string, string>> | null;
}

export interface ModifierShape extends RowFields<"modifier"> {
  readonly refusal: Refusal | null;
}

export interface ActionRow extends ActionShape {
  readonly id: ActionId;
}
export interface QueryRow extends QueryShape {
  readonly id: QueryId;
}
export interface SettingRow extends SettingShape {
  readonly id: SettingId;
}
export interface ModifierRow extends ModifierShape {
  readonly id: ModifierId;
}

export type CatalogueRow = ActionRow | QueryRow | SettingRow | ModifierRow;

// ----- feedbacks, registers, events, derived states -----

export type FeedbackType = "enum" | "number" | "hex_byte";

export interface FeedbackShape {
  readonly id: string;
  readonly type: FeedbackType;
  readonly values: readonly string[] | null;
  readonly unit: Unit | null;
  /** The query whose reply it is read from. */
  readonly sourceQuery: QueryId;
  readonly register: RegisterName | null;
  /** `registers`: weighs `Q`, `~` and `8` (power_state); null: the source query's value, checked against the type. */
  readonly derive: "registers" | null;
  /** A remark for the topic reference. */
  readonly notes: string;
  readonly ha: HaEntity;
}

export interface FeedbackRow extends FeedbackShape {
  readonly id: FeedbackId;
}

export interface RegisterBitShape {
  readonly bit: number;
  /** Binary state key (the seed's names for `Q` and `8`; ours, from PROTOCOL-NOTES, for the rest). */
  readonly id: string;
  readonly label: string;
  /** The bit reports a fault or a condition that needs attention. */
  readonly problem: boolean;
  /**
   * A fault of the UPS (the trip registers): discovered enabled, and counted by the Home Assistant
   * "Fault" sensor, which lists the active ones.
   */
  readonly fault: boolean;
  readonly ha: HaEntity;
  /** NUT's `ups.status` word while the bit is set (apcsmart's, and BYPASS from `~`); null for none. */
  readonly nut: string | null;
}

export interface RegisterBit extends RegisterBitShape {
  readonly id: BitId;
}

export interface RegisterMapShape {
  readonly name: RegisterName;
  /** The query row that reads it. */
  readonly query: QueryId;
  readonly bits: readonly RegisterBitShape[];
}

export interface RegisterMap extends RegisterMapShape {
  readonly bits: readonly RegisterBit[];
}

/** Bits of a register an alert implies, set and cleared, until the re-read confirms them. */
export interface RegisterPatch {
  readonly register: RegisterName;
  readonly set: readonly BitId[];
  readonly clear: readonly BitId[];
}

/** One bit of a register, by name. */
export interface RegisterBitRef {
  readonly register: RegisterName;
  readonly bit: BitId;
}

/**
 * Alerts that undo each other share a pair (seed "Events": `$` only after `!`, `+` after `%`, `=`
 * after `?`): a kind repeating without the other in between is a repeat, not a transition.
 */
export type EventPair = "line" | "battery" | "abnormal";

export interface EventShape {
  readonly id: string;
  /**
   * The alert character; null for `unknown_alert`, which stands for any byte a unit declares in its
   * `a` reply that no other row knows (the event carries the byte).
   */
  readonly byte: number | null;
  readonly char: string | null;
  readonly description: string;
  /** Queries and settings to re-read at once when the alert arrives. */
  readonly reread: readonly (QueryId | SettingId)[];
  /** What the alert says the register now holds; null when it says nothing certain. */
  readonly patch: RegisterPatch | null;
  /** `goes_silent`: the UPS is about to turn the load off (`*` of old units): silence is expected. */
  readonly effect: "none" | "goes_silent";
  /** A transfer to or from battery: its event says whether the bridge's own test caused it. */
  readonly transfer: boolean;
  /** Sent only by a Measure-UPS. */
  readonly needsMeasureUps: boolean;
  /** The pair of opposite alerts it belongs to; null for a kind without an opposite. */
  readonly pair: EventPair | null;
  /**
   * A return alert: the register bit of the state it returns from, which must be set when it
   * arrives (a return without it is line noise); null for every other alert.
   */
  readonly returnFrom: RegisterBitRef | null;
}

export interface EventRow extends EventShape {
  readonly id: EventId;
}

export type DerivedId = "shutdown_recommended";

/** A state the bridge derives itself (not a reply of the UPS). */
export interface DerivedRow {
  readonly id: DerivedId;
  readonly label: string;
  readonly description: string;
  readonly ha: HaEntity;
}

// ----- wire builders -----

/** One byte per press; the printable opcode as the seed writes it. */
export function once(opcode: string, byte: number = opcode.charCodeAt(0)): Wire {
  return { opcode, bytes: [byte], presses: 1, gapMs: 0 };
}

// K, Z and Ctrl-N: the same byte twice, more than 1.5 s apart with nothing in between (seed §3.1).
// 1700 ms leaves margin for the UPS's own timing tolerance.
const TWO_PRESS_GAP_MS = 1700;
export function twice(opcode: string, byte: number): Wire {
  return { opcode, bytes: [byte], presses: 2, gapMs: TWO_PRESS_GAP_MS };
}

// Families that predate a feature the seed calls "newer Smart-UPS" / "Matrix-UPS and newer".
export const NOT_MATRIX_ONLY = [
  "smart_ups_old",
  "smart_ups_3g",
  "smart_ups_250_400_370ci",
  "smart_ups_vs",
  "back_ups_pro",
] as const;
