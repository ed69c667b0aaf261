// What a unit can do, learnt once per connection: identity (Ctrl-A, n, m, b with V as fallback),
// the capability list `a` where the unit implements it, probing each query otherwise (answer →
// supported, NA or silence → not; Smart-UPS v/s stay silent, PROTOCOL-NOTES "Values"), the Ctrl-Z
// dump for the allowed setting values, and whether a Measure-UPS is connected.

import type { ProbeOptions } from "../link/session.js";
import {
  alertEventId,
  CATALOGUE,
  EVENTS,
  type EventId,
  type QueryId,
  queryRevealing,
  type RowId,
  type SettingId,
} from "../protocol/catalogue/index.js";
import type { Reveals } from "../protocol/catalogue/rows.js";
import { sameSettingValue } from "../protocol/codec.js";
import { parseDump } from "../protocol/dump.js";
import { UpsLinkError } from "../protocol/errors.js";
import {
  localeLetter,
  parseCapabilities,
  parseFirmwareB,
  parseUpsDate,
  sanitizeIdentity,
} from "../protocol/identity.js";
import type { CatalogueRow, ModelFamily, SettingRow } from "../protocol/types.js";

export interface UpsIdentity {
  readonly model: string | null;
  readonly serial: string | null;
  readonly firmware: string | null;
  readonly manufactureDate: string | null;
  /** The utility voltage letter (`A`, `D`, `I`, `M`) the Ctrl-Z items are filtered by. */
  readonly localeLetter: string | null;
  /** The UPS ID of units behind an AP9620 card (`UPS 09.3 / ID=18`), for the firmware advisory. */
  readonly upsFirmwareId: number | null;
}

export interface Capabilities {
  readonly identity: UpsIdentity;
  /** Catalogue row ids the UPS implements. */
  readonly supported: ReadonlySet<RowId>;
  /** Alert event ids the UPS can send (`unknown_alert` when `a` declares a byte no row knows). */
  readonly alerts: ReadonlySet<EventId>;
  /**
   * The bytes in the alert field of the unit's `a` reply, every one an alert of this unit (the link
   * takes them out of replies); empty when the unit has no `a`.
   */
  readonly alertBytes: readonly number[];
  /** Allowed values per setting id (Ctrl-Z when the unit has it, else the catalogue's ring). */
  readonly settingValues: Readonly<Partial<Record<SettingId, readonly string[]>>>;
  /**
   * The settings whose values came from the unit's own Ctrl-Z dump: the truth for this unit. The
   * others are the catalogue's ring, which real units do not always follow (issue 13).
   */
  readonly ringsFromUnit: ReadonlySet<SettingId>;
  readonly protocolLevel: number | null;
  readonly measureUps: boolean;
  /** How capabilities were learnt: `a`, or probing each query. */
  readonly source: "a" | "probe";
}

export type ProbeOutcome =
  | { readonly kind: "answer"; readonly text: string }
  | { readonly kind: "not_supported"; readonly reply: string }
  | { readonly kind: "silent" };

/** What discovery needs of the link: one question, its answer classified. */
export interface Prober {
  probe(rowId: QueryId | SettingId, options?: ProbeOptions): Promise<ProbeOutcome>;
}

export interface DiscoveryOptions {
  /** Silence this long means "not supported" while probing without `a`. */
  readonly probeTimeoutMs: number;
}

/** The queries of the identity block, in the order they are read. */
const IDENTITY_ROLES = ["model", "serial", "manufacture_date", "firmware", "firmware_fallback"] as const;
type IdentityRole = (typeof IDENTITY_ROLES)[number] & Reveals;

function answerText(outcome: ProbeOutcome): string | null {
  return outcome.kind === "answer" ? outcome.text : null;
}

function cleanOrNull(text: string | null): string | null {
  if (text === null) return null;
  const clean = sanitizeIdentity(text);
  return clean === "" ? null : clean;
}

