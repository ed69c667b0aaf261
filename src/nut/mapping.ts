// NUT's view of the catalogue: its variables and instant commands are derived from the rows' `nut`
// names (apcsmart's, NUT drivers/apcsmart_tabs.c, seeds/002); what stays here is NUT's own
// vocabulary, keyed by NUT's names: descriptions, the forms apcsmart writes values in, and how its
// commands map onto the bridge's. Pure data and pure formatting; the server reads live values
// through it.
//
// Forms: apcsmart passes most replies through as the unit sends them (`023.0`, `024`, `020`), turns
// minutes and hours into seconds, the transfer cause into words, and keeps the raw codes of `X` and
// `9`. The bridge stores decoded values, so each variable says how to write its value back in that
// form: the row's decoder and unit give it, NUT's own conversions are named below.
import {
  type ActionId,
  type BitId,
  CATALOGUE,
  type CatalogueRow,
  type QueryId,
  REGISTERS,
  type SettingId,
} from "../protocol/catalogue/index.js";
import {
  BATTERY_TEST_CODES,
  decodeCount,
  decodeDdDd,
  decodeDdd,
  decodeDddD,
  decodeMeasureLimit,
  decodeSettingNumber,
  LINE_QUALITY_CODES,
  TRANSFER_CAUSE_CODES,
} from "../protocol/decoders.js";
import { decodeUpsDate, formatUpsDate } from "../protocol/identity.js";
import type { Decoder, Value } from "../protocol/types.js";

export type NutForm =
  /** A number written as the seed's fixed-width reply (`ddd.d` → `023.0`). */
  | { readonly kind: "fixed"; readonly int: number; readonly dec: number }
  /** Text as stored (setting values, identity text). */
  | { readonly kind: "text" }
  /**
   * A numeric setting, published as a number (`20`), back in the ring's fixed width (`020`), as
   * apcsmart passes the unit's reply through; a ring word that is no number (`NO`) as it is.
   */
  | { readonly kind: "setting"; readonly int: number; readonly dec: number }
  /** Minutes (a number, or a setting's `02`) as whole seconds: NUT's standard unit of time. */
  | { readonly kind: "minutes" }
  /** Hours as seconds; a value that is no number (`ON`, `OFF`) reads as 0, as in apcsmart. */
  | { readonly kind: "hours" }
  /** An enum value of ours back to the code or words NUT shows. */
  | { readonly kind: "words"; readonly words: Readonly<Record<string, string>> }
  /** An ISO date back to the unit's mm/dd/yy. */
  | { readonly kind: "date" };

export interface NutVariableRow {
  /** NUT's variable name. */
  readonly nut: string;
  /** The catalogue id whose value (state key) it shows. */
  readonly source: QueryId | SettingId;
  readonly form: NutForm;
  /** NUT's description (`GET DESC`, upsrw). */
  readonly desc: string;
  /**
   * Used only when the value matches: NUT's preference between two sources of one name (`b`
   * only in its SKU.firmware.locale form, else `V`).
   */
  readonly accept?: RegExp;
}

/** apcsmart's words for `G` (its APC_F_REASON conversion). */
const TRANSFER_REASON_WORDS: Readonly<Record<string, string>> = {
  [TRANSFER_CAUSE_CODES.R]: "unacceptable utility voltage rate of change",
  [TRANSFER_CAUSE_CODES.H]: "high utility voltage",
  [TRANSFER_CAUSE_CODES.L]: "low utility voltage",
  [TRANSFER_CAUSE_CODES.T]: "line voltage notch or spike",
  [TRANSFER_CAUSE_CODES.O]: "no transfers yet since turnon",
  [TRANSFER_CAUSE_CODES.S]: "simulated power failure or UPS test",
};

/** Our enum value back to the unit's own code (`X`, `9`): apcsmart publishes the raw reply. */
function unitCodes(codes: Readonly<Record<string, string>>): NutForm {
  return {
    kind: "words",
    words: Object.fromEntries(Object.entries(codes).map(([code, ours]) => [ours, code])),
  };
}

/** The fixed widths the unit writes a number decoder's reply in. */
const FIXED_BY_DECODER: ReadonlyMap<Decoder, NutForm> = new Map<Decoder, NutForm>([
  [decodeDddD, { kind: "fixed", int: 3, dec: 1 }],
  [decodeDdDd, { kind: "fixed", int: 2, dec: 2 }],
  [decodeDdd, { kind: "fixed", int: 3, dec: 0 }],
  [decodeCount, { kind: "fixed", int: 3, dec: 0 }],
]);

