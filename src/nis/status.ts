// What apcupsd's `status` answer says of one UPS at this instant, in apcupsd's field names, order and
// text forms (apcupsd 3.14's output for the same simulated unit is test/fixtures/apcupsd/), computed
// from the UPS model's live state. Fields the bridge cannot know are left out rather than invented
// (docs/NIS.md lists them). Which row shows in which record is the rows' `apcupsd` column; the
// record order and text forms are apcupsd's, here. Pure: no I/O; the caller hands in the state, the
// clock and the counters.
import { CATALOGUE, type QueryId, REGISTER_MAP, type SettingId } from "../protocol/catalogue/index.js";
import type { Value } from "../protocol/types.js";
import type { TransferCounters } from "../ups/history.js";

export type { TransferCounters };

export interface NisIdentity {
  readonly hostname: string;
  readonly version: string;
  readonly upsName: string;
  readonly cable: string;
  readonly startTime: Date;
}

/** apcupsd's own shutdown thresholds; the bridge's `shutdown_policy` plays their part. */
export interface NisThresholds {
  readonly chargeBelowPercent: number | null;
  readonly runtimeBelowMinutes: number | null;
}

export interface NisSnapshot {
  /** The link is up. */
  readonly online: boolean;
  readonly values: Readonly<Record<string, Value>>;
  /** The model the UPS identified itself as, when the `ups_model_name` query is not supported. */
  readonly model: string | null;
}

