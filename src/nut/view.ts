// What a NUT client sees of one UPS at this instant: its variables (values in apcsmart's forms,
// writable settings with their choices) and its instant commands, computed from the UPS model's live
// state on every request, so an alert that changed the state is visible to the next GET.
// Pure: no I/O; the server hands it a snapshot.
import {
  findRow,
  LOAD_PERCENT,
  REGISTER_MAP,
  type RowId,
  type SettingId,
  SHUTDOWN_METHODS,
  type ShutdownMethod,
} from "../protocol/catalogue/index.js";
import type { ParamSpec, Value } from "../protocol/types.js";
import type { Capabilities as UpsCapabilities } from "../ups/link.js";
import { offeredOptions } from "../ups/settings.js";
import {
  DERIVED_DESCRIPTIONS,
  formatNut,
  NUT_COMMANDS,
  NUT_VARIABLES,
  type NutCommandRow,
  STATUS_WORDS,
} from "./mapping.js";

export interface UpsSnapshot {
  /** The UPS answers (the link is up). */
  readonly online: boolean;
  readonly caps: Pick<UpsCapabilities, "supported" | "settingValues" | "identity"> | null;
  /** Every state key of the UPS model. */
  readonly values: Readonly<Record<string, Value>>;
  /** NUT's forced-shutdown latch. */
  readonly fsd: boolean;
  /** The nominal real power in watts (configured or the model's rating); null: unknown. */
  readonly nominalPowerW?: number | null;
}

/** What the `driver.*` variables say: the bridge is the driver. */
export interface DriverInfo {
  readonly name: string;
  readonly version: string;
  readonly pollIntervalMs: number;
  readonly port: string;
}

/** One choice of a ring setting: as NUT shows it and as the UPS names it. */
export interface SettingOption {
  readonly nut: string;
  readonly ups: string;
}

export type Writable =
  | { readonly kind: "enum"; readonly setting: string; readonly options: readonly SettingOption[] }
  | { readonly kind: "string"; readonly setting: string; readonly length: number };

export interface NutVariable {
  readonly name: string;
  readonly value: string;
  readonly desc: string;
  readonly writable: Writable | null;
}

export interface NutCommand extends NutCommandRow {
  readonly destructive: boolean;
}

/**
 * The variables, by name (sorted, as upsd lists them), or null while the data is stale: the link is
 * down or the status register has not been read yet (NUT's DATA-STALE).
 */