/**
 * NUT's description of each variable apcsmart maps (`GET DESC`, upsrw), in its table's order, with
 * the conversions apcsmart applies beyond the row's own form (hours, words, raw codes).
 */
const VARIABLES: Readonly<Record<string, { readonly desc: string; readonly form?: NutForm }>> = {
  "ups.temperature": { desc: "UPS temperature (degrees C)" },
  "ups.load": { desc: "Load on UPS (percent of full)" },
  "ups.test.interval": { desc: "Interval between self tests (seconds)", form: { kind: "hours" } },
  "ups.test.result": { desc: "Results of last self test", form: unitCodes(BATTERY_TEST_CODES) },
  "ups.delay.start": { desc: "Interval to wait before (re)starting the load (seconds)" },
  "ups.delay.shutdown": { desc: "Interval to wait after shutdown with delay command (seconds)" },
  "ups.id": { desc: "UPS system identifier" },
  "ups.contacts": { desc: "UPS external contact sensors" },
  "ups.display.language": { desc: "Language to use on front panel" },
  "input.voltage": { desc: "Input voltage (V)" },
  "input.frequency": { desc: "Input line frequency (Hz)" },
  "input.sensitivity": { desc: "Input power sensitivity" },
  "input.quality": { desc: "Input power quality", form: unitCodes(LINE_QUALITY_CODES) },
  "input.transfer.low": { desc: "Low voltage transfer point (V)" },
  "input.transfer.high": { desc: "High voltage transfer point (V)" },
  "input.transfer.reason": {
    desc: "Reason for last transfer to battery",
    form: { kind: "words", words: TRANSFER_REASON_WORDS },
  },
  "input.voltage.maximum": { desc: "Maximum incoming voltage seen (V)" },
  "input.voltage.minimum": { desc: "Minimum incoming voltage seen (V)" },
  "output.current": { desc: "Output current (A)" },
  "output.voltage": { desc: "Output voltage (V)" },
  "output.voltage.nominal": { desc: "Nominal output voltage (V)" },
  "ambient.humidity": { desc: "Ambient humidity (percent)" },
  "ambient.1.humidity.high": { desc: "Ambient humidity threshold high (percent)" },
  "ambient.1.humidity.low": { desc: "Ambient humidity threshold low (percent)" },
  "ambient.temperature": { desc: "Ambient temperature (degrees C)" },
  "ambient.1.temperature.high": { desc: "Temperature threshold high (degrees C)" },
  "ambient.1.temperature.low": { desc: "Temperature threshold low (degrees C)" },
  "battery.date": { desc: "Battery change date" },
  "battery.charge": { desc: "Battery charge (percent of full)" },
  "battery.charge.restart": { desc: "Minimum battery level for restart after power off (percent)" },
  "battery.voltage": { desc: "Battery voltage (V)" },
  "battery.voltage.nominal": { desc: "Nominal battery voltage (V)" },
  "battery.runtime": { desc: "Battery runtime (seconds)" },
  "battery.runtime.low": { desc: "Remaining battery runtime when UPS switches to LB (seconds)" },
  "battery.packs": { desc: "Number of battery packs" },
  "battery.packs.bad": { desc: "Number of bad battery packs" },
  "battery.alarm.threshold": { desc: "Battery alarm threshold" },
  "ups.serial": { desc: "UPS serial number" },
  "ups.mfr.date": { desc: "UPS manufacturing date" },
  "ups.model": { desc: "UPS model" },
  "ups.firmware.aux": { desc: "Auxiliary device firmware" },
  "ups.firmware": { desc: "UPS firmware" },
};

const VARIABLE_NAMES = Object.keys(VARIABLES);

/** What upsd answers for a variable it has no description of. */
export const UNDESCRIBED = "Description unavailable";

/**
 * apcsmart keeps `b` as `ups.firmware` only in its SKU.firmware.locale form (its APC_MULTI regex);
 * otherwise the row that is the firmware's fallback (`V`) gives it.
 */
const FIRMWARE_FORM = /^[A-Za-z0-9]+\.[A-Za-z0-9]+\.[A-Za-z0-9]+$/;

