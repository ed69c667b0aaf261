// Home Assistant device discovery (CONTRACT.md "Home Assistant discovery"), derived from the keys the
// UPS supports and the catalogue rows behind them: each row, feedback, bit and derived state says
// how it appears (`ha`: platform, device class, category, enabled by default); this module only
// shapes the components. One retained config per UPS at `<prefix>/device/<device id>/config`.
// Nothing here publishes: the bridge does.
import { BRIDGE_EVENT_TYPES } from "../events.js";
import {
  CATALOGUE,
  EVENTS,
  type HaEntity,
  type HistoryRow,
  LOAD_PERCENT,
  SENSOR_VIEWS,
} from "../protocol/catalogue/index.js";
import { textEntryPattern } from "../protocol/codec.js";
import { type FirmwareAdvice, findFirmwareAdvice } from "../protocol/firmware.js";
import type { ActionRow, SettingRow, Unit, Value } from "../protocol/types.js";
import type { Capabilities } from "../ups/capabilities.js";
import { COMPOSITE_ACTIONS } from "../ups/commands.js";
import type { KeySpec } from "../ups/keys.js";
import { nominalRealPower } from "../ups/power.js";
import { offeredOptions } from "../ups/settings.js";
import { deviceIdFor, deviceName, entityName, entityObjectId, humanize, sanitizeId } from "./names.js";

export interface DiscoveryTopics {
  readonly bridgeState: string;
  readonly availability: string;
  /** The JSON object of every key (`<base>/<ups>/state`). */
  readonly state: string;
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
  /** The configured display name; null: the model and the UPS id (`Smart-UPS 1500 (ups)`). */
  readonly name: string | null;
  readonly serial: string | null;
  readonly model: string | null;
  readonly firmware: string | null;
}

export interface DiscoveryInput {
  readonly identity: DiscoveryIdentity;
  readonly keys: readonly KeySpec[];
  /** Supported action rows, in catalogue order. */
  readonly actions: readonly ActionRow[];
  /** Extra actions the bridge offers beyond the catalogue (e.g. `shutdown_return`). */
  readonly compositeActions: readonly {
    readonly id: string;
    readonly label: string;
    readonly destructive: boolean;
    readonly ha: HaEntity | null;
  }[];
  readonly events: readonly string[];
  readonly allowDestructive: boolean;
  readonly topics: DiscoveryTopics;
  readonly origin: { readonly name: string; readonly swVersion: string; readonly supportUrl: string };
  readonly firmware: Pick<FirmwareAdvice, "installed" | "latest" | "summary" | "releaseUrl"> | null;
  /** The QoS of the bridge's publications and subscriptions (`mqtt.qos`). */
  readonly qos?: 0 | 1 | 2;
  /** The values published now, by key: a setting's current value is always among its choices. */
  readonly current?: Readonly<Record<string, Value>>;
  /** The UPS's nominal real power in watts (configured or known from the model); null: unknown. */
  readonly nominalPowerW?: number | null;
  /** The bridge device this UPS is reached through (`via_device`); see `bridgeDiscovery`. */
  readonly bridgeDeviceId?: string;
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
  /** The configured display name (`ups[].name`); null: the model and the UPS id. */
  readonly name: string | null;
  readonly caps: Capabilities;
  readonly keys: readonly KeySpec[];
  readonly allowDestructive: boolean;
  readonly topics: DiscoveryTopics;
  readonly origin: DiscoveryInput["origin"];
  readonly qos?: 0 | 1 | 2;
  readonly current?: Readonly<Record<string, Value>>;
  /** `ups[].nominal_power_w`; null: the model's rating when the table knows it. */
  readonly nominalPowerW?: number | null;
  readonly bridgeDeviceId?: string;
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
    actions: CATALOGUE.filter(
      (row): row is Extract<(typeof CATALOGUE)[number], ActionRow> =>
        row.kind === "action" && caps.supported.has(row.id),
    ),
    compositeActions: COMPOSITE_ACTIONS,
    // The alerts this UPS sends, and every event of the bridge's own (one list: src/events.ts).
    events: [...EVENTS.filter((e) => caps.alerts.has(e.id)).map((e) => e.id), ...BRIDGE_EVENT_TYPES],
    allowDestructive: options.allowDestructive,
    topics: options.topics,
    origin: options.origin,
    qos: options.qos ?? 1,
    current: options.current ?? {},
    nominalPowerW: options.nominalPowerW ?? nominalRealPower(caps.identity.model),
    ...(options.bridgeDeviceId === undefined ? {} : { bridgeDeviceId: options.bridgeDeviceId }),
    firmware:
      advice === null
        ? null
        : {
            installed: advice.installed,
            latest: advice.latest,
            summary: advice.summary,
            releaseUrl: advice.releaseUrl,
          },
  });
}