/** apcupsd's date form: `2026-11-30 12:40:03 +0000`, local time, then two blanks as it writes them. */
export function apcDate(at: Date): string {
  const pad = (n: number, width = 2) => String(Math.trunc(n)).padStart(width, "0");
  const offset = -at.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const zone = `${sign}${pad(Math.abs(offset) / 60)}${pad(Math.abs(offset) % 60)}`;
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())} ${zone}  `;
}

/** One record: the name padded to 9 characters, `: `, the value, a newline. */
export function record(name: string, value: string): string {
  return `${name.padEnd(9)}: ${value}\n`;
}

// apcupsd's words for the `Q` bits, by bit number (its STATFLAG's low byte is the `Q` byte), in its
// order; each is followed by a blank, as apcupsd writes them.
const STATUS_WORDS: readonly (readonly [number, string])[] = [
  [0, "CAL"],
  [1, "TRIM"],
  [2, "BOOST"],
  [3, "ONLINE"],
  [4, "ONBATT"],
  [5, "OVERLOAD"],
  [6, "LOWBATT"],
  [7, "REPLACEBATT"],
];
const STATUS_BITS = STATUS_WORDS.flatMap(([number, word]) => {
  const bit = REGISTER_MAP.Q.bits.find((b) => b.bit === number);
  return bit === undefined ? [] : [[bit.id, word] as const];
});
const STATUS_QUERY = REGISTER_MAP.Q.query;

/**
 * The rows each record shows, from the rows' `apcupsd` column; where two rows give one record, the
 * firmware's fallback (`V`, for `FIRMWARE`) comes after the row it stands in for.
 */
const RECORD_SOURCES: ReadonlyMap<string, readonly (QueryId | SettingId)[]> = (() => {
  const sources = new Map<string, (QueryId | SettingId)[]>();
  const rows = CATALOGUE.flatMap((row) => (row.kind === "query" || row.kind === "setting" ? [row] : []));
  const fallbackLast = [...rows].sort(
    (a, b) =>
      Number(a.kind === "query" && a.reveals === "firmware_fallback") -
      Number(b.kind === "query" && b.reveals === "firmware_fallback"),
  );
  for (const row of fallbackLast)
    for (const record of row.apcupsd) sources.set(record, [...(sources.get(record) ?? []), row.id]);
  return sources;
})();

/** A record's value read by `parse` from the first of its rows that gives one. */
function read<T>(
  values: Readonly<Record<string, Value>>,
  record: string,
  parse: (value: Value | undefined) => T | null,
): T | null {
  for (const id of RECORD_SOURCES.get(record) ?? []) {
    const parsed = parse(values[id]);
    if (parsed !== null) return parsed;
  }
  return null;
}

// apcupsd's STATFLAG bits beyond the `Q` byte (its UPS_* flags).
const FLAG_COMMLOST = 0x100;
const FLAG_PLUGGED = 0x01000000;
const FLAG_BATTPRESENT = 0x04000000;

const SENSE: Readonly<Record<string, string>> = { H: "High", M: "Medium", L: "Low", A: "Auto Adjust" };
const ALARM_DELAY: Readonly<Record<string, string>> = {
  "0": "5 Seconds",
  T: "30 Seconds",
  L: "Low Battery",
  N: "No alarm",
};
const LAST_TRANSFER: Readonly<Record<string, string>> = {
  none: "No transfers since turnon",
  low_line: "Low line voltage",
  high_line: "High line voltage",
  rate_of_change: "Unacceptable line voltage changes",
  notch_spike: "Line voltage notch or spike",
  command_test: "Automatic or explicit self test",
};
const SELF_TEST: Readonly<Record<string, string>> = {
  ok: "OK",
  failed: "BT",
  invalid_overload: "NG",
  no_result: "NO",
};

function num(value: Value | undefined): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return null;
}

function text(value: Value | undefined): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

function hexByte(value: Value | undefined): number | null {
  return typeof value === "string" && /^[0-9A-Fa-f]{1,2}$/.test(value) ? Number.parseInt(value, 16) : null;
}

/** The unit's `mm/dd/yy`, as apcupsd prints it, from the bridge's ISO date. */
function unitDate(value: Value | undefined): string | null {
  const iso = typeof value === "string" ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (iso === null) return null;
  return `${iso[2]}/${iso[3]}/${iso[1]?.slice(2)}`;
}

/** `STATUS`: apcupsd's words, or COMMLOST while the link is down; null while `Q` is not read yet. */
export function statusWords(snapshot: NisSnapshot): string | null {
  if (!snapshot.online) return "COMMLOST ";
  if (typeof snapshot.values[STATUS_QUERY] !== "string") return null;
  return STATUS_BITS.filter(([key]) => snapshot.values[key] === true)
    .map(([, word]) => `${word} `)
    .join("");
}

/** The `status` answer: one record per line, `APC` first and `END APC` last. */
export function statusRecords(
  snapshot: NisSnapshot,
  identity: NisIdentity,
  thresholds: NisThresholds,
  transfers: TransferCounters,
  now: Date,
): string[] {
  const v = snapshot.values;
  const live = snapshot.online;
  const lines: string[] = [];
  const put = (name: string, value: string | null) => {
    if (value !== null) lines.push(record(name, value));
  };
  const fixed = (record: string, digits: number, unit: string) => {
    const n = live ? read(v, record, num) : null;
    return n === null ? null : `${n.toFixed(digits)} ${unit}`.trimEnd();
  };
  const whole = (record: string, unit: string) => {
    const n = live ? read(v, record, num) : null;
    return n === null ? null : `${Math.round(n)} ${unit}`.trimEnd();
  };
  const word = (record: string, words: Readonly<Record<string, string>>) => {
    const raw = live ? read(v, record, text) : null;
    return raw === null ? null : (words[raw] ?? null);
  };
  const seconds = (ms: number) => `${Math.max(0, Math.floor(ms / 1000))} Seconds`;

  put("DATE", apcDate(now));
  put("HOSTNAME", identity.hostname);
  put("VERSION", identity.version);
  put("UPSNAME", identity.upsName);
  put("CABLE", identity.cable);
  put("DRIVER", "upslink2mqtt (UPS-Link)");
  put("UPSMODE", "Stand Alone");
  put("STARTTIME", apcDate(identity.startTime));
  put("MODEL", read(v, "MODEL", text) ?? snapshot.model);
  put("STATUS", statusWords(snapshot));
  put("LINEV", fixed("LINEV", 1, "Volts"));
  put("LOADPCT", fixed("LOADPCT", 1, "Percent"));
  put("BCHARGE", fixed("BCHARGE", 1, "Percent"));
  put("TIMELEFT", fixed("TIMELEFT", 1, "Minutes"));
  put("MBATTCHG", thresholds.chargeBelowPercent === null ? null : `${thresholds.chargeBelowPercent} Percent`);
  put(
    "MINTIMEL",
    thresholds.runtimeBelowMinutes === null ? null : `${thresholds.runtimeBelowMinutes} Minutes`,
  );
  // apcupsd's TIMEOUT: 0 is "no limit on time on battery", which is the bridge's rule.
  put("MAXTIME", "0 Seconds");
  put("MAXLINEV", fixed("MAXLINEV", 1, "Volts"));
  put("MINLINEV", fixed("MINLINEV", 1, "Volts"));
  put("OUTPUTV", fixed("OUTPUTV", 1, "Volts"));
  put("SENSE", word("SENSE", SENSE));
  put("DWAKE", whole("DWAKE", "Seconds"));
  put("DSHUTD", whole("DSHUTD", "Seconds"));
  put("DLOWBATT", whole("DLOWBATT", "Minutes"));
  put("LOTRANS", fixed("LOTRANS", 1, "Volts"));
  put("HITRANS", fixed("HITRANS", 1, "Volts"));
  put("RETPCT", fixed("RETPCT", 1, "Percent"));
  put("ITEMP", fixed("ITEMP", 1, "C"));
  put("ALARMDEL", word("ALARMDEL", ALARM_DELAY));
  put("BATTV", fixed("BATTV", 1, "Volts"));
  put("LINEFREQ", fixed("LINEFREQ", 1, "Hz"));
  put("LASTXFER", word("LASTXFER", LAST_TRANSFER));
  put("NUMXFERS", String(transfers.count));
  if (transfers.lastOnBattery !== null) put("XONBATT", apcDate(transfers.lastOnBattery));
  const current = transfers.onBatterySince === null ? 0 : now.getTime() - transfers.onBatterySince.getTime();
  put("TONBATT", seconds(current));
  put("CUMONBATT", seconds(transfers.finishedSeconds * 1000 + current));
  put("XOFFBATT", transfers.lastOffBattery === null ? "N/A" : apcDate(transfers.lastOffBattery));
  if (transfers.lastSelfTest !== null) put("LASTSTEST", apcDate(transfers.lastSelfTest));
  put("SELFTEST", word("SELFTEST", SELF_TEST));
  put("STESTI", live ? read(v, "STESTI", text) : null);
  // While the link is down the stale `Q` byte is dropped: Home Assistant reads 0x08 as "online".
  const q = live ? read(v, "STATFLAG", hexByte) : null;
  if (q !== null || !live) {
    const flags = (q ?? 0) | (live ? FLAG_PLUGGED : FLAG_COMMLOST) | FLAG_BATTPRESENT;
    put("STATFLAG", `0x${flags.toString(16).toUpperCase().padStart(8, "0")}`);
  }
  const register = (record: string) => {
    const byte = live ? read(v, record, hexByte) : null;
    return byte === null ? null : `0x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  };
  put("DIPSW", register("DIPSW"));
  put("REG1", register("REG1"));
  put("REG2", register("REG2"));
  put("REG3", register("REG3"));
  put("MANDATE", read(v, "MANDATE", unitDate));
  put("SERIALNO", read(v, "SERIALNO", text));
  put("BATTDATE", read(v, "BATTDATE", unitDate));
  put("NOMOUTV", whole("NOMOUTV", "Volts"));
  put("NOMBATTV", fixed("NOMBATTV", 1, "Volts"));
  put("EXTBATTS", whole("EXTBATTS", ""));
  put("BADBATTS", whole("BADBATTS", ""));
  put("FIRMWARE", read(v, "FIRMWARE", text));
  put("END APC", apcDate(now));
  // apcupsd's first record counts the records and bytes after it.
  const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line, "latin1"), 0);
  const header = record(
    "APC",
    `001,${String(lines.length).padStart(3, "0")},${String(bytes).padStart(4, "0")}`,
  );
  return [header, ...lines];
}