export function nutVariables(snapshot: UpsSnapshot, driver: DriverInfo): Map<string, NutVariable> | null {
  const { caps, values } = snapshot;
  const status = statusText(values, snapshot.fsd);
  if (!snapshot.online || caps === null || status === null) return null;
  const vars = new Map<string, NutVariable>();
  const put = (name: string, value: string, writable: Writable | null = null) => {
    if (!vars.has(name)) vars.set(name, { name, value, desc: describe(name), writable });
  };
  for (const row of NUT_VARIABLES) {
    if (vars.has(row.nut) || !caps.supported.has(row.source)) continue;
    const value = formatNut(row.form, values[row.source]);
    if (value === null || (row.accept !== undefined && !row.accept.test(value))) continue;
    const ring = row.source in caps.settingValues ? caps.settingValues[row.source as SettingId] : undefined;
    put(row.nut, value, writable(row.source, row.form, ring, values[row.source]));
  }
  // The load in watts, as NUT's drivers that know the rating report it (apcsmart does not).
  const nominal = snapshot.nominalPowerW ?? null;
  if (nominal !== null) {
    put("ups.realpower.nominal", String(nominal));
    const load = values[LOAD_PERCENT];
    if (typeof load === "number" && Number.isFinite(load))
      put("ups.realpower", String(Math.round((load * nominal) / 100)));
  }
  put("ups.status", status);
  put("ups.mfr", "APC");
  // Units without Ctrl-A: apcsmart names them by family.
  const model =
    vars.get("ups.model")?.value ?? (/matrix/i.test(caps.identity.model ?? "") ? "Matrix-UPS" : "Smart-UPS");
  put("ups.model", model);
  // NUT 2.8 mirrors the identity into device.* (its dstate device.* aliases).
  put("device.mfr", "APC");
  put("device.model", model);
  const serial = vars.get("ups.serial")?.value;
  if (serial !== undefined) put("device.serial", serial);
  put("device.type", "ups");
  put("driver.name", driver.name);
  put("driver.version", driver.version);
  put("driver.parameter.pollinterval", String(driver.pollIntervalMs / 1000));
  put("driver.parameter.port", driver.port);
  return new Map([...vars.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * `ups.status`: apcsmart's words from `Q` (OFF when `Q` is 00), BYPASS from `~`, and FSD in front
 * while the latch is raised (upsd writes it so). Null while `Q` is unknown.
 */
export function statusText(values: Readonly<Record<string, Value>>, fsd: boolean): string | null {
  const q = values[REGISTER_MAP.Q.query];
  if (typeof q !== "string") return null;
  const words: string[] = [];
  for (const { key, word } of STATUS_WORDS) {
    if (values[key] === true && !words.includes(word)) words.push(word);
  }
  if (Number.parseInt(q, 16) === 0) words.push("OFF");
  if (fsd) words.unshift("FSD");
  return words.join(" ");
}

/** The instant commands this UPS offers, sorted by name; destructive ones only when allowed. */
export function nutCommands(
  caps: Pick<UpsCapabilities, "supported"> | null,
  allowDestructive: boolean,
): NutCommand[] {
  if (caps === null) return [];
  const commands: NutCommand[] = [];
  for (const row of NUT_COMMANDS) {
    const destructive = isDestructive(row.action);
    if (destructive && !allowDestructive) continue;
    if (!supports(caps.supported, row.action)) continue;
    commands.push({ ...row, destructive });
  }
  return commands.sort((a, b) => (a.nut < b.nut ? -1 : a.nut > b.nut ? 1 : 0));
}

/** The composite shutdown-and-return can drop the load; catalogue actions say so themselves. */
function isDestructive(action: string): boolean {
  return action === "shutdown_return" || findRow(action)?.destructive === true;
}

/**
 * The shutdown methods that turn the load off in one step (soft and hard hibernate, delayed
 * poweroff): shutdown-and-return is offered when the UPS has one of them.
 */
const RETURN_METHODS: readonly ShutdownMethod[] = ["S", "@", "K"];

/** Shutdown-and-return needs one of the methods it tries; other actions their own row. */
function supports(supported: ReadonlySet<RowId>, action: RowId | "shutdown_return"): boolean {
  if (action === "shutdown_return")
    return RETURN_METHODS.some((method) =>
      SHUTDOWN_METHODS[method].steps.every((s) => supported.has(s.action)),
    );
  return supported.has(action);
}

/**
 * How a setting can be written: text entry, or the choices of its ring. The choices are the unit's
 * ring when its Ctrl-Z dump gave one, else the catalogue's (`caps.settingValues` holds whichever is
 * known), and always the value it holds now: real units hold values no listed ring has (issue 13).
 */
function writable(
  source: string,
  form: (typeof NUT_VARIABLES)[number]["form"],
  ring: readonly string[] | undefined,
  current: Value | undefined,
): Writable | null {
  const row = findRow(source);
  if (row === undefined || row.kind !== "setting") return null;
  const text = row.params.find((p: ParamSpec) => p.type === "text");
  if (text !== undefined && text.type === "text")
    return { kind: "string", setting: source, length: text.length };
  if (ring === undefined || ring.length === 0) return null;
  const options: SettingOption[] = [];
  for (const ups of offeredOptions(ring, current) ?? []) {
    const nut = formatNut(form, ups.trim());
    // apcsmart adds each choice once (`ON` and `OFF` both read as 0 seconds).
    if (nut !== null && !options.some((o) => o.nut === nut)) options.push({ nut, ups: ups.trim() });
  }
  return { kind: "enum", setting: source, options };
}

function describe(name: string): string {
  return (
    NUT_VARIABLES.find((row) => row.nut === name)?.desc ??
    DERIVED_DESCRIPTIONS[name] ??
    "Description unavailable"
  );
}