export async function discoverCapabilities(prober: Prober, options: DiscoveryOptions): Promise<Capabilities> {
  const outcomes = new Map<RowId, ProbeOutcome>();
  const probe = async (id: QueryId | SettingId, probeOptions: ProbeOptions = {}): Promise<ProbeOutcome> => {
    const outcome = await prober.probe(id, probeOptions);
    outcomes.set(id, outcome);
    return outcome;
  };

  // Identity first: every Smart-UPS answers at least some of these; a retry rides out a glitch.
  const identityText = async (role: IdentityRole) =>
    answerText(await probe(queryRevealing(role).id, { retries: 1 }));
  const model = cleanOrNull(await identityText("model"));
  const serial = cleanOrNull(await identityText("serial"));
  const dateText = await identityText("manufacture_date");
  const manufactureDate = dateText === null ? null : (parseUpsDate(dateText) ?? cleanOrNull(dateText));
  const bText = await identityText("firmware");
  const b = bText === null ? null : parseFirmwareB(bText);
  // Some old units answer `b` with garbage: `V` is the fallback (PROTOCOL-NOTES "Values").
  const vText = b === null ? await identityText("firmware_fallback") : null;
  const firmware = b !== null ? cleanOrNull(bText) : cleanOrNull(vText);
  const identity: UpsIdentity = {
    model,
    serial,
    firmware,
    manufactureDate,
    localeLetter: localeLetter(bText, vText),
    upsFirmwareId: b?.form === "ap9620" ? b.upsId : null,
  };

  const commandList = queryRevealing("commands");
  const aOutcome = await probe(commandList.id, { retries: 1 });
  const listed = aOutcome.kind === "answer" ? parseCapabilities(aOutcome.text) : null;

  if ([...outcomes.values()].every((outcome) => outcome.kind === "silent")) {
    throw new UpsLinkError(
      "timeout",
      "The UPS stopped answering while its capabilities were read; check the cable and try again.",
    );
  }

  const supported = new Set<RowId>();
  let alerts: Set<EventId>;
  let source: "a" | "probe";

  if (listed !== null && listed.level !== null) {
    source = "a";
    supported.add(commandList.id);
    const commands = new Set(listed.commands);
    for (const row of CATALOGUE) {
      const opcode = row.wire.bytes[0];
      if (opcode !== undefined && commands.has(opcode)) supported.add(row.id);
    }
    // Every byte of the alert field is an alert of this unit; one no row knows is `unknown_alert`.
    alerts = new Set(listed.alerts.map(alertEventId));
  } else {
    source = "probe";
    // The handshake itself proves `Y`.
    for (const row of CATALOGUE)
      if (row.kind === "action" && row.effect === "enters_smart_mode") supported.add(row.id);
    for (const row of CATALOGUE) {
      if (row.kind !== "query" && row.kind !== "setting") continue;
      if (row.id === commandList.id || row.needsMeasureUps) continue;
      const known = outcomes.get(row.id);
      const outcome = known ?? (await probe(row.id, { timeoutMs: options.probeTimeoutMs }));
      if (outcome.kind === "answer") supported.add(row.id);
    }
    // Actions cannot be probed (sending one acts): trust the catalogue's model notes.
    const family = guessFamily(model);
    for (const row of CATALOGUE) {
      if ((row.kind === "action" || row.kind === "modifier") && !lacks(row, family)) supported.add(row.id);
    }
    // Without `a` only the catalogue's alerts are known: no byte can be an unknown one.
    alerts = new Set(
      EVENTS.filter((event) => !event.needsMeasureUps && event.byte !== null).map((event) => event.id),
    );
  }
  // A parsed `a` is the whole truth: nothing it does not list is marked supported (a Smart-UPS v/s
  // answers some identity queries it does not list, and is silent on the rest).
  if (source === "probe") {
    for (const role of IDENTITY_ROLES) {
      const id = queryRevealing(role).id;
      if (outcomes.get(id)?.kind === "answer") supported.add(id);
    }
  }

  // A Measure-UPS passes every UPS command through and adds its own (seed §4): present when `t`
  // answers, whatever `a` lists.
  const measureUps =
    (await probe(queryRevealing("measure_ups").id, { timeoutMs: options.probeTimeoutMs })).kind === "answer";
  for (const row of CATALOGUE) {
    if (!row.needsMeasureUps) continue;
    if (!measureUps) {
      supported.delete(row.id);
      continue;
    }
    if (source === "probe") {
      const outcome = outcomes.get(row.id) ?? (await probe(row.id, { timeoutMs: options.probeTimeoutMs }));
      if (outcome.kind === "answer") supported.add(row.id);
    }
  }
  for (const event of EVENTS) {
    if (!event.needsMeasureUps) continue;
    if (measureUps) alerts.add(event.id);
    else alerts.delete(event.id);
  }

  const { values: settingValues, fromUnit: ringsFromUnit } = await readSettingValues(
    probe,
    supported,
    identity.localeLetter,
    outcomes,
  );

  return {
    identity,
    supported,
    alerts,
    alertBytes: source === "a" ? [...(listed?.alerts ?? [])] : [],
    settingValues,
    ringsFromUnit,
    protocolLevel: listed?.level ?? null,
    measureUps,
    source,
  };
}

