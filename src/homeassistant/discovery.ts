// Home Assistant device discovery (CONTRACT.md "Home Assistant discovery"), derived from the keys the
// UPS supports and the catalogue rows behind them. One retained config per UPS at
// `<prefix>/device/<device id>/config`. Nothing here publishes: the bridge does.
import { CATALOGUE, EVENTS } from "../protocol/catalogue.js";
import { findFirmwareAdvice } from "../protocol/firmware.js";
import type { CatalogueRow, Unit, Value } from "../protocol/types.js";
import type { Capabilities } from "../ups/capabilities.js";
import { COMMAND_EVENTS, COMPOSITE_ACTIONS } from "../ups/commands.js";
import type { KeySpec } from "../ups/keys.js";

export interface DiscoveryTopics {
  readonly bridgeState: string;
  readonly availability: string;
  readonly key: (key: string) => string;
  readonly event: string;
  readonly command: (action: string) => string;
  readonly set: (setting: string) => string;
  readonly confirm: string;
  readonly cancel: string;
  readonly pending: string;
  readonly firmwareUpdate: string;
}

export interface DiscoveryIdentity {
  readonly upsId: string;
  readonly name: string;
  readonly serial: string | null;
  readonly model: string | null;
  readonly firmware: string | null;
}

export interface FirmwareAdvice {
  readonly installed: string;
  readonly latest: string;
  readonly summary: string;
}

export interface DiscoveryInput {
  readonly identity: DiscoveryIdentity;
  readonly keys: readonly KeySpec[];
  /** Supported action rows (kind `action`), in catalogue order. */
  readonly actions: readonly CatalogueRow[];
  /** Extra actions the bridge offers beyond the catalogue (e.g. `shutdown_return`). */
  readonly compositeActions: readonly {
    readonly id: string;
    readonly label: string;
    readonly destructive: boolean;
  }[];
  readonly events: readonly string[];
  readonly allowDestructive: boolean;
  readonly topics: DiscoveryTopics;
  readonly origin: { readonly name: string; readonly swVersion: string; readonly supportUrl: string };
  readonly firmware: FirmwareAdvice | null;
}

export type Component = { readonly platform: string; readonly unique_id: string } & {
  readonly [key: string]: Value;
};

export interface DeviceDiscovery {
  readonly deviceId: string;
  readonly payload: { readonly [key: string]: Value };
  /** Component ids, to clear entities that disappear. */
  readonly componentIds: readonly string[];
}

export interface UpsDiscoveryOptions {
  readonly upsId: string;
  readonly name: string;
  readonly caps: Capabilities;
  readonly keys: readonly KeySpec[];
  readonly allowDestructive: boolean;
  readonly topics: DiscoveryTopics;
  readonly origin: DiscoveryInput["origin"];
}

/** The device discovery of one UPS from what it reported: its identity, capabilities and keys. */
export function discoverUps(options: UpsDiscoveryOptions): DeviceDiscovery {
  const { caps } = options;
  const advice = findFirmwareAdvice(caps.identity.upsFirmwareId, caps.identity.firmware);
  return buildDiscovery({
    identity: {
      upsId: options.upsId,
      name: options.name,
      serial: caps.identity.serial,
      model: caps.identity.model,
      firmware: caps.identity.firmware,
    },
    keys: options.keys,
    actions: CATALOGUE.filter((row) => row.kind === "action" && caps.supported.has(row.id)),
    compositeActions: COMPOSITE_ACTIONS,
    events: [...EVENTS.filter((e) => caps.alerts.has(e.id)).map((e) => e.id), ...COMMAND_EVENTS],
    allowDestructive: options.allowDestructive,
    topics: options.topics,
    origin: options.origin,
    firmware:
      advice === null
        ? null
        : { installed: advice.installed, latest: advice.latest, summary: advice.summary },
  });
}

/** Device ids: `upslink2mqtt_<serial>` sanitized, or the configured UPS id without a serial. */
export function deviceIdFor(identity: Pick<DiscoveryIdentity, "serial" | "upsId">): string {
  const raw = identity.serial !== null && identity.serial.trim() !== "" ? identity.serial : identity.upsId;
  return `upslink2mqtt_${sanitizeId(raw)}`;
}

export function sanitizeId(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, "_")
      .replace(/^_+|_+$/g, "") || "unknown"
  );
}

interface UnitClass {
  readonly unit: string;
  readonly deviceClass: string | null;
}

/** Unit → Home Assistant unit and device class (HA rejects mismatched unit/class pairs). */
const UNIT_CLASSES: Readonly<Record<Unit, UnitClass>> = {
  Vac: { unit: "V", deviceClass: "voltage" },
  Vdc: { unit: "V", deviceClass: "voltage" },
  Hz: { unit: "Hz", deviceClass: "frequency" },
  degC: { unit: "°C", deviceClass: "temperature" },
  A: { unit: "A", deviceClass: "current" },
  minutes: { unit: "min", deviceClass: "duration" },
  seconds: { unit: "s", deviceClass: "duration" },
  percent_rh: { unit: "%", deviceClass: "humidity" },
  percent: { unit: "%", deviceClass: null },
};

