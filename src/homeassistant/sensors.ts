// The read-only shapes every key entity is built from: a text sensor (registers, identity text,
// enums), a numeric sensor (a reading with its unit and precision), a history sensor (counts,
// durations, timestamps), and the value templates they share. Kept apart from the per-key dispatch
// (key-entities.ts) so a newcomer can see, in one place, what a sensor's fields are.
import type { HaEntity, HistoryRow } from "../protocol/catalogue/index.js";
import type { Unit, Value } from "../protocol/types.js";
import { DISPLAY_PRECISION, HA_UNITS } from "./units.js";

/** A component's fields, before discovery adds its platform, ids and QoS. */
export type Fields = { [key: string]: Value };

/** A component before discovery adds its ids and QoS: its component id, platform and fields. */
export type Entity = readonly [id: string, platform: string, fields: Fields];

/** A per-key topic carries `null` while the value is unknown: Home Assistant shows that as unknown. */
export const NULL_AWARE = "{{ None if value == 'null' else value }}";
export const BOOLEAN_TEMPLATE = "{{ 'ON' if value == 'true' else ('OFF' if value == 'false' else None) }}";

export function category(ha: HaEntity): { entity_category?: string } {
  return ha.category === null ? {} : { entity_category: ha.category };
}

/** Registers, identity text and counts. */
export function textSensor(name: string, topic: string, ha: HaEntity): Fields {
  return {
    name,
    state_topic: topic,
    value_template: NULL_AWARE,
    ...category(ha),
    enabled_by_default: ha.enabledByDefault,
  };
}

/** A history key (ups/history.ts): counts and durations are numbers, times ISO timestamps, causes enums. */
export function historySensor(row: HistoryRow, topic: string, ha: HaEntity): Fields {
  if (row.type === "count" || row.type === "duration") {
    const fields = numericSensor(row.label, topic, row.unit, ha);
    if (row.stateClass === null) delete fields.state_class;
    else fields.state_class = row.stateClass;
    // A count has no unit, yet is a number: shown without decimals.
    fields.suggested_display_precision ??= 0;
    return fields;
  }
  return {
    ...textSensor(row.label, topic, ha),
    ...(ha.deviceClass === null ? {} : { device_class: ha.deviceClass }),
    ...(row.values === null ? {} : { options: [...row.values] }),
  };
}

export function numericSensor(
  name: string,
  topic: string,
  unit: Unit | null,
  ha: HaEntity,
  constant = false,
): Fields {
  const fields: Record<string, Value> = {
    name,
    state_topic: topic,
    value_template: NULL_AWARE,
    enabled_by_default: ha.enabledByDefault,
  };
  if (!constant) fields.state_class = "measurement";
  if (unit !== null) {
    fields.unit_of_measurement = HA_UNITS[unit];
    fields.suggested_display_precision = DISPLAY_PRECISION[unit];
  }
  if (ha.deviceClass !== null) fields.device_class = ha.deviceClass;
  if (ha.category !== null) fields.entity_category = ha.category;
  return fields;
}
