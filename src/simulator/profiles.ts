// The units the simulator can be. Each profile is a real kind of APC unit as UPS-Link clients meet
// it: which commands it answers, how it names itself, its utility voltage version, and its quirks
// (PROTOCOL-NOTES "Values" and "Ctrl-Z"; the seed's per-action notes on model exclusions). The
// profiles after the first six copy units others recorded (PROTOCOL-NOTES "Real units"): where a
// recording says what the unit answers, the profile answers the same.
import type { DumpItem } from "../protocol/dump-format.js";

export type ProfileName =
  | "smartups-3g-120"
  | "smartups-3g-230"
  | "smartups-old"
  | "matrix-ups"
  | "smartups-3g-measure"
  | "smt-ap9620"
  | "smartups-vs"
  | "smartups-rt"
  | "smartups-su420"
  | "smartups-600"
  | "matrix-ups-measure";

/**
 * Utility voltage version: `A` 100 V, `D` 120 V, `I` 220/230/240 V, `M` 208 V (seed, `V` and `b`);
 * `W` on Smart-UPS RT units (200 to 240 V, PROTOCOL-NOTES "Real units").
 */
export type Locale = "A" | "D" | "I" | "M" | "W";

export type Family = "smart_ups_3g" | "smart_ups_old" | "smart_ups_vs" | "matrix_ups";

export interface Profile {
  readonly name: string;
  readonly family: Family;
  /** Ctrl-A reply, as the unit sends it (some carry trailing spaces); null when Ctrl-A is unsupported. */
  readonly model: string | null;
  /** `V` reply (3 characters, the last one the locale letter); null when unsupported. */
  readonly firmwareV: string | null;
  /** `b` reply; null when unsupported. */
  readonly firmwareB: string | null;
  readonly locale: Locale;
  /** `n` reply exactly as sent, padding included. */
  readonly serial: string;
  /** `m` reply, mm/dd/yy as every real unit sends it (PROTOCOL-NOTES "Values"). */
  readonly manufactureDate: string;
  /** `g` nominal battery voltage. */
  readonly batteryVolts: number;
  /** Rated active power, for the runtime estimate. */
  readonly ratedWatts: number;
  /** Minutes of runtime on a full battery at 50 % load. */
  readonly runtimeAtHalfLoad: number;
  /** The single-byte commands the unit implements (listed by `a` in this order). */
  readonly commands: string;
  /** `a` reply protocol level; null when `a` is unsupported (Matrix-UPS, old Smart-UPS). */
  readonly protocolLevel: 2 | 3 | 4 | null;
  /** The first field of `a` when it is more than the level (a Smart-UPS v/s sends `2)`). */
  readonly levelField?: string;
  /** The alert characters the unit sends (listed by `a`). */
  readonly alerts: string;
  /** What the unit does with a command it does not implement. */
  readonly unsupported: "NA" | "silent";
  /** Old units answer K, Z and @ with a bare `*` and then stop answering (PROTOCOL-NOTES "Wire"). */
  readonly starReplies: boolean;
  /** `G` before the first transfer: `O` (seed) or `NA` (PROTOCOL-NOTES "Values"). */
  readonly transferCauseBeforeFirst: "O" | "NA";
  /** DIP switch register (`7`) at power-on; 3G units have no switches and answer `00`. */
  readonly dip: number;
  /** Settings that exist on this family but answer `NO` (Matrix-UPS: `l` and `e`, seed). */
  readonly refusedSettings: string;
  /** `>` battery packs (Matrix-UPS SmartCell); null when unsupported. */
  readonly batteryPacks: number | null;
  /** The Ctrl-Z dump starts with `##` (Matrix-UPS). */
  readonly matrixDump: boolean;
  /** A Measure-UPS accessory is connected (t h v i J [ ] { } I and the `&` alert). */
  readonly measureUps: boolean;
  /**
   * Measure-UPS limits answered one value per side, as real units answer `[ ] { }` (`55,50`,
   * `NO,NO`): each limit's opcode with the ring of each side. Absent: one value, as the seed shows.
   */
  readonly measureSides?: Readonly<Record<string, readonly (readonly string[])[]>>;
  /** Protocol level 4: the fourth `a` field, bytes at or above 0x80. */
  readonly extensions: readonly number[];
  /**
   * The unit's own rings, as its Ctrl-Z dump lists them (in that order, other locales' items
   * included): they replace the catalogue's, and Ctrl-Z answers exactly these. A unit without Ctrl-Z
   * still steps through them with `-`.
   */
  readonly rings?: readonly DumpItem[];
  /** Setting values at power-on where the recording shows them (catalogue id → reply text). */
  readonly factory?: Readonly<Record<string, string>>;
}

