// The units the simulator can be. Each profile is a real kind of APC unit as UPS-Link clients meet
// it: which commands it answers, how it names itself, its utility voltage version, and its quirks
// (PROTOCOL-NOTES "Values" and "Ctrl-Z"; the seed's per-action notes on model exclusions).

export type ProfileName =
  | "smartups-3g-120"
  | "smartups-3g-230"
  | "smartups-old"
  | "matrix-ups"
  | "smartups-3g-measure"
  | "smt-ap9620";

/** Utility voltage version: `A` 100 V, `D` 120 V, `I` 220/230/240 V, `M` 208 V (seed, `V` and `b`). */
export type Locale = "A" | "D" | "I" | "M";

export type Family = "smart_ups_3g" | "smart_ups_old" | "matrix_ups";

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
  readonly batteryVolts: 24 | 48;
  /** Rated active power, for the runtime estimate. */
  readonly ratedWatts: number;
  /** Minutes of runtime on a full battery at 50 % load. */
  readonly runtimeAtHalfLoad: number;
  /** The single-byte commands the unit implements (listed by `a` in this order). */
  readonly commands: string;
  /** `a` reply protocol level; null when `a` is unsupported (Matrix-UPS, old Smart-UPS). */
  readonly protocolLevel: 3 | 4 | null;
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
  /** Protocol level 4: the fourth `a` field, bytes at or above 0x80. */
  readonly extensions: readonly number[];
}

// Single-byte command sets. Control characters are the bytes the unit reacts to:
// 0x01 Ctrl-A model, 0x0e Ctrl-N turn on, 0x1a Ctrl-Z dump, 0x7f DEL abort, 0x0c Ctrl-L language,
// 0x16 Ctrl-V output voltage selection.
const SMART_3G_COMMANDS = "\x01\x0e\x1a'-789@ABCDEFGKLMNOPQRSUVWXYZabcefgjklmnopqrsuxyz~\x7f";
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
  batteryPacks: null,
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
    // PROTOCOL-NOTES "Values": `n` may be NUL-padded.
    serial: "NS9847001053\0\0",
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
};

export function isProfileName(s: string): s is ProfileName {
  return Object.hasOwn(PROFILES, s);
}

export const PROFILE_NAMES: readonly ProfileName[] = Object.keys(PROFILES).filter(isProfileName);

export function supports(profile: Profile, byte: number): boolean {
  return profile.commands.includes(String.fromCharCode(byte));
}