/**
 * The name NUT publishes: apcsmart's table writes packed Measure-UPS values as `ambient.0.…` and its
 * apc_dstate_setinfo numbers the items from 1 (seen on NUT 2.8's driver against the simulator).
 */
export function publishedName(name: string): string {
  return name.replace(/^ambient\.0\./, "ambient.1.");
}

/** How a row's value is written in NUT: NUT's own conversion, else the row's date, minutes or width. */
function formOf(row: CatalogueRow, name: string): NutForm {
  const own = VARIABLES[name]?.form;
  if (own !== undefined) return own;
  if (row.decode === decodeUpsDate) return { kind: "date" };
  if (row.unit === "minutes") return { kind: "minutes" };
  if (row.kind === "setting" && (row.decode === decodeSettingNumber || row.decode === decodeMeasureLimit))
    return ringWidth(row.values);
  return (row.decode === null ? undefined : FIXED_BY_DECODER.get(row.decode)) ?? { kind: "text" };
}

/** A numeric setting's width, from its ring as the seed writes it (`020` → 3, `04.08` → 2.2). */
function ringWidth(values: Readonly<Record<string, readonly string[]>> | null): NutForm {
  const sample = Object.values(values ?? {}).flat()[0] ?? "";
  const [int = "", dec = ""] = sample.split(".");
  return { kind: "setting", int: Math.max(int.length, 1), dec: dec.length };
}

/**
 * Every variable the catalogue's rows name, in apcsmart's table order; where two rows give one name,
 * the one with a condition comes first and the fallback (`V` for `ups.firmware`) after it.
 */
export const NUT_VARIABLES: readonly NutVariableRow[] = CATALOGUE.flatMap((row): NutVariableRow[] => {
  if (row.kind !== "query" && row.kind !== "setting") return [];
  return row.nut.map((tableName) => {
    const nut = publishedName(tableName);
    const accept = row.kind === "query" && row.reveals === "firmware" ? { accept: FIRMWARE_FORM } : {};
    const desc = VARIABLES[nut]?.desc ?? UNDESCRIBED;
    return { nut, source: row.id, form: formOf(row, nut), desc, ...accept };
  });
}).sort((a, b) => order(a) - order(b));

function order(row: NutVariableRow): number {
  const index = VARIABLE_NAMES.indexOf(row.nut);
  return (index === -1 ? VARIABLE_NAMES.length : index) * 2 + (row.accept === undefined ? 1 : 0);
}

/** Descriptions of the variables the server makes itself (status, identity mirrors, driver). */
export const DERIVED_DESCRIPTIONS: Readonly<Record<string, string>> = {
  "ups.status": "UPS status",
  "ups.realpower": "Current value of real power (W)",
  "ups.realpower.nominal": "Nominal value of real power (W)",
  "ups.mfr": "UPS manufacturer",
  "device.mfr": "Description unavailable",
  "device.model": "Description unavailable",
  "device.serial": "Description unavailable",
  "device.type": "Description unavailable",
  "driver.name": "Driver name",
  "driver.version": "Driver version - NUT release",
  "driver.parameter.pollinterval": "Description unavailable",
  "driver.parameter.port": "Description unavailable",
};

/**
 * `ups.status` words from the register bits that carry one (the rows' `nut`), in apcsmart's order:
 * the `Q` bits from the lowest (its ups_status_set), then BYPASS from `~`.
 */
export const STATUS_WORDS: readonly { readonly key: BitId; readonly word: string }[] = REGISTERS.flatMap(
  (map) =>
    [...map.bits]
      .sort((a, b) => a.bit - b.bit)
      .flatMap((bit) => (bit.nut === null ? [] : [{ key: bit.id, word: bit.nut }])),
);

export interface NutCommandRow {
  /** NUT's instant command name. */
  readonly nut: string;
  /** The catalogue action id it runs, or the bridge's composite `shutdown_return`. */
  readonly action: ActionId | "shutdown_return";
  readonly desc: string;
  /**
   * For toggles (`D`, `^`): the state bit that says the command has nothing to do, as apcsmart's
   * do_cal checks before sending `D`. The command then answers OK and sends nothing.
   */
  readonly doneWhen?: { readonly keys: readonly BitId[]; readonly value: boolean };
}

/** The bridge's composite that runs a NUT command several rows share (`S` and `@` are both `shutdown.return`). */
const COMPOSITE_COMMANDS: Readonly<Record<string, "shutdown_return">> = {
  "shutdown.return": "shutdown_return",
};

