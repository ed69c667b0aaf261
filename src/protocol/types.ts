// The shapes of the UPS-Link catalogue and of what the frame parser produces.
// Everything in src/protocol is pure: no I/O, no timers, no logging. It imports nothing of ours
// outside this folder.
import type { EventId } from "./catalogue/events.js";

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
      /**
       * `date`: an ISO date or the unit's `mm/dd/yy`, written on the wire as `mm/dd/yy` (the codec
       * checks it is a real date).
       */
      readonly format?: "date";
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

export type RegisterName = "Q" | "~" | "'" | "8" | "7" | "i" | "J";

// The row shapes live with the tables they describe.
export type {
  ActionRow,
  CatalogueRow,
  EventRow,
  FeedbackRow,
  FeedbackType,
  ModifierRow,
  QueryRow,
  RegisterBit,
  RegisterMap,
  SettingRow,
} from "./catalogue/rows.js";

/** What the frame parser produces from the byte stream. */
export type Frame =
  | { readonly type: "reply"; readonly text: string; readonly bytes: Uint8Array }
  | { readonly type: "alert"; readonly byte: number; readonly event: EventId }
  | { readonly type: "discarded"; readonly bytes: Uint8Array; readonly reason: string };
