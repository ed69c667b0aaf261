// The shapes of the UPS-Link catalogue and of what the frame parser produces.
// Everything in src/protocol is pure: no I/O, no timers, no logging. It imports nothing of ours
// outside this folder.

/** A decoded value as it is published: numbers in the seed's units, strings sanitized, `null` unknown. */
export type Value = number | string | boolean | null | readonly Value[] | { readonly [key: string]: Value };

/** The result of decoding one reply. A decoder never throws. */
export type DecodeResult =
  | { readonly ok: true; readonly value: Value }
  | { readonly ok: false; readonly error: string };

export type Decoder = (text: string) => DecodeResult;

/** `kind` as in seeds/003: action | query | setting | modifier. */
export type ActionKind = "action" | "query" | "setting" | "modifier";

/**
 * Model families named by the seed's per-action notes. A row's `lackedBy` lists the families that
 * do not implement it; capability discovery (`a`, probing) has the last word on a real unit.
 */
export type ModelFamily =
  | "smart_ups_old" // early Smart-UPS without EEPROM, `a` or Ctrl-Z
  | "smart_ups_3g" // 3rd generation Smart-UPS (firmware letter W and later)
  | "smart_ups_250_400_370ci"
  | "smart_ups_vs"
  | "back_ups_pro"
  | "matrix_ups";

/** When a query is read. Actions and modifiers are `none`. */
export type PollTier =
  | "fast" // every `poll_interval_ms`
  | "minmax" // M / N: they reset on read, so only on a fixed schedule
  | "slow" // settings and nominal ratings: at start, hourly, after a `|` alert
  | "identity" // model, serial, firmware, dates, capabilities: at start and hourly
  | "none";

/**
 * How the reply to a request is framed.
 * - `line`: CR LF terminated; alert bytes anywhere in it are taken out as alerts.
 * - `verbatim`: CR LF terminated; alert characters inside are data (`a` lists the alert
 *   characters, the Ctrl-Z dump starts with `#`).
 * - `runtime`: like `line`, but `:` also ends the value (`j` answers `dddd:` or `>>>>:`); the `:`
 *   stays in the reply text, so a reply that lacks it does not pass for a value.
 * - `star_or_line`: like `line`, and a bare `*` is a complete reply (old units answer K/Z/@ so).
 */
export type ReplyMode = "line" | "verbatim" | "runtime" | "star_or_line";

/** Units as the seed names them. */
export type Unit = "percent" | "minutes" | "Vac" | "Vdc" | "degC" | "Hz" | "A" | "seconds" | "percent_rh";

export type ParamSpec =
  | {
      readonly name: string;
      readonly type: "integer";
      readonly min: number;
      readonly max: number;
      /** digits on the wire, zero padded */
      readonly digits: number;
      readonly description: string;
    }
  | {
      readonly name: string;
      readonly type: "text";
      /** exact length on the wire, padded with spaces */
      readonly length: number;
      /** what a value may contain, as a regular expression source */
      readonly pattern: string;
      readonly description: string;
    }
  | {
      readonly name: string;
      readonly type: "hex_byte";
      readonly description: string;
    };

/** How the bytes of a row go on the wire. */
export interface Wire {
  /** The printable opcode as the seed writes it (`K(>1.5s)K`, `Ctrl Z`, `DEL`, `@{tenths}`). */
  readonly opcode: string;
  /** The bytes of one press (control characters as bytes: Ctrl-A = 0x01, DEL = 0x7f). */
  readonly bytes: readonly number[];
  /** 2 for K, Z and Ctrl-N: the same byte twice with `gapMs` of silence between. */
  readonly presses: 1 | 2;
  /** Minimum silence between the presses of a two-press command (> 1500 ms). */
  readonly gapMs: number;
}

/** Allowed values of a setting as the seed lists them, per utility voltage letter where they vary. */
export interface SettingValues {
  /** Compatibility/locale letter (`A` 100 V, `D` 120 V, `I` 230 V, `M` 208 V) or `4` for all. */
  readonly [locale: string]: readonly string[];
}

export interface CatalogueRow {
  /** The seed's id: the public name of the command, setting or state topic. */
  readonly id: string;
  readonly label: string;
  readonly kind: ActionKind;
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
}

export type RegisterName = "Q" | "~" | "'" | "8" | "7" | "i" | "J";

export interface RegisterBit {
  readonly bit: number;
  /** Binary state key (the seed's names for `Q` and `8`; ours, from PROTOCOL-NOTES, for the rest). */
  readonly id: string;
  readonly label: string;
  /** `problem` bits become Home Assistant problem binary sensors. */
  readonly problem: boolean;
}

export interface RegisterMap {
  readonly name: RegisterName;
  /** The query row that reads it. */
  readonly query: string;
  readonly bits: readonly RegisterBit[];
}

export type FeedbackType = "enum" | "number" | "hex_byte";

export interface FeedbackRow {
  readonly id: string;
  readonly type: FeedbackType;
  readonly values: readonly string[] | null;
  readonly unit: Unit | null;
  /** The query whose reply it is read from. */
  readonly sourceQuery: string;
  readonly register: RegisterName | null;
}

export interface EventRow {
  readonly id: string;
  /** The alert character. */
  readonly byte: number;
  readonly char: string;
  readonly description: string;
  /** Queries to re-read at once when the alert arrives. */
  readonly reread: readonly string[];
}

/** What the frame parser produces from the byte stream. */
export type Frame =
  | { readonly type: "reply"; readonly text: string; readonly bytes: Uint8Array }
  | { readonly type: "alert"; readonly byte: number; readonly event: string }
  | { readonly type: "discarded"; readonly bytes: Uint8Array; readonly reason: string };
