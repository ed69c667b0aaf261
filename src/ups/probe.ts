// One look at a UPS, as `upslink2mqtt probe` prints it: what the unit is, what it supports, and
// every supported query and setting read once (settings with the values they allow). Only queries
// and setting reads go out, never `-` or an action.

import { CATALOGUE } from "../protocol/catalogue/index.js";
import { asUpsLinkError } from "../protocol/errors.js";
import { escapeBytes } from "../protocol/escape.js";
import { type FirmwareAdvice, findFirmwareAdvice } from "../protocol/firmware.js";
import type { QueryRow, SettingRow, Unit, Value } from "../protocol/types.js";
import type { Capabilities } from "./capabilities.js";
import type { CatalogueLink } from "./catalogue-link.js";
import { offeredOptions } from "./settings.js";

export interface Reading {
  readonly id: string;
  readonly label: string;
  readonly value: Value;
  readonly unit: Unit | null;
  readonly raw: string | null;
  /** Why there is no value (not now, no answer, unreadable reply). */
  readonly note: string | null;
}

export interface SettingReading extends Reading {
  /** The values the setting takes, in the form its value is published (`020` as 20). */
  readonly allowed: readonly Value[] | null;
}

export interface ProbeReport {
  readonly port: string;
  readonly identity: Capabilities["identity"];
  readonly protocolLevel: number | null;
  readonly capabilitySource: Capabilities["source"];
  readonly measureUps: boolean;
  readonly alerts: readonly string[];
  readonly actions: readonly string[];
  readonly readings: readonly Reading[];
  readonly settings: readonly SettingReading[];
  /** APC's latest firmware for this UPS ID, when the firmware string names one (AP9620 units). */
  readonly firmwareAdvice: FirmwareAdvice | null;
}

/** Rows read as part of discovery (`a`, Ctrl-Z), shown in its blocks: not repeated as readings. */
function isReading(row: QueryRow | SettingRow): boolean {
  return row.kind === "setting" || (row.reveals !== "commands" && row.reveals !== "setting_values");
}

async function readRow(link: CatalogueLink, row: QueryRow | SettingRow): Promise<Reading> {
  const base = { id: row.id, label: row.label, unit: row.unit };
  try {
    const raw = await link.query(row.id, { priority: "user" });
    const decoded = row.decode === null ? { ok: true as const, value: raw } : row.decode(raw);
    const printable = escapeBytes(Array.from(raw, (char) => char.charCodeAt(0) & 0xff));
    if (!decoded.ok) return { ...base, value: null, raw: printable, note: decoded.error };
    return { ...base, value: decoded.value, raw: printable, note: null };
  } catch (error) {
    const failure = asUpsLinkError(error);
    const note = failure.code === "not_supported" ? "NA (not available now)" : failure.message;
    return { ...base, value: null, raw: null, note };
  }
}

export async function probeUps(link: CatalogueLink): Promise<ProbeReport> {
  const caps = await link.discover();
  const readings: Reading[] = [];
  const settings: SettingReading[] = [];
  for (const row of CATALOGUE) {
    if (!caps.supported.has(row.id) || row.kind === "action" || row.kind === "modifier" || !isReading(row))
      continue;
    if (row.kind === "query") readings.push(await readRow(link, row));
    else {
      const reading = await readRow(link, row);
      const ring = caps.settingValues[row.id] ?? null;
      // Ring settings offer the current value too: real units hold values no listed ring has.
      const allowed = row.entry === "ring" ? offeredOptions(ring, reading.value) : ring;
      settings.push({ ...reading, allowed: allowed === null ? null : publishedValues(row, allowed) });
    }
  }
  return {
    port: link.session.transport.description,
    identity: caps.identity,
    protocolLevel: caps.protocolLevel,
    capabilitySource: caps.source,
    measureUps: caps.measureUps,
    alerts: [...caps.alerts],
    actions: CATALOGUE.filter((row) => row.kind === "action" && caps.supported.has(row.id)).map(
      (row) => row.id,
    ),
    readings,
    settings,
    firmwareAdvice: findFirmwareAdvice(caps.identity.upsFirmwareId, caps.identity.firmware),
  };
}

/** Ring values as the per-key topics publish them (`020` is 20, `ON ` is `ON`), each once. */
function publishedValues(row: SettingRow, raw: readonly string[]): Value[] {
  const out: Value[] = [];
  for (const text of raw) {
    const decoded = row.decode?.(text);
    const value = decoded?.ok === true && decoded.value !== null ? decoded.value : text.trim();
    if (!out.some((v) => String(v) === String(value))) out.push(value);
  }
  return out;
}