/** Queries whose feedback carries the same value: the entity is made for the feedback only. */
function feedbackSources(keys: readonly KeySpec[]): Set<string> {
  const sources = new Set<string>();
  for (const spec of keys) if (spec.kind === "feedback") sources.add(spec.feedback.sourceQuery);
  return sources;
}

/** Entities enabled by default: what users ask for first (runtime, voltages, load, charge). */
const PRIMARY = new Set([
  "battery_capacity_percent",
  "run_time_remaining_minutes",
  "line_voltage_vac",
  "output_voltage_vac",
  "battery_voltage_vdc",
  "internal_temperature_c",
  "load_power_percent",
  "load_current",
  "apparent_load_power",
  "power_state",
  "on_battery_mode",
  "low_battery_condition",
  "replace_battery_condition",
  "overloaded_output",
  "shutdown_recommended",
  "battery_test_state",
  "transfer_cause_state",
  "operating_frequency",
  "ambient_temperature",
  "humidity",
]);

/** Feedback enum values per feedback id come from the catalogue row; states are its snake_case values. */
const NULL_AWARE = "{{ None if value == 'null' else value }}";
const BOOLEAN_TEMPLATE = "{{ 'ON' if value == 'true' else ('OFF' if value == 'false' else None) }}";

export function buildDiscovery(input: DiscoveryInput): DeviceDiscovery {
  const deviceId = deviceIdFor(input.identity);
  const uid = (suffix: string) => `${deviceId}_${suffix}`;
  const entityBase = sanitizeId(input.identity.upsId);
  const components: Record<string, Component> = {};
  const add = (id: string, platform: string, fields: { readonly [key: string]: Value }) => {
    components[id] = {
      platform,
      unique_id: uid(id),
      default_entity_id: `${platform}.${entityBase}_${id}`,
      ...fields,
    } as Component;
  };
  const covered = feedbackSources(input.keys);

  for (const spec of input.keys) {
    switch (spec.kind) {
      case "feedback": {
        const fb = spec.feedback;
        const topic = input.topics.key(spec.key);
        if (fb.type === "enum" && fb.values !== null) {
          add(spec.key, "sensor", {
            name: humanize(spec.key),
            state_topic: topic,
            value_template: NULL_AWARE,
            device_class: "enum",
            options: [...fb.values],
            ...enabled(spec.key),
          });
        } else if (fb.type === "number") {
          add(spec.key, "sensor", numericSensor(spec.key, topic, fb.unit, fb.id));
        } else {
          add(spec.key, "sensor", {
            name: humanize(spec.key),
            state_topic: topic,
            value_template: NULL_AWARE,
            entity_category: "diagnostic",
            enabled_by_default: false,
          });
        }
        break;
      }
      case "query": {
        if (covered.has(spec.row.id)) break;
        const topic = input.topics.key(spec.key);
        if (spec.row.id === "all_commands_available" || spec.row.id === "read_all_eeprom") break; // in `info`
        if (spec.row.register !== null) {
          add(spec.key, "sensor", {
            name: spec.row.label,
            state_topic: topic,
            value_template: NULL_AWARE,
            entity_category: "diagnostic",
            enabled_by_default: false,
          });
        } else if (spec.row.unit !== null) {
          add(spec.key, "sensor", numericSensor(spec.key, topic, spec.row.unit, spec.row.id, spec.row.label));
        } else {
          add(spec.key, "sensor", {
            name: spec.row.label,
            state_topic: topic,
            value_template: NULL_AWARE,
            entity_category: "diagnostic",
            ...enabled(spec.key),
          });
        }
        break;
      }
      case "bit": {
        const topic = input.topics.key(spec.key);
        const fields: Record<string, Value> = {
          name: spec.bit.label,
          state_topic: topic,
          value_template: BOOLEAN_TEMPLATE,
          ...enabled(spec.key),
        };
        const deviceClass = bitDeviceClass(spec.key, spec.bit.problem);
        if (deviceClass !== null) fields.device_class = deviceClass;
        if (spec.register.name === "7" || spec.register.name === "i") fields.entity_category = "diagnostic";
        add(spec.key, "binary_sensor", fields);
        break;
      }
      case "setting": {
        const topic = input.topics.key(spec.key);
        const text = spec.row.params.find((p) => p.type === "text");
        if (text !== undefined && text.type === "text") {
          add(spec.key, "text", {
            name: spec.row.label,
            state_topic: topic,
            command_topic: input.topics.set(spec.key),
            value_template: "{{ '' if value == 'null' else value }}",
            min: 0,
            max: text.length,
            pattern: text.pattern,
            entity_category: "config",
          });
        } else if (spec.allowed !== null && spec.allowed.length > 0) {
          add(spec.key, "select", {
            name: spec.row.label,
            state_topic: topic,
            command_topic: input.topics.set(spec.key),
            value_template: NULL_AWARE,
            options: [...new Set(spec.allowed)],
            entity_category: "config",
          });
        }
        break;
      }
      case "derived":
        add(spec.key, "binary_sensor", {
          name: "Shutdown recommended",
          state_topic: input.topics.key(spec.key),
          value_template: BOOLEAN_TEMPLATE,
          device_class: "problem",
          enabled_by_default: true,
        });
        break;
    }
  }

  add("event", "event", {
    name: "Alert",
    state_topic: input.topics.event,
    event_types: [...input.events],
    value_template: "{{ value }}",
  });

  const destructiveShown: string[] = [];
  const buttons = [
    ...input.actions.map((row) => ({ id: row.id, label: row.label, destructive: row.destructive })),
    ...input.compositeActions,
  ];
  for (const action of buttons) {
    if (NOT_BUTTONS.has(action.id)) continue;
    if (action.destructive) {
      if (!input.allowDestructive) continue;
      destructiveShown.push(action.id);
      add(action.id, "button", {
        name: `${action.label} (request)`,
        command_topic: input.topics.command(action.id),
        payload_press: "PRESS",
        entity_category: "config",
      });
      add(`${action.id}_confirm`, "button", {
        name: `${action.label} (confirm)`,
        command_topic: input.topics.confirm,
        payload_press: JSON.stringify({ action: action.id }),
        entity_category: "config",
      });
    } else {
      add(action.id, "button", {
        name: action.label,
        command_topic: input.topics.command(action.id),
        payload_press: "PRESS",
        ...(action.id === "battery_test" ? {} : { entity_category: "config" }),
      });
    }
  }
  if (destructiveShown.length > 0) {
    add("cancel_pending", "button", {
      name: "Cancel pending confirmations",
      command_topic: input.topics.cancel,
      payload_press: "",
      entity_category: "config",
    });
    add("pending_confirmations", "sensor", {
      name: "Pending confirmations",
      state_topic: input.topics.pending,
      value_template: "{{ value_json | length }}",
      json_attributes_topic: input.topics.pending,
      json_attributes_template: "{{ {'pending': value_json} | tojson }}",
      entity_category: "diagnostic",
    });
  }

  if (input.firmware !== null) {
    add("firmware", "update", {
      name: "Firmware",
      state_topic: input.topics.firmwareUpdate,
      device_class: "firmware",
      entity_category: "diagnostic",
    });
  }

  const identity = input.identity;
  const device: Record<string, Value> = {
    identifiers: [deviceId],
    name: identity.name,
    manufacturer: "APC",
  };
  if (identity.model !== null) device.model = identity.model;
  if (identity.serial !== null) device.serial_number = identity.serial;
  if (identity.firmware !== null) device.sw_version = identity.firmware;

  const payload: Record<string, Value> = {
    device,
    origin: {
      name: input.origin.name,
      sw_version: input.origin.swVersion,
      support_url: input.origin.supportUrl,
    },
    availability: [{ topic: input.topics.bridgeState }, { topic: input.topics.availability }],
    availability_mode: "all",
    qos: 1,
    components,
  };
  return { deviceId, payload, componentIds: Object.keys(components) };
}