/** The catalogue's units as Home Assistant writes them. */
export const HA_UNITS: Readonly<Record<Unit, string>> = {
  Vac: "V",
  Vdc: "V",
  Hz: "Hz",
  degC: "°C",
  A: "A",
  minutes: "min",
  seconds: "s",
  percent_rh: "%",
  percent: "%",
};

/** Decimals worth showing per unit: the UPS reports no finer (battery `27.87` Vdc, `59.94` Hz). */
export const DISPLAY_PRECISION: Readonly<Record<Unit, number>> = {
  Vac: 0,
  Vdc: 1,
  Hz: 1,
  degC: 1,
  A: 1,
  minutes: 0,
  seconds: 0,
  percent_rh: 0,
  percent: 0,
};

/**
 * The device classes Home Assistant accepts for each unit (it rejects a sensor whose unit does not
 * fit its class); the catalogue's rows are checked against it.
 */
export const UNIT_DEVICE_CLASSES: Readonly<Record<Unit, readonly (string | null)[]>> = {
  Vac: ["voltage"],
  Vdc: ["voltage"],
  Hz: ["frequency"],
  degC: ["temperature"],
  A: ["current"],
  minutes: ["duration"],
  seconds: ["duration"],
  percent_rh: ["humidity"],
  percent: [null, "battery"],
};

/** Feedback enum values per feedback id come from the catalogue row; states are its snake_case values. */
const NULL_AWARE = "{{ None if value == 'null' else value }}";
const BOOLEAN_TEMPLATE = "{{ 'ON' if value == 'true' else ('OFF' if value == 'false' else None) }}";