// Single-byte command sets. Control characters are the bytes the unit reacts to:
// 0x01 Ctrl-A model, 0x0e Ctrl-N turn on, 0x1a Ctrl-Z dump, 0x7f DEL abort, 0x0c Ctrl-L language,
// 0x16 Ctrl-V output voltage selection.
// Real 3G units also list `)`, `+` (steps the `>` pack count) and `d`, and answer `>` with the
// external pack count, `000` without packs (PROTOCOL-NOTES "Real units"; the SU420INET's `a`).
const SMART_3G_COMMANDS = "\x01\x0e\x1a')+-789>@ABCDEFGKLMNOPQRSUVWXYZabcdefgjklmnopqrsuxyz~\x7f";
const MEASURE_COMMANDS = "IJ[]{}hitv";
const OLD_COMMANDS = "-789@ABCDEFGKLMNOPQSUVWXYZcefgjklmnopqrsuxy";
const MATRIX_COMMANDS = "\x01\x0c\x0e\x16\x1a'-/789<>@ABCDEFGKLMNOPQSUVWXYZ\\^cefgjklmnopqrsuwxyz~\x7f";

const BASE_3G = {
  family: "smart_ups_3g",
  locale: "D",
  batteryVolts: 24,
  ratedWatts: 980,
  runtimeAtHalfLoad: 26,
  commands: SMART_3G_COMMANDS,
  protocolLevel: 3,
  alerts: "!$%+?=#|",
  unsupported: "NA",
  starReplies: false,
  transferCauseBeforeFirst: "O",
  dip: 0,
  refusedSettings: "",
  batteryPacks: 0,
  matrixDump: false,
  measureUps: false,
  extensions: [],
} as const satisfies Partial<Profile>;

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  "smartups-3g-120": {
    ...BASE_3G,
    name: "smartups-3g-120",
    model: "Smart-UPS 1500",
    firmwareV: "GWD",
    firmwareB: "601.3.D",
    serial: "AS0931234567",
    manufactureDate: "07/31/09",
  },
  "smartups-3g-230": {
    ...BASE_3G,
    name: "smartups-3g-230",
    locale: "I",
    model: "Smart-UPS 1000  ",
    firmwareV: "GWI",
    firmwareB: "601.3.I",
    ratedWatts: 670,
    runtimeAtHalfLoad: 21,
    serial: "AS1002345678",
    manufactureDate: "01/12/10",
  },
  "smartups-old": {
    ...BASE_3G,
    name: "smartups-old",
    family: "smart_ups_old",
    locale: "I",
    // Old units have no Ctrl-A; clients name them from `V` (seed: first character is the model).
    model: null,
    firmwareV: "IWI",
    firmwareB: null,
    ratedWatts: 630,
    runtimeAtHalfLoad: 18,
    commands: OLD_COMMANDS,
    protocolLevel: null,
    alerts: "!$%+?=*#",
    starReplies: true,
    transferCauseBeforeFirst: "NA",
    // PROTOCOL-NOTES "Values": `n` may be NUL-padded (the SU420INET's own serial is its profile's).
    serial: "NS9912003456\0\0",
    manufactureDate: "11/19/98",
  },
  "matrix-ups": {
    ...BASE_3G,
    name: "matrix-ups",
    family: "matrix_ups",
    locale: "I",
    model: "Matrix-UPS 5000   ",
    firmwareV: "5ZI",
    firmwareB: null,
    batteryVolts: 48,
    ratedWatts: 3750,
    runtimeAtHalfLoad: 30,
    commands: MATRIX_COMMANDS,
    protocolLevel: null,
    refusedSettings: "le",
    batteryPacks: 1,
    matrixDump: true,
    serial: "QS0012003456",
    manufactureDate: "04/03/00",
  },
  "smartups-3g-measure": {
    ...BASE_3G,
    name: "smartups-3g-measure",
    model: "Smart-UPS 2200",
    firmwareV: "HWD",
    firmwareB: "652.12.D",
    batteryVolts: 48,
    ratedWatts: 1600,
    runtimeAtHalfLoad: 24,
    commands: SMART_3G_COMMANDS + MEASURE_COMMANDS,
    alerts: "!$%+?=#|&",
    measureUps: true,
    serial: "AS1115012345",
    manufactureDate: "04/08/11",
  },
  "smt-ap9620": {
    ...BASE_3G,
    name: "smt-ap9620",
    locale: "I",
    model: "Smart-UPS 1500",
    // PROTOCOL-NOTES "Values": behind an AP9620 card `b` can look like this; `V` is not answered.
    firmwareV: null,
    firmwareB: "UPS 09.3 / ID=18",
    commands: SMART_3G_COMMANDS.replace("V", ""),
    protocolLevel: 4,
    serial: "AS1624345678",
    manufactureDate: "06/15/16",
    extensions: [0x82, 0x85, 0x8a],
  },
  // A Smart-UPS v/s 420i (syssi/esphome-apc-ups docs/apc-suvs420i-new.txt): level `2)`, `b` with a
  // letter, and silence (no NA) on everything its `a` does not list: B, C, L, V, m, the settings.
  "smartups-vs": {
    ...BASE_3G,
    name: "smartups-vs",
    family: "smart_ups_vs",
    locale: "I",
    // Ctrl-A is listed but the recording never asked it; the name is the one on the unit's front.
    model: "SMART-UPS VS 420",
    firmwareV: null,
    firmwareB: "42.L.I",
    batteryVolts: 12,
    ratedWatts: 260,
    runtimeAtHalfLoad: 6,
    commands: "98~`\x01ynba@YXUSQKGA",
    protocolLevel: 2,
    levelField: "2)",
    alerts: "?=*%+#!$",
    unsupported: "silent",
    batteryPacks: null,
    serial: "GS9803139882\0\0",
    // Never sent (`m` is not listed): week 03 of 1998, as the serial says.
    manufactureDate: "01/15/98",
  },
  // A Smart-UPS RT 10000 XL (NUT issue 180: `V` 5YW, `b` 476.18.W, model and serial as upsc showed
  // them, space-padded; the start of its Ctrl-Z dump), with the level-4 `a` its family sends (the
  // RT 1000 XL of syssi/esphome-apc-ups: `*` and 0x04 among the alerts, Ctrl-E, Tab, Ctrl-T and a
  // fourth field). RT units use locale W, `s` = A only, and rings of 8 choices.
  "smartups-rt": {
    ...BASE_3G,
    name: "smartups-rt",
    locale: "W",
    model: "Smart-UPS RT 10000 XL   ",
    firmwareV: "5YW",
    firmwareB: "476.18.W",
    batteryVolts: 192,
    ratedWatts: 8000,
    runtimeAtHalfLoad: 20,
    commands: "\x01\x05\t\x0c\x0e\x14\x16\x1a')+-/789<>@ABCDEFGKLMNOPQRSUVWXYZ\\^abcdefgjklmnopqrsuwxyz~\x7f",
    protocolLevel: 4,
    alerts: "!$%+?=*#|\x04",
    extensions: [0x81, 0x3a, 0xd0, 0xe2, 0xf0, 0xfd, 0xfe, 0xff],
    serial: "B21130002653  ",
    // Not recorded for this unit: week 30 of 2011, as the serial says (B2 11 30…).
    manufactureDate: "07/28/11",
    rings: [
      ring("o", "W", ["230", "240", "200", "208", "220"]),
      ring("u", "W", ["253", "242", "265", "276"]),
      ring("l", "W", ["161", "196", "184", "173"]),
      ring("s", "4", ["A"]),
      ring("\x0c", "4", ["E", "F", "G", "S", "1", "2", "3", "4"]),
      // APC's user-selectable turn-on delays (Smart-UPS manual, "Synchronized delay"): 8 choices.
      ring("r", "4", ["000", "020", "060", "120", "240", "480", "720", "960"]),
      ring("E", "4", ["336", "168", "ON ", "OFF"]),
      ring("e", "4", ["00", "15", "50", "90"]),
      ring("q", "4", ["02", "05", "07", "10"]),
      ring("k", "4", ["0", "T", "L", "N"]),
      ring("p", "4", ["020", "180", "300", "600"]),
      // Listed by the RT's `a` as on a Matrix-UPS; their rings are not recorded: the catalogue's.
      ring("\x16", "4", ["A", "M", "I"]),
      ring("w", "4", ["NO", "02", "05", "08"]),
    ],
    // An RT 1000 XL reported `l` = 161 and `s` = A (apcupsd in NUT issue 1941, the esphome emulator).
    factory: { lower_transfer_voltage: "161", upper_transfer_voltage: "253", output_voltage_setting: "230" },
  },
  // The SU420INET of syssi/esphome-apc-ups (docs/apc-su420inet.txt, every reply; .log, NUT's
  // apcsmart-old on the same unit: its model, and its dump's rings for I and every version).
  "smartups-su420": {
    ...BASE_3G,
    name: "smartups-su420",
    locale: "I",
    model: "SMART-UPS 420   ",
    firmwareV: "DWI",
    firmwareB: "21.3.I",
    batteryVolts: 12,
    ratedWatts: 260,
    runtimeAtHalfLoad: 5,
    commands: "\x01\x0e\x1a')+-89@ABDEFGKLMNOPQRSUVWXYZabcdefgjklmnopqrsuxyz~",
    batteryPacks: null,
    serial: "NS9847001053\0\0",
    manufactureDate: "11/17/98",
    // The D items are the two PROTOCOL-NOTES quotes; the rest in the order NUT listed them. NUT
    // lists sensitivity H M L (3 choices) and the test interval 336/168/off.
    rings: [
      ring("u", "D", ["127", "130", "133", "136"]),
      ring("l", "D", ["106", "103", "100", "097"]),
      ring("u", "I", ["253", "257", "261", "265"]),
      ring("l", "I", ["208", "204", "200", "196"]),
      ring("e", "4", ["00", "15", "50", "90"]),
      ring("o", "I", ["230"]),
      ring("s", "4", ["H", "M", "L"]),
      ring("q", "4", ["02", "05", "07", "10"]),
      ring("p", "4", ["020", "180", "300", "600"]),
      ring("k", "4", ["0", "T", "L", "N"]),
      ring("r", "4", ["000", "060", "180", "300"]),
      ring("E", "4", ["336", "168", "ON ", "OFF"]),
    ],
  },
  // An old Smart-UPS 600 (apcupsd examples/status/SmartUPS600.status: `V` 6TD, an 8-digit serial,
  // no Ctrl-A, `b`, `a` or Ctrl-Z; the commands of NUT's compatibility table for 6TD). Its values
  // as apcupsd read them: u 129, l 106, e 10, s M, k L, q 05; the 120 V `u` ring is the one of
  // APC's specification, which the catalogue's (a later unit's) lacks.
  "smartups-600": {
    ...BASE_3G,
    name: "smartups-600",
    family: "smart_ups_old",
    locale: "D",
    model: null,
    firmwareV: "6TD",
    firmwareB: null,
    ratedWatts: 400,
    runtimeAtHalfLoad: 12,
    commands: "-79@ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz",
    protocolLevel: null,
    alerts: "!$%+?=*#",
    starReplies: true,
    transferCauseBeforeFirst: "NA",
    batteryPacks: null,
    serial: "13035861",
    manufactureDate: "03/30/95",
    rings: [
      ring("u", "D", ["132", "135", "138", "129"]),
      ring("l", "D", ["106", "103", "100", "097"]),
      ring("o", "D", ["115"]),
      ring("e", "4", ["00", "10", "25", "90"]),
      ring("s", "4", ["H", "M", "L", "L"]),
      ring("k", "4", ["0", "T", "L", "N"]),
      ring("q", "4", ["02", "05", "07", "10"]),
      ring("p", "4", ["020", "180", "300", "600"]),
      ring("r", "4", ["000", "060", "180", "300"]),
      ring("E", "4", ["336", "168", "ON ", "OFF"]),
    ],
    factory: {
      upper_transfer_voltage: "129",
      min_battery_capacity_restart: "10",
      utility_failure_sensitivity: "M",
      audible_alarm: "L",
      low_battery_warning: "05",
      ups_id: "SU600   ",
      battery_replacement_date: "05/05/98",
    },
  },
  // A Matrix-UPS 5000 with a Measure-UPS (NUT's device report APC__Matrix-UPS_5000__apcsmart__2.0.2,
  // test/fixtures/real/matrix5000-measure-ups.json): its limits answer one value per side, `NO,NO`
  // there, `55,50` on another unit (PROTOCOL-NOTES "Real units"). Which values each side offers is
  // not recorded: NO (no limit) and a few in the seed's ranges, the upper temperature at 55,50.
  "matrix-ups-measure": {
    ...BASE_3G,
    name: "matrix-ups-measure",
    family: "matrix_ups",
    locale: "I",
    model: "Matrix-UPS 5000   ",
    firmwareV: "5ZI",
    firmwareB: null,
    batteryVolts: 48,
    ratedWatts: 3750,
    runtimeAtHalfLoad: 30,
    commands: MATRIX_COMMANDS + MEASURE_COMMANDS,
    protocolLevel: null,
    alerts: "!$%+?=#|&",
    refusedSettings: "le",
    batteryPacks: 1,
    matrixDump: true,
    measureUps: true,
    serial: "QS0545001234",
    manufactureDate: "11/07/05",
    measureSides: {
      "[": [
        ["NO", "45", "50", "55"],
        ["NO", "45", "50", "55"],
      ],
      "]": [
        ["NO", "00", "05", "10"],
        ["NO", "00", "05", "10"],
      ],
      "{": [
        ["NO", "70", "80", "90"],
        ["NO", "70", "80", "90"],
      ],
      "}": [
        ["NO", "10", "20", "30"],
        ["NO", "10", "20", "30"],
      ],
    },
    factory: { upper_temp_alarm_limit: "55,50" },
  },
};

/** One Ctrl-Z item of a profile's own rings. */
function ring(opcode: string, letter: string, choices: readonly string[]): DumpItem {
  return { opcode: opcode.charCodeAt(0), letter, choices };
}

/**
 * The profile's own rings for one setting, per compatibility letter; null when the profile has none
 * of its own (the catalogue's apply), empty when it has rings but none for this setting.
 */
export function ownRings(profile: Profile, opcode: number): Record<string, readonly string[]> | null {
  if (profile.rings === undefined) return null;
  const values: Record<string, readonly string[]> = {};
  for (const item of profile.rings) if (item.opcode === opcode) values[item.letter] = item.choices;
  return values;
}

export function isProfileName(s: string): s is ProfileName {
  return Object.hasOwn(PROFILES, s);
}

export const PROFILE_NAMES: readonly ProfileName[] = Object.keys(PROFILES).filter(isProfileName);

export function supports(profile: Profile, byte: number): boolean {
  return profile.commands.includes(String.fromCharCode(byte));
}