/**
 * NUT names a row carries that the bridge does not offer: `W` starts a self-test and a Smart-UPS
 * refuses it while one runs (seed: battery_test), so it cannot stop one.
 */
const NOT_OFFERED: ReadonlySet<string> = new Set(["test.battery.stop"]);

/** NUT's descriptions of the instant commands (`GET CMDDESC`). */
const COMMAND_DESCRIPTIONS: Readonly<Record<string, string>> = {
  "test.panel.start": "Start testing the UPS panel",
  "test.battery.start": "Start a battery test",
  "test.failure.start": "Start a simulated power failure",
  "calibrate.start": "Start run time calibration",
  "calibrate.stop": "Stop run time calibration",
  "bypass.start": "Put the UPS in bypass mode",
  "bypass.stop": "Take the UPS out of bypass mode",
  "shutdown.return": "Turn off the load and return when power is back",
  "shutdown.stayoff": "Turn off the load and remain off",
  "shutdown.stop": "Stop a shutdown in progress",
  "load.off": "Turn off the load immediately",
  "load.on": "Turn on the load immediately",
};

/**
 * Instant commands, from the action rows' NUT names (apcsmart's apc_cmdtab, and `shutdown.stop` for
 * DEL, a NUT standard name apcsmart does not map). A toggle's first name turns it on, its second off.
 */
export const NUT_COMMANDS: readonly NutCommandRow[] = CATALOGUE.flatMap((row): NutCommandRow[] => {
  if (row.kind !== "action") return [];
  return row.nut.flatMap((nut, index): NutCommandRow[] => {
    if (NOT_OFFERED.has(nut)) return [];
    const desc = COMMAND_DESCRIPTIONS[nut] ?? UNDESCRIBED;
    const toggles: readonly BitId[] | null = row.toggles;
    const doneWhen = toggles === null ? {} : { doneWhen: { keys: toggles, value: index === 0 } };
    return [{ nut, action: COMPOSITE_COMMANDS[nut] ?? row.id, desc, ...doneWhen }];
  });
}).filter((command, index, all) => all.findIndex((c) => c.nut === command.nut) === index);

/**
 * `shutdown.return at:<n>`: apcsmart's hard hibernate with n × 6 minutes of extra wake delay, which
 * is `@` with n tenths of an hour.
 */
export const SHUTDOWN_RETURN_AT = /^[Aa][Tt]:(\d{1,3})$/;

/** Writes a stored value in the row's NUT form; null when there is nothing to show. */
export function formatNut(form: NutForm, value: Value | undefined): string | null {
  if (value === null || value === undefined) return null;
  switch (form.kind) {
    case "fixed": {
      const n = typeof value === "number" ? value : Number(value);
      if (!Number.isFinite(n)) return null;
      return fixed(n, form.int, form.dec);
    }
    case "text":
      return typeof value === "string" || typeof value === "number" ? String(value) : null;
    case "setting":
      if (typeof value === "number") return Number.isFinite(value) ? fixed(value, form.int, form.dec) : null;
      return typeof value === "string" ? value : null;
    case "minutes": {
      const n = leadingInteger(value);
      return n === null ? null : String(n * 60);
    }
    case "hours": {
      const n = leadingInteger(value);
      return String((n ?? 0) * 3600);
    }
    case "words":
      return typeof value === "string" ? (form.words[value] ?? value) : null;
    case "date": {
      if (typeof value !== "string") return null;
      // The unit's own month-first form, as apcsmart shows it (issue 13).
      return formatUpsDate(value) ?? value;
    }
  }
}

/** `n` zero-padded to `int` integer digits with `dec` decimals, as the unit writes it (`-05.2` too). */
function fixed(n: number, int: number, dec: number): string {
  const text = Math.abs(n).toFixed(dec);
  const [whole = "", fraction] = text.split(".");
  const padded = `${whole.padStart(int, "0")}${fraction === undefined ? "" : `.${fraction}`}`;
  return n < 0 ? `-${padded}` : padded;
}

/** The integer a value starts with (`02` → 2, 4 → 4), like C's strtol; null when there is none. */
function leadingInteger(value: Value): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : null;
  if (typeof value !== "string") return null;
  const match = /^\s*([+-]?\d+)/.exec(value);
  return match?.[1] === undefined ? null : Number.parseInt(match[1], 10);
}