export function buildDiscovery(input: DiscoveryInput): DeviceDiscovery {
  const deviceId = deviceIdFor(input.identity);
  const uid = (suffix: string) => `${deviceId}_${suffix}`;
  const entityBase = sanitizeId(input.identity.upsId);
  const components: Record<string, Component> = {};
  const qos = input.qos ?? 1;
  // `qos` in every component: Home Assistant releases before mid-2026 do not pass the root one down.
  const add = (id: string, platform: string, fields: { readonly [key: string]: Value }) => {
    components[id] = {
      platform,
      unique_id: uid(id),
      default_entity_id: `${platform}.${entityObjectId(entityBase, id)}`,
      ...fields,
      ...(typeof fields.name === "string" ? { name: entityName(fields.name) } : {}),
      qos,
    } as Component;
  };
  for (const spec of input.keys) {
    const ha = haOf(spec);
    if (ha === null) continue;
    const topic = input.topics.key(spec.key);
    switch (spec.kind) {
      case "feedback": {
        const fb = spec.feedback;
        if (fb.type === "enum" && fb.values !== null) {
          add(spec.key, ha.platform, {
            name: humanize(spec.key),
            state_topic: topic,
            value_template: NULL_AWARE,
            device_class: ha.deviceClass,
            options: [...fb.values],
            enabled_by_default: ha.enabledByDefault,
          });
        } else if (fb.type === "number") {
          add(spec.key, ha.platform, numericSensor(humanize(spec.key), topic, fb.unit, ha));
        } else {
          add(spec.key, ha.platform, textSensor(humanize(spec.key), topic, ha));
        }
        break;
      }
      case "query":
        // Registers are shown as raw hex; readings with a unit as measurements.
        if (spec.row.register === null && spec.row.unit !== null) {
          // Slow-tier readings are nominal ratings (`g`): constants, so no state class (no statistics).
          const constant = spec.row.tier === "slow";
          add(spec.key, ha.platform, numericSensor(spec.row.label, topic, spec.row.unit, ha, constant));
        } else {
          add(spec.key, ha.platform, textSensor(spec.row.label, topic, ha));
        }
        break;
      case "bit": {
        const fields: Record<string, Value> = {
          name: spec.bit.label,
          state_topic: topic,
          value_template: BOOLEAN_TEMPLATE,
          enabled_by_default: ha.enabledByDefault,
        };
        if (ha.deviceClass !== null) fields.device_class = ha.deviceClass;
        if (ha.category !== null) fields.entity_category = ha.category;
        add(spec.key, ha.platform, fields);
        break;
      }
      case "history":
        add(spec.key, ha.platform, historySensor(spec.history, topic, ha));
        break;
      case "derived":
        add(spec.key, ha.platform, {
          name: spec.derived.label,
          state_topic: topic,
          value_template: BOOLEAN_TEMPLATE,
          device_class: ha.deviceClass,
          enabled_by_default: ha.enabledByDefault,
        });
        break;
      case "setting": {
        const text = spec.row.params.find((p) => p.type === "text");
        if (ha.platform === "text" && text !== undefined && text.type === "text") {
          add(spec.key, ha.platform, {
            name: spec.row.label,
            state_topic: topic,
            command_topic: input.topics.set(spec.key),
            value_template: "{{ '' if value == 'null' else value }}",
            min: 0,
            // A date is typed as ISO (10 characters) and written as the unit's 8.
            max: text.format === "date" ? 10 : text.length,
            // The codec's refusals as well as the row's pattern: HA rejects alert characters as typed.
            pattern: textEntryPattern(text),
            ...category(ha),
          });
        } else if (spec.row.entry === "ring") {
          // The unit's ring (Ctrl-Z) or the seed's for its locale, and the value it holds now.
          const values = ringValues(spec.row, spec.allowed, input.current?.[spec.key]);
          if (values.length === 0) break;
          if (ha.platform === "number") {
            add(spec.key, ...numberEntity(spec.row, values, topic, input.topics.set(spec.key), ha));
          } else if (ha.platform === "select") {
            add(spec.key, ha.platform, selectEntity(spec.row, values, topic, input.topics.set(spec.key), ha));
          }
        }
        break;
      }
    }
  }

  // The load in watts, for Home Assistant's energy dashboard: the load percent of the nominal real
  // power (NUT's ups.realpower from ups.realpower.nominal). Only when the rating is known.
  const load = input.keys.find((spec) => spec.kind === "query" && spec.key === LOAD_PERCENT_KEY);
  if (load !== undefined && input.nominalPowerW !== undefined && input.nominalPowerW !== null) {
    add("real_power", "sensor", {
      name: "Real power",
      state_topic: input.topics.key(load.key),
      value_template: wattsTemplate(input.nominalPowerW),
      device_class: "power",
      unit_of_measurement: "W",
      state_class: "measurement",
      suggested_display_precision: 0,
    });
  }

  // Read-only sensors of keys another entity shows (the battery date, a `text` to set it, as a date).
  for (const view of SENSOR_VIEWS) {
    if (!input.keys.some((spec) => spec.key === view.key)) continue;
    add(view.id, view.ha.platform, {
      ...textSensor(view.label, input.topics.key(view.key), view.ha),
      device_class: view.ha.deviceClass,
    });
  }

  // One "Fault" sensor over the fault bits this unit has: ON while any is set, the active ones (their
  // labels) as the `faults` attribute. Read from the state JSON, which holds every bit, so the
  // bridge publishes nothing for it. OFF needs a known bit; while none is known the state is unknown.
  const faults = input.keys.flatMap((spec) =>
    spec.kind === "bit" && spec.bit.fault ? [{ key: spec.key, label: spec.bit.label }] : [],
  );
  if (faults.length > 0) {
    const list = faults.map((f) => `value_json.${f.key}`).join(", ");
    const active = faults
      .map((f) => `([${JSON.stringify(f.label)}] if value_json.${f.key} == true else [])`)
      .join(" + ");
    add("fault", "binary_sensor", {
      name: "Fault",
      state_topic: input.topics.state,
      value_template: `{% set f = [${list}] %}{{ 'ON' if true in f else ('OFF' if false in f else None) }}`,
      json_attributes_topic: input.topics.state,
      json_attributes_template: `{{ {'faults': ${active}} | tojson }}`,
      device_class: "problem",
    });
  }

  add("event", "event", {
    name: "Alert",
    state_topic: input.topics.event,
    event_types: [...input.events],
    value_template: "{{ value }}",
  });

  // Whether the bridge talks to the UPS, as an entity of its own: it follows the bridge only (its
  // `availability` replaces the device's, which includes the UPS availability topic), so it stays
  // available and turns OFF when the UPS stops answering, while the other entities go unavailable.
  // Automations can trigger on "communication lost".
  add("link", "binary_sensor", {
    name: "Link",
    state_topic: input.topics.availability,
    payload_on: "online",
    payload_off: "offline",
    device_class: "connectivity",
    entity_category: "diagnostic",
    availability: [{ topic: input.topics.bridgeState }],
  });

  const destructiveShown: string[] = [];
  for (const action of [...input.actions, ...input.compositeActions]) {
    const ha = action.ha;
    if (ha === null) continue;
    // The most dangerous buttons are discovered disabled: the user enables them in Home Assistant.
    const button = {
      ...category(ha),
      ...(ha.deviceClass === null ? {} : { device_class: ha.deviceClass }),
      ...(ha.enabledByDefault ? {} : { enabled_by_default: false }),
    };
    if (action.destructive) {
      if (!input.allowDestructive) continue;
      // Two buttons: the request, and the confirmation by action id (CONTRACT.md two-step).
      destructiveShown.push(action.id);
      add(action.id, ha.platform, {
        name: `${action.label} (request)`,
        command_topic: input.topics.command(action.id),
        payload_press: "PRESS",
        ...button,
      });
      add(`${action.id}_confirm`, ha.platform, {
        name: `${action.label} (confirm)`,
        command_topic: input.topics.confirm,
        payload_press: JSON.stringify({ action: action.id }),
        ...button,
      });
    } else {
      add(action.id, ha.platform, {
        name: action.label,
        command_topic: input.topics.command(action.id),
        payload_press: "PRESS",
        ...button,
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
      // Where the upgrade is explained (HA's "Read release announcement" link).
      release_url: input.firmware.releaseUrl,
    });
  }

  const identity = input.identity;
  const device: Record<string, Value> = {
    identifiers: [deviceId],
    name: deviceName(identity),
    manufacturer: "APC",
  };
  if (identity.model !== null) device.model = identity.model;
  if (identity.serial !== null) device.serial_number = identity.serial;
  if (identity.firmware !== null) device.sw_version = identity.firmware;
  if (input.bridgeDeviceId !== undefined) device.via_device = input.bridgeDeviceId;

  const payload: Record<string, Value> = {
    device,
    origin: {
      name: input.origin.name,
      sw_version: input.origin.swVersion,
      support_url: input.origin.supportUrl,
    },
    availability: [{ topic: input.topics.bridgeState }, { topic: input.topics.availability }],
    availability_mode: "all",
    qos,
    components,
  };
  return { deviceId, payload, componentIds: Object.keys(components) };
}

/** The query whose value is the load in percent of the rating: the source of the watts sensor. */
const LOAD_PERCENT_KEY = LOAD_PERCENT;

/** Watts from the load percent: `{{ None if value == 'null' else (value | float * 980 / 100) | round(0) }}`. */
export function wattsTemplate(nominalW: number): string {
  return `{{ None if value == 'null' else ((value | float) * ${nominalW} / 100) | round(0) }}`;
}

/**
 * A ring setting's values as the bridge publishes them (`020` read through the row's decoder is 20,
 * `ON ` is `ON`): the unit's ring when known, else the seed's for its locale, and always the value it
 * holds now (a 601.3.I held `p` = 090, which no ring lists). Unique, in ring order.
 */
function ringValues(row: SettingRow, allowed: readonly string[] | null, current: Value | undefined): Value[] {
  const offered = offeredOptions(allowed, current === null ? undefined : current) ?? [];
  const out: Value[] = [];
  for (const raw of offered) {
    const decoded = row.decode?.(raw);
    const value = decoded?.ok === true && decoded.value !== null ? decoded.value : raw.trim();
    if (!out.some((v) => String(v) === String(value))) out.push(value);
  }
  return out;
}

/**
 * A select in words (`Every 14 days`), translating both ways through its templates: the state's
 * machine form (`336`) to its word, the chosen word back to the machine form for `set/<id>`. A value
 * without a word is offered as it is. Home Assistant strips payloads, and an option must be exactly
 * the rendered state, so options are trimmed text.
 */
function selectEntity(
  row: SettingRow,
  values: readonly Value[],
  stateTopic: string,
  commandTopic: string,
  ha: HaEntity,
): { [key: string]: Value } {
  const words = row.words ?? {};
  // Maps, not objects: an object puts integer-like keys (`168`, `336`) first, out of ring order.
  const toWord = new Map<string, string>();
  const toValue = new Map<string, string>();
  for (const value of values) {
    const machine = String(value);
    const word = words[machine] ?? machine;
    toWord.set(machine, word);
    if (!toValue.has(word)) toValue.set(word, machine);
  }
  const translated = [...toWord].some(([machine, word]) => machine !== word);
  const jinja = (map: ReadonlyMap<string, string>) => JSON.stringify(Object.fromEntries(map));
  return {
    name: row.label,
    state_topic: stateTopic,
    command_topic: commandTopic,
    value_template: translated
      ? `{% set m = ${jinja(toWord)} %}{{ None if value == 'null' else m.get(value | trim, value) }}`
      : NULL_AWARE,
    ...(translated ? { command_template: `{% set m = ${jinja(toValue)} %}{{ m.get(value, value) }}` } : {}),
    options: [...toValue.keys()],
    ...category(ha),
  };
}

/**
 * A quantity setting as a number entity with its unit: min and max span the ring (and the value held
 * now, so Home Assistant never rejects the state as out of range), the step is the largest that
 * reaches every ring value. A box, not a slider: the ring's values are uneven and the unit refuses
 * the ones between. A ring of one value cannot change: a read-only sensor.
 */
function numberEntity(
  row: SettingRow,
  values: readonly Value[],
  stateTopic: string,
  commandTopic: string,
  ha: HaEntity,
): [string, { [key: string]: Value }] {
  const numbers = [...new Set(values.filter((v): v is number => typeof v === "number"))].sort(
    (a, b) => a - b,
  );
  const unit = row.unit === null ? {} : { unit_of_measurement: HA_UNITS[row.unit] };
  const deviceClass = ha.deviceClass === null ? {} : { device_class: ha.deviceClass };
  if (numbers.length < 2) {
    return [
      "sensor",
      {
        name: row.label,
        state_topic: stateTopic,
        value_template: NULL_AWARE,
        ...unit,
        ...(row.unit === null ? {} : { suggested_display_precision: DISPLAY_PRECISION[row.unit] }),
        ...deviceClass,
        entity_category: "diagnostic",
      },
    ];
  }
  const min = numbers[0] ?? 0;
  const max = numbers[numbers.length - 1] ?? 0;
  return [
    "number",
    {
      name: row.label,
      state_topic: stateTopic,
      command_topic: commandTopic,
      value_template: NULL_AWARE,
      min,
      max,
      step: ringStep(numbers),
      mode: "box",
      ...unit,
      ...deviceClass,
      ...category(ha),
    },
  ];
}

/** The largest step from the smallest value that reaches every value (20 for 20/180/300/600). */
export function ringStep(numbers: readonly number[]): number {
  const decimals = Math.max(0, ...numbers.map((n) => (String(n).split(".")[1] ?? "").length));
  const scale = 10 ** decimals;
  const scaled = numbers.map((n) => Math.round(n * scale));
  const base = scaled[0] ?? 0;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const step = scaled.slice(1).reduce((g, n) => gcd(g, Math.abs(n - base)), 0);
  return step === 0 ? 1 : step / scale;
}

export interface BridgeDiscoveryInput {
  readonly deviceId: string;
  readonly baseTopic: string;
  readonly bridgeState: string;
  readonly bridgeInfo: string;
  readonly origin: DiscoveryInput["origin"];
  readonly qos?: 0 | 1 | 2;
}

/**
 * The bridge as a device of its own, which each UPS device is reached through (`via_device`): Home
 * Assistant shows the UPSes under it, and its connection state says whether the bridge runs (the
 * broker's last will turns it off). Its availability is not tied to anything, so it stays readable.
 */
export function bridgeDiscovery(input: BridgeDiscoveryInput): {
  deviceId: string;
  payload: { [key: string]: Value };
} {
  const qos = input.qos ?? 1;
  const entityBase = sanitizeId(`upslink2mqtt_bridge_${input.baseTopic}`);
  const component = (id: string, platform: string, fields: { [key: string]: Value }): Value => ({
    platform,
    unique_id: `${input.deviceId}_${id}`,
    default_entity_id: `${platform}.${entityObjectId(entityBase, id)}`,
    ...fields,
    qos,
  });
  return {
    deviceId: input.deviceId,
    payload: {
      device: {
        identifiers: [input.deviceId],
        name: input.baseTopic === "upslink2mqtt" ? "upslink2mqtt" : `upslink2mqtt (${input.baseTopic})`,
        manufacturer: "upslink2mqtt",
        model: "UPS-Link to MQTT bridge",
        sw_version: input.origin.swVersion,
      },
      origin: {
        name: input.origin.name,
        sw_version: input.origin.swVersion,
        support_url: input.origin.supportUrl,
      },
      qos,
      components: {
        connection_state: component("connection_state", "binary_sensor", {
          name: "Connection state",
          state_topic: input.bridgeState,
          payload_on: "online",
          payload_off: "offline",
          device_class: "connectivity",
          entity_category: "diagnostic",
        }),
        version: component("version", "sensor", {
          name: "Version",
          state_topic: input.bridgeInfo,
          value_template: "{{ value_json.version }}",
          entity_category: "diagnostic",
        }),
      },
    },
  };
}

/**
 * The components of a device config read back from the broker, when it is this UPS's (its
 * availability names `availabilityTopic`): component id → platform. Null for another device's config
 * or a payload that is not a device config. A restart forgets what was offered before; the retained
 * config remembers, so what is no longer offered can still be cleared.
 */
export function retainedComponents(
  payload: string,
  availabilityTopic: string,
): Record<string, string> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { availability, components } = parsed as { availability?: unknown; components?: unknown };
  const ours =
    Array.isArray(availability) &&
    availability.some(
      (a) => typeof a === "object" && a !== null && (a as { topic?: unknown }).topic === availabilityTopic,
    );
  if (!ours || typeof components !== "object" || components === null) return null;
  const out: Record<string, string> = {};
  for (const [id, c] of Object.entries(components)) {
    const platform = typeof c === "object" && c !== null ? (c as { platform?: unknown }).platform : undefined;
    if (typeof platform === "string") out[id] = platform;
  }
  return out;
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

function category(ha: HaEntity): { entity_category?: string } {
  return ha.category === null ? {} : { entity_category: ha.category };
}

/** Registers, identity text and counts. */
function textSensor(name: string, topic: string, ha: HaEntity): { [key: string]: Value } {
  return {
    name,
    state_topic: topic,
    value_template: NULL_AWARE,
    ...category(ha),
    enabled_by_default: ha.enabledByDefault,
  };
}

/** A history key (ups/history.ts): counts and durations are numbers, times ISO timestamps, causes enums. */
function historySensor(row: HistoryRow, topic: string, ha: HaEntity): { [key: string]: Value } {
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

function numericSensor(
  name: string,
  topic: string,
  unit: Unit | null,
  ha: HaEntity,
  constant = false,
): { [key: string]: Value } {
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
