// The entities of a UPS device that are not one state key each: the load in watts, read-only views
// of keys another entity sets, the one "Fault" sensor over every fault bit, the alert `event`, the
// link state, and the firmware `update`. Each is derived from the keys and topics the device has,
// so the bridge publishes nothing extra for most of them.
import { LOAD_PERCENT, SENSOR_VIEWS } from "../protocol/catalogue/index.js";
import type { KeySpec } from "../ups/keys.js";
import type { DiscoveryInput, DiscoveryTopics } from "./discovery.js";
import { type Entity, textSensor } from "./sensors.js";
import { wattsTemplate } from "./units.js";

/** The query whose value is the load in percent of the rating: the source of the watts sensor. */
const LOAD_PERCENT_KEY = LOAD_PERCENT;

/**
 * The load in watts, for Home Assistant's energy dashboard: the load percent of the nominal real
 * power (NUT's ups.realpower from ups.realpower.nominal). Only when the rating is known.
 */
export function realPowerSensor(
  keys: readonly KeySpec[],
  topics: DiscoveryTopics,
  nominalPowerW: number | null | undefined,
): Entity[] {
  const load = keys.find((spec) => spec.kind === "query" && spec.key === LOAD_PERCENT_KEY);
  if (load === undefined || nominalPowerW === undefined || nominalPowerW === null) return [];
  return [
    [
      "real_power",
      "sensor",
      {
        name: "Real power",
        state_topic: topics.key(load.key),
        value_template: wattsTemplate(nominalPowerW),
        device_class: "power",
        unit_of_measurement: "W",
        state_class: "measurement",
        suggested_display_precision: 0,
      },
    ],
  ];
}

/** Read-only sensors of keys another entity shows (the battery date, a `text` to set it, as a date). */
export function sensorViews(keys: readonly KeySpec[], topics: DiscoveryTopics): Entity[] {
  return SENSOR_VIEWS.filter((view) => keys.some((spec) => spec.key === view.key)).map((view) => [
    view.id,
    view.ha.platform,
    { ...textSensor(view.label, topics.key(view.key), view.ha), device_class: view.ha.deviceClass },
  ]);
}

/**
 * One "Fault" sensor over the fault bits this unit has: ON while any is set, the active ones (their
 * labels) as the `faults` attribute. Read from the state JSON, which holds every bit, so the bridge
 * publishes nothing for it. OFF needs a known bit; while none is known the state is unknown.
 */
export function faultSensor(keys: readonly KeySpec[], topics: DiscoveryTopics): Entity[] {
  const faults = keys.flatMap((spec) =>
    spec.kind === "bit" && spec.bit.fault ? [{ key: spec.key, label: spec.bit.label }] : [],
  );
  if (faults.length === 0) return [];
  const list = faults.map((f) => `value_json.${f.key}`).join(", ");
  const active = faults
    .map((f) => `([${JSON.stringify(f.label)}] if value_json.${f.key} == true else [])`)
    .join(" + ");
  return [
    [
      "fault",
      "binary_sensor",
      {
        name: "Fault",
        state_topic: topics.state,
        value_template: `{% set f = [${list}] %}{{ 'ON' if true in f else ('OFF' if false in f else None) }}`,
        json_attributes_topic: topics.state,
        json_attributes_template: `{{ {'faults': ${active}} | tojson }}`,
        device_class: "problem",
      },
    ],
  ];
}

/** Every alert this UPS sends and every event of the bridge's own, as one `event` entity. */
export function alertEvent(topics: DiscoveryTopics, events: readonly string[]): Entity {
  return [
    "event",
    "event",
    {
      name: "Alert",
      state_topic: topics.event,
      event_types: [...events],
      value_template: "{{ value }}",
    },
  ];
}

/**
 * Whether the bridge talks to the UPS, as an entity of its own: it follows the bridge only (its
 * `availability` replaces the device's, which includes the UPS availability topic), so it stays
 * available and turns OFF when the UPS stops answering, while the other entities go unavailable.
 * Automations can trigger on "communication lost".
 */
export function linkSensor(topics: DiscoveryTopics): Entity {
  return [
    "link",
    "binary_sensor",
    {
      name: "Link",
      state_topic: topics.availability,
      payload_on: "online",
      payload_off: "offline",
      device_class: "connectivity",
      entity_category: "diagnostic",
      availability: [{ topic: topics.bridgeState }],
    },
  ];
}

/** The firmware `update` entity, for a unit whose firmware APC's table knows. */
export function firmwareUpdate(topics: DiscoveryTopics, firmware: DiscoveryInput["firmware"]): Entity[] {
  if (firmware === null) return [];
  return [
    [
      "firmware",
      "update",
      {
        name: "Firmware",
        state_topic: topics.firmwareUpdate,
        device_class: "firmware",
        entity_category: "diagnostic",
        // Where the upgrade is explained (HA's "Read release announcement" link).
        release_url: firmware.releaseUrl,
      },
    ],
  ];
}
