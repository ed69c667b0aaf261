// The full surface the reference describes: every key of a UPS that supported every row, with the
// seed's values for every setting, and the Home Assistant discovery such a UPS would get (destructive
// actions allowed). Every table of docs/TOPICS.md is read from these two, so nothing is listed twice.
import { BRIDGE_EVENT_TYPES } from "../../events.js";
import { buildDiscovery, type Component, type DiscoveryTopics } from "../../homeassistant/discovery.js";
import { topics } from "../../mqtt/topics.js";
import { CATALOGUE, EVENTS, FEEDBACKS, REGISTERS, type SettingId } from "../../protocol/catalogue/index.js";
import { FIRMWARE_RELEASE_URL } from "../../protocol/firmware.js";
import type { CatalogueRow } from "../../protocol/types.js";
import { COMPOSITE_ACTIONS } from "../../ups/commands.js";
import { type KeySpec, supportedKeys } from "../../ups/keys.js";
import { code } from "../markdown.js";
import { BASE, UPS } from "./map.js";

/** Every row supported, every register read, every setting with the seed's values: the full surface. */
export function allKeys(): KeySpec[] {
  const settingValues: Partial<Record<SettingId, readonly string[]>> = {};
  for (const row of CATALOGUE) {
    if (row.kind === "setting" && row.values !== null) settingValues[row.id] = allowedValues(row);
  }
  return supportedKeys({
    rows: CATALOGUE,
    feedbacks: FEEDBACKS,
    registers: REGISTERS,
    supported: new Set(CATALOGUE.map((row) => row.id)),
    settingValues,
  });
}

/** A setting's values over every utility-voltage version, in ring order, without repeats. */
function allowedValues(row: CatalogueRow): string[] {
  if (row.values === null) return [];
  return [...new Set(Object.values(row.values).flat())];
}

/** The discovery topics written with the reference's placeholders (`<base>/<ups>/…`). */
function placeholderTopics(): DiscoveryTopics {
  return {
    bridgeState: topics.bridgeState(BASE),
    availability: topics.availability(BASE, UPS),
    state: topics.state(BASE, UPS),
    key: (key) => topics.key(BASE, UPS, key),
    event: topics.event(BASE, UPS),
    command: (action) => topics.command(BASE, UPS, action),
    set: (setting) => topics.set(BASE, UPS, setting),
    confirm: topics.confirm(BASE, UPS),
    cancel: topics.cancel(BASE, UPS),
    pending: topics.pending(BASE, UPS),
    firmwareUpdate: topics.key(BASE, UPS, "firmware_update"),
  };
}

/** The discovery a UPS supporting everything would get, with destructive actions allowed. */
export function fullDiscovery(keys: readonly KeySpec[]): Map<string, Component> {
  const discovery = buildDiscovery({
    identity: { upsId: "ups", name: "UPS", serial: "SERIAL", model: null, firmware: "UPS 09.3 / ID=18" },
    keys,
    actions: CATALOGUE.filter((row) => row.kind === "action"),
    compositeActions: COMPOSITE_ACTIONS,
    events: [...EVENTS.map((event) => event.id), ...BRIDGE_EVENT_TYPES],
    allowDestructive: true,
    topics: placeholderTopics(),
    origin: { name: "upslink2mqtt", swVersion: "0", supportUrl: "" },
    firmware: { installed: "09.3", latest: "09.6", summary: "", releaseUrl: FIRMWARE_RELEASE_URL },
  });
  const components = discovery.payload.components as Readonly<Record<string, Component>>;
  return new Map(Object.entries(components));
}

/** A component as the reference shows it: its platform, then its class, unit and category. */
export function entityText(component: Component | undefined): string {
  if (component === undefined) return "—";
  const details: string[] = [];
  for (const field of ["device_class", "unit_of_measurement", "state_class", "entity_category"] as const) {
    const value = component[field];
    if (typeof value === "string") details.push(value);
  }
  if (component.enabled_by_default === false) details.push("disabled by default");
  return details.length === 0
    ? code(component.platform)
    : `${code(component.platform)} (${details.join(", ")})`;
}
