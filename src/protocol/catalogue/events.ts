// The seed's 10 alert events. Alerts carry no CR LF and may arrive inside a reply. Each row says
// what to re-read at once, which bits of `Q` the alert implies until the re-read confirms them
// (PROTOCOL-NOTES "Alerts and what they mean", "Registers"), what it does to the line, which
// opposite it pairs with, and, for a return alert, the state it needs to return from.
import type { QueryId } from "./queries.js";
import type { BitId } from "./registers.js";
import type { EventRow, EventShape, RegisterBitRef, RegisterPatch } from "./rows.js";
import { SETTING_IDS } from "./settings.js";

// What each alert makes worth re-reading at once.
const LINE_REREAD = [
  "ups_status_register",
  "transfer_cause",
  "battery_capacity",
  "run_time_remaining",
] as const satisfies readonly QueryId[];
const BATTERY_REREAD = [
  "ups_status_register",
  "battery_capacity",
  "run_time_remaining",
] as const satisfies readonly QueryId[];
const ABNORMAL_REREAD = [
  "ups_status_register",
  "trip1_register",
  "trip_register",
  "state_register",
] as const satisfies readonly QueryId[];

const EVENT = {
  patch: null,
  effect: "none",
  transfer: false,
  needsMeasureUps: false,
  pair: null,
  returnFrom: null,
} as const;

/** `Q` bits 7 replace battery, 6 low battery, 4 on battery, 3 on line. */
function q(set: RegisterPatch["set"], clear: RegisterPatch["clear"]): RegisterPatch {
  return { register: "Q", set, clear };
}

/** A bit of `Q`. */
function qBit(bit: BitId): RegisterBitRef {
  return { register: "Q", bit };
}

export const EVENTS = [
  {
    ...EVENT,
    id: "line_fail",
    char: "!",
    byte: 0x21,
    description:
      "UPS transferred to on-battery operation. Repeated every 30 s during extended outage until low battery.",
    reread: LINE_REREAD,
    patch: q(["on_battery_mode"], ["on_line_mode"]),
    transfer: true,
    pair: "line",
  },
  {
    ...EVENT,
    id: "return_from_line_fail",
    char: "$",
    byte: 0x24,
    description: "UPS returned from on-battery. Sent only if '!' was sent first.",
    reread: LINE_REREAD,
    patch: q(["on_line_mode"], ["on_battery_mode"]),
    transfer: true,
    pair: "line",
    returnFrom: qBit("on_battery_mode"),
  },
  {
    ...EVENT,
    id: "low_battery",
    char: "%",
    byte: 0x25,
    description: "Low battery condition. Not on Smart-UPS v/s or Back-UPS Pro.",
    reread: BATTERY_REREAD,
    patch: q(["low_battery_condition"], []),
    pair: "battery",
  },
  {
    ...EVENT,
    id: "return_from_low_battery",
    char: "+",
    byte: 0x2b,
    description: "Battery recharged to sufficient capacity. Sent only if '%' was sent first.",
    reread: BATTERY_REREAD,
    patch: q([], ["low_battery_condition"]),
    pair: "battery",
    returnFrom: qBit("low_battery_condition"),
  },
  {
    ...EVENT,
    id: "abnormal_condition",
    char: "?",
    byte: 0x3f,
    description:
      "UPS entered abnormal state (overload shutdown, low-battery shutdown, PC reboot). Also auto-sent within 10 min of turn-on.",
    reread: ABNORMAL_REREAD,
    pair: "abnormal",
  },
  {
    ...EVENT,
    id: "return_from_abnormal_condition",
    char: "=",
    byte: 0x3d,
    description:
      "UPS recovered from abnormal condition. Sent only if '?' was sent first; not after the turn-on '?'.",
    reread: ABNORMAL_REREAD,
    pair: "abnormal",
  },
  {
    ...EVENT,
    id: "ups_about_to_turn_load_off",
    char: "*",
    byte: 0x2a,
    description:
      "UPS commanded to turn off; no further commands processed. Not on newer Smart-UPS, v/s, or Back-UPS Pro.",
    reread: ["ups_status_register"],
    // Silence after it is expected, not a lost link.
    effect: "goes_silent",
  },
  {
    ...EVENT,
    id: "replace_battery",
    char: "#",
    byte: 0x23,
    description: "Battery test found replace-battery condition. Repeats every 5 h until a new test passes.",
    reread: ["ups_status_register", "battery_test_result"],
    patch: q(["replace_battery_condition"], []),
  },
  {
    ...EVENT,
    id: "eeprom_variable_change",
    char: "|",
    byte: 0x7c,
    description:
      "Any UPS EEPROM variable changed via Customizing Commands. Newer Smart-UPS and Matrix-UPS only.",
    reread: SETTING_IDS,
  },
  {
    ...EVENT,
    id: "measureups_alarm",
    char: "&",
    byte: 0x26,
    description:
      "Measure-UPS: ambient temperature/humidity outside limits, or a contact input changed from its normal state. Cause via J.",
    reread: ["alarm_status"],
    needsMeasureUps: true,
  },
  {
    ...EVENT,
    // Not one of the seed's alerts: every byte a unit lists in the alert field of its `a` reply is
    // an alert of that unit (PROTOCOL-NOTES "Values"; an RT 1000 XL lists `\x04`). One no row
    // above knows still comes out of the reply it arrives in, as this event with its byte.
    id: "unknown_alert",
    char: null,
    byte: null,
    description:
      "An alert byte the UPS declares in its `a` reply that the catalogue does not know (an RT 1000 XL declares 0x04); the event carries the byte.",
    // What it means is unknown: the status register is the cheap, general check.
    reread: ["ups_status_register"],
  },
] as const satisfies readonly EventShape[];

export type EventId = (typeof EVENTS)[number]["id"];

const EVENT_BY_BYTE: ReadonlyMap<number, EventRow> = new Map(
  EVENTS.flatMap((event): [number, EventRow][] => (event.byte === null ? [] : [[event.byte, event]])),
);
const EVENT_BY_ID: ReadonlyMap<string, EventRow> = new Map(EVENTS.map((event) => [event.id, event]));

/** The row of a known alert byte (undefined for a byte no row names: see `alertEventId`). */
export function eventByByte(byte: number): EventRow | undefined {
  return EVENT_BY_BYTE.get(byte);
}

/** The event an alert byte comes out as: its row's, or `unknown_alert` for one a unit declared. */
export function alertEventId(byte: number): EventId {
  return EVENT_BY_BYTE.get(byte)?.id ?? "unknown_alert";
}

export function eventById(id: EventId): EventRow {
  const event = EVENT_BY_ID.get(id);
  if (event === undefined) throw new Error(`no event ${id}`);
  return event;
}

/** The alert bytes the catalogue knows, `! $ % + ? = * # | &`: alerts of every unit. */
export const ALERT_BYTES: ReadonlySet<number> = new Set(EVENTS.flatMap((event) => event.byte ?? []));