/** Actions that make no sense as a button: the bridge itself keeps the UPS in smart mode. */
const NOT_BUTTONS = new Set(["set_smart_mode", "return_to_simple_mode"]);

function enabled(key: string): { enabled_by_default: boolean } {
  return { enabled_by_default: PRIMARY.has(key) };
}

function numericSensor(
  key: string,
  topic: string,
  unit: Unit | null,
  sourceId: string,
  label?: string,
): { [key: string]: Value } {
  const fields: Record<string, Value> = {
    name: label ?? humanize(key),
    state_topic: topic,
    value_template: NULL_AWARE,
    state_class: "measurement",
    ...enabled(key),
  };
  if (unit !== null) {
    const mapping = UNIT_CLASSES[unit];
    fields.unit_of_measurement = mapping.unit;
    // Battery charge is the battery device class; other percentages have none.
    const deviceClass =
      sourceId === "battery_capacity" || key === "battery_capacity_percent" ? "battery" : mapping.deviceClass;
    if (deviceClass !== null) fields.device_class = deviceClass;
  }
  if (key.startsWith("max_") || key.startsWith("min_") || sourceId === "nominal_battery_voltage") {
    fields.entity_category = "diagnostic";
  }
  return fields;
}

function bitDeviceClass(key: string, problem: boolean): string | null {
  if (key === "low_battery_condition") return "battery";
  if (key === "on_battery_mode") return null;
  if (key === "on_line_mode") return "power";
  if (key === "run_time_calibration_running") return "running";
  return problem ? "problem" : null;
}

/** `line_voltage_vac` → `Line voltage` (unit suffixes dropped: the entity shows its unit). */
export function humanize(key: string): string {
  const words = key
    .replace(/_(vac|vdc|c|percent|minutes)$/, "")
    .split("_")
    .filter((w) => w !== "");
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
