// One entity per state key: which shape each kind of key takes (a reading, a query, a status bit, a
// derived state, a history count, a setting), read from the `ha` metadata of the catalogue row,
// feedback, bit or derived state behind it. The shapes themselves live in sensors.ts and
// setting-entities.ts; this module only picks one.
import type { HaEntity } from "../protocol/catalogue/index.js";
import type { Value } from "../protocol/types.js";
import type { KeySpec } from "../ups/keys.js";
import { humanize } from "./names.js";
import {
  BOOLEAN_TEMPLATE,
  type Fields,
  historySensor,
  NULL_AWARE,
  numericSensor,
  textSensor,
} from "./sensors.js";
import { settingEntity } from "./setting-entities.js";

/** Where a key's entity reads and writes, and what the UPS holds now (a setting's current value). */
export interface KeyEntityContext {
  readonly stateTopic: string;
  readonly setTopic: string;
  readonly current: Value | undefined;
}

/** The entity of a key as `[platform, fields]`; null when the key has none. */
export function keyEntity(spec: KeySpec, context: KeyEntityContext): [string, Fields] | null {
  const ha = haOf(spec);
  if (ha === null) return null;
  const topic = context.stateTopic;
  switch (spec.kind) {
    case "feedback": {
      const fb = spec.feedback;
      if (fb.type === "enum" && fb.values !== null) {
        return [
          ha.platform,
          {
            name: humanize(spec.key),
            state_topic: topic,
            value_template: NULL_AWARE,
            device_class: ha.deviceClass,
            options: [...fb.values],
            enabled_by_default: ha.enabledByDefault,
          },
        ];
      }
      if (fb.type === "number") {
        return [ha.platform, numericSensor(humanize(spec.key), topic, fb.unit, ha)];
      }
      return [ha.platform, textSensor(humanize(spec.key), topic, ha)];
    }
    case "query":
      // Registers are shown as raw hex; readings with a unit as measurements.
      if (spec.row.register === null && spec.row.unit !== null) {
        // Slow-tier readings are nominal ratings (`g`): constants, so no state class (no statistics).
        const constant = spec.row.tier === "slow";
        return [ha.platform, numericSensor(spec.row.label, topic, spec.row.unit, ha, constant)];
      }
      return [ha.platform, textSensor(spec.row.label, topic, ha)];
    case "bit": {
      const fields: Record<string, Value> = {
        name: spec.bit.label,
        state_topic: topic,
        value_template: BOOLEAN_TEMPLATE,
        enabled_by_default: ha.enabledByDefault,
      };
      if (ha.deviceClass !== null) fields.device_class = ha.deviceClass;
      if (ha.category !== null) fields.entity_category = ha.category;
      return [ha.platform, fields];
    }
    case "history":
      return [ha.platform, historySensor(spec.history, topic, ha)];
    case "derived":
      return [
        ha.platform,
        {
          name: spec.derived.label,
          state_topic: topic,
          value_template: BOOLEAN_TEMPLATE,
          device_class: ha.deviceClass,
          enabled_by_default: ha.enabledByDefault,
        },
      ];
    case "setting":
      return settingEntity(spec, ha, topic, context.setTopic, context.current);
  }
}

/** The entity of a key, from its catalogue row, feedback, bit or derived state. */
function haOf(spec: KeySpec): HaEntity | null {
  switch (spec.kind) {
    case "query":
    case "setting":
      return spec.row.ha;
    case "feedback":
      return spec.feedback.ha;
    case "bit":
      return spec.bit.ha;
    case "derived":
      return spec.derived.ha;
    case "history":
      return spec.history.ha;
  }
}