async function readSettingValues(
  probe: (id: QueryId | SettingId, options?: ProbeOptions) => Promise<ProbeOutcome>,
  supported: ReadonlySet<RowId>,
  locale: string | null,
  outcomes: ReadonlyMap<RowId, ProbeOutcome>,
): Promise<{
  readonly values: Partial<Record<SettingId, readonly string[]>>;
  readonly fromUnit: ReadonlySet<SettingId>;
}> {
  let fromDump: Partial<Record<SettingId, string[]>> = {};
  const dumpRow = queryRevealing("setting_values");
  if (supported.has(dumpRow.id)) {
    const dump = await probe(dumpRow.id, { retries: 1 });
    if (dump.kind === "answer") fromDump = parseDump(dump.text, locale).values;
  }
  const values: Partial<Record<SettingId, readonly string[]>> = {};
  const fromUnit = new Set<SettingId>();
  for (const row of CATALOGUE) {
    if (row.kind !== "setting" || !supported.has(row.id)) continue;
    const dumped = fromDump[row.id];
    if (dumped !== undefined) {
      fromUnit.add(row.id);
      values[row.id] = dumped;
      continue;
    }
    // Models without Ctrl-Z: the seed's ring for the unit's voltage version is the best we know.
    const choices = catalogueValues(row, locale);
    if (choices === null) continue;
    // Real rings differ from it (issue 13: an old Smart-UPS 600 holds u = 129, a 601.3.I p = 090):
    // the value the unit holds is offered too, so every select shows it among its options.
    const current = row.entry === "ring" ? (outcomes.get(row.id) ?? (await probe(row.id))) : null;
    const text = current?.kind === "answer" ? sanitizeIdentity(current.text) : "";
    const held =
      /^[0-9A-Za-z.]{1,5}$/.test(text) && !choices.some((choice) => sameSettingValue(choice, text));
    values[row.id] = held ? [...choices, text] : choices;
  }
  return { values, fromUnit };
}

function catalogueValues(row: SettingRow, locale: string | null): readonly string[] | null {
  if (row.values === null) return null;
  return (locale === null ? undefined : row.values[locale]) ?? row.values["4"] ?? null;
}

function guessFamily(model: string | null): ModelFamily {
  return model !== null && /matrix/i.test(model) ? "matrix_ups" : "smart_ups_old";
}

function lacks(row: CatalogueRow, family: ModelFamily): boolean {
  return row.lackedBy.includes(family);
}
