// A validator of Home Assistant MQTT device discovery payloads, written from Home Assistant core's
// own schemas (homeassistant/components/mqtt/: schemas.py MQTT_ENTITY_COMMON_SCHEMA and
// DEVICE_DISCOVERY_SCHEMA, config.py MQTT_RO_SCHEMA/MQTT_RW_SCHEMA, sensor.py (with
// validate_sensor_state_and_device_class_config), binary_sensor.py, select.py, number.py (with its
// validate_config: max > min, step ≥ 0.001), text.py, button.py, event.py, update.py (release_url as
// a string, and as a field of the JSON state)) and from the number device classes and their units
// (homeassistant/components/number/const.py NumberDeviceClass, DEVICE_CLASS_UNITS, NumberMode), and from the sensor/binary_sensor/button/event/update device classes and the
// units each sensor device class accepts (homeassistant/components/sensor/const.py
// DEVICE_CLASS_UNITS and DEVICE_CLASS_STATE_CLASSES). Home Assistant drops keys it does not know
// (extra=REMOVE_EXTRA) without a word, so an unknown key here is an error: it is a typo or a
// feature that silently does nothing.
//
// On top of the schemas, the project's own rules from issue 14 (`projectRules`): `qos` in every
// component (releases before mid-2026 do not pass the root `qos` down), sentence-case names that do
// not repeat the device (HA warns "entity name starts with the device name"), lowercase entity ids
// without a doubled id. A rule Home Assistant itself enforces is marked `ha`; a project rule `project`.

export type Issue = { readonly component: string; readonly rule: string; readonly message: string };

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
type Obj = { readonly [key: string]: Json };

// MQTT_ENTITY_COMMON_SCHEMA + the availability schemas + MQTT_BASE_SCHEMA (qos, encoding) + platform.
const COMMON = [
  "platform",
  "availability",
  "availability_mode",
  "availability_template",
  "availability_topic",
  "payload_available",
  "payload_not_available",
  "device",
  "entity_picture",
  "origin",
  "enabled_by_default",
  "entity_category",
  "icon",
  "json_attributes_topic",
  "json_attributes_template",
  "default_entity_id",
  "message_expiry_interval",
  "unique_id",
  "qos",
  "encoding",
  "name",
] as const;
const READ_ONLY = ["state_topic", "value_template"] as const; // MQTT_RO_SCHEMA
const READ_WRITE = [...READ_ONLY, "command_topic", "retain", "optimistic"] as const; // MQTT_RW_SCHEMA

interface PlatformSchema {
  readonly keys: readonly string[];
  readonly required: readonly string[];
  readonly deviceClasses: readonly string[] | null;
}

// SensorDeviceClass (homeassistant/components/sensor/const.py).
const SENSOR_DEVICE_CLASSES = [
  "date",
  "enum",
  "timestamp",
  "absolute_humidity",
  "apparent_power",
  "aqi",
  "area",
  "atmospheric_pressure",
  "battery",
  "blood_glucose_concentration",
  "carbon_dioxide",
  "carbon_monoxide",
  "conductivity",
  "current",
  "data_rate",
  "data_size",
  "distance",
  "duration",
  "energy",
  "energy_distance",
  "energy_storage",
  "frequency",
  "gas",
  "humidity",
  "illuminance",
  "irradiance",
  "moisture",
  "monetary",
  "nitrogen_dioxide",
  "nitrogen_monoxide",
  "nitrous_oxide",
  "ozone",
  "ph",
  "pm1",
  "pm10",
  "pm25",
  "power_factor",
  "power",
  "precipitation",
  "precipitation_intensity",
  "pressure",
  "reactive_energy",
  "reactive_power",
  "signal_strength",
  "sound_pressure",
  "speed",
  "sulphur_dioxide",
  "temperature",
  "volatile_organic_compounds",
  "volatile_organic_compounds_parts",
  "voltage",
  "volume",
  "volume_storage",
  "volume_flow_rate",
  "water",
  "weight",
  "wind_direction",
  "wind_speed",
];
// BinarySensorDeviceClass.
const BINARY_SENSOR_DEVICE_CLASSES = [
  "battery",
  "battery_charging",
  "carbon_monoxide",
  "cold",
  "connectivity",
  "door",
  "garage_door",
  "gas",
  "heat",
  "light",
  "lock",
  "moisture",
  "motion",
  "moving",
  "occupancy",
  "opening",
  "plug",
  "power",
  "presence",
  "problem",
  "running",
  "safety",
  "smoke",
  "sound",
  "tamper",
  "update",
  "vibration",
  "window",
];

// NumberDeviceClass (homeassistant/components/number/const.py): aligned with the sensor classes, less
// the ones without a number (date, enum, timestamp, …).
const NUMBER_DEVICE_CLASSES = SENSOR_DEVICE_CLASSES.filter(
  (c) => !["date", "enum", "timestamp", "energy_distance", "wind_direction", "absolute_humidity"].includes(c),
);

export const PLATFORMS: Readonly<Record<string, PlatformSchema>> = {
  sensor: {
    keys: [
      ...COMMON,
      ...READ_ONLY,
      "device_class",
      "expire_after",
      "force_update",
      "last_reset_value_template",
      "options",
      "suggested_display_precision",
      "state_class",
      "unit_of_measurement",
    ],
    required: ["state_topic"],
    deviceClasses: SENSOR_DEVICE_CLASSES,
  },
  binary_sensor: {
    keys: [
      ...COMMON,
      ...READ_ONLY,
      "device_class",
      "expire_after",
      "force_update",
      "off_delay",
      "payload_on",
      "payload_off",
    ],
    required: ["state_topic"],
    deviceClasses: BINARY_SENSOR_DEVICE_CLASSES,
  },
  select: {
    keys: [...COMMON, ...READ_WRITE, "command_template", "options"],
    required: ["command_topic", "options"],
    deviceClasses: null,
  },
  number: {
    keys: [
      ...COMMON,
      ...READ_WRITE,
      "command_template",
      "device_class",
      "max",
      "min",
      "mode",
      "payload_reset",
      "step",
      "unit_of_measurement",
    ],
    required: ["command_topic"],
    deviceClasses: NUMBER_DEVICE_CLASSES,
  },
  text: {
    keys: [...COMMON, ...READ_WRITE, "command_template", "max", "min", "mode", "pattern"],
    required: ["command_topic"],
    deviceClasses: null,
  },
  button: {
    keys: [...COMMON, "command_topic", "command_template", "device_class", "payload_press", "retain"],
    required: ["command_topic"],
    deviceClasses: ["identify", "restart", "update"],
  },
  event: {
    keys: [...COMMON, ...READ_ONLY, "device_class", "event_types"],
    required: ["state_topic", "event_types"],
    deviceClasses: ["doorbell", "button", "motion"],
  },
  update: {
    keys: [
      ...COMMON,
      ...READ_WRITE,
      "device_class",
      "display_precision",
      "latest_version_template",
      "latest_version_topic",
      "payload_install",
      "release_summary",
      "release_url",
      "title",
    ],
    required: [],
    deviceClasses: ["firmware"],
  },
};

// DEVICE_CLASS_UNITS for the classes a UPS can use (units Home Assistant accepts for each).
export const SENSOR_UNITS: Readonly<Record<string, readonly (string | null)[]>> = {
  apparent_power: ["VA", "mVA", "kVA"],
  battery: ["%"],
  current: ["A", "mA"],
  date: [null],
  duration: ["d", "h", "min", "s", "ms", "µs"],
  enum: [null],
  frequency: ["Hz", "kHz", "MHz", "GHz"],
  humidity: ["%"],
  power: ["mW", "W", "kW", "MW", "GW", "TW", "BTU/h"],
  power_factor: ["%", null],
  temperature: ["°C", "°F", "K"],
  timestamp: [null],
  voltage: ["V", "mV", "µV", "kV", "MV"],
};

// DEVICE_CLASS_STATE_CLASSES for the same classes.
const SENSOR_STATE_CLASSES: Readonly<Record<string, readonly string[]>> = {
  apparent_power: ["measurement"],
  battery: ["measurement"],
  current: ["measurement"],
  date: [],
  duration: ["measurement", "total", "total_increasing"],
  enum: [],
  frequency: ["measurement"],
  humidity: ["measurement"],
  power: ["measurement"],
  power_factor: ["measurement"],
  temperature: ["measurement"],
  timestamp: [],
  voltage: ["measurement"],
};
const STATE_CLASSES = ["measurement", "measurement_angle", "total", "total_increasing"];
// NON_NUMERIC_DEVICE_CLASSES (sensor/const.py): their states are never numbers.
const NON_NUMERIC_CLASSES = ["date", "enum", "timestamp"];
const ENTITY_CATEGORIES = ["config", "diagnostic"];

/** The component against its platform's schema (what Home Assistant itself enforces). */
export function validateComponent(id: string, c: Obj): Issue[] {
  const issues: Issue[] = [];
  const bad = (rule: string, message: string) => issues.push({ component: id, rule, message });
  const platform = c.platform;
  const schema = typeof platform === "string" ? PLATFORMS[platform] : undefined;
  if (schema === undefined) {
    bad("ha:platform", `unknown platform ${String(platform)}`);
    return issues;
  }
  for (const key of Object.keys(c)) {
    if (!schema.keys.includes(key)) bad("ha:unknown_key", `${platform} has no option '${key}'`);
  }
  for (const key of schema.required) {
    if (!(key in c)) bad("ha:required", `${platform} requires '${key}'`);
  }
  const deviceClass = c.device_class;
  if (deviceClass !== undefined && deviceClass !== null) {
    if (schema.deviceClasses === null || !schema.deviceClasses.includes(String(deviceClass)))
      bad("ha:device_class", `${platform} has no device class '${String(deviceClass)}'`);
  }
  const category = c.entity_category;
  if (category !== undefined && !ENTITY_CATEGORIES.includes(String(category)))
    bad("ha:entity_category", `no entity category '${String(category)}'`);
  // Sensors and binary sensors cannot be `config` (Home Assistant refuses to add them).
  if (category === "config" && (platform === "sensor" || platform === "binary_sensor"))
    bad("ha:entity_category", `a ${platform} cannot have entity category config`);
  if (c.enabled_by_default !== undefined && typeof c.enabled_by_default !== "boolean")
    bad("ha:type", "enabled_by_default is a boolean");
  if (c.qos !== undefined && c.qos !== 0 && c.qos !== 1 && c.qos !== 2) bad("ha:qos", "qos is 0, 1 or 2");
  availabilityRules(c, bad);

  if (platform === "sensor") sensorRules(c, bad);
  if (platform === "select") {
    const options = c.options;
    if (!Array.isArray(options) || options.length === 0) bad("ha:options", "select needs options");
    else {
      for (const o of options) {
        if (typeof o !== "string") bad("ha:options", "select options are strings");
        // Home Assistant renders the payload through a template, which strips it: an option with
        // leading or trailing white space can never be the current option.
        else if (o !== o.trim()) bad("ha:options", `option '${o}' has white space HA strips from payloads`);
      }
      if (new Set(options).size !== options.length) bad("ha:options", "duplicate options");
    }
  }
  if (platform === "number") numberRules(c, bad);
  if (platform === "text") {
    const min = typeof c.min === "number" ? c.min : 0;
    const max = typeof c.max === "number" ? c.max : 255;
    if (min < 0 || max > 255 || min > max) bad("ha:text_length", "text min/max must be 0 ≤ min ≤ max ≤ 255");
    if (c.mode !== undefined && c.mode !== "text" && c.mode !== "password")
      bad("ha:mode", "mode is text or password");
  }
  if (platform === "event") {
    const types = c.event_types;
    if (!Array.isArray(types) || types.length === 0)
      bad("ha:event_types", "event_types must be a non-empty list");
  }
  return issues;
}

// MQTT_AVAILABILITY_LIST_SCHEMA: a list of {topic, payload_available, payload_not_available,
// value_template}, `topic` required; availability_mode all, any or latest; a list excludes
// `availability_topic`.
const AVAILABILITY_ENTRY_KEYS = ["topic", "payload_available", "payload_not_available", "value_template"];
function availabilityRules(c: Obj, bad: (rule: string, message: string) => void): void {
  const list = c.availability;
  if (list !== undefined) {
    if (!Array.isArray(list)) bad("ha:availability", "availability is a list");
    else {
      for (const entry of list) {
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
          bad("ha:availability", "an availability entry is an object");
          continue;
        }
        const e = entry as Obj;
        if (typeof e.topic !== "string" || e.topic === "") bad("ha:availability", "an entry needs a topic");
        for (const key of Object.keys(e))
          if (!AVAILABILITY_ENTRY_KEYS.includes(key)) bad("ha:availability", `no entry option '${key}'`);
      }
    }
    if (c.availability_topic !== undefined)
      bad("ha:availability", "availability and availability_topic exclude each other");
  }
  const mode = c.availability_mode;
  if (mode !== undefined && mode !== "all" && mode !== "any" && mode !== "latest")
    bad("ha:availability", "availability_mode is all, any or latest");
}

// number.py: min and max default to number/const.py's DEFAULT_MIN_VALUE 0.0 and DEFAULT_MAX_VALUE
// 100.0; validate_config refuses max ≤ min; step is at least 0.001; mode is auto, box or slider;
// DEVICE_CLASS_UNITS as for sensors. A state outside min…max is refused ("Invalid value").
function numberRules(c: Obj, bad: (rule: string, message: string) => void): void {
  const min = c.min === undefined ? 0 : c.min;
  const max = c.max === undefined ? 100 : c.max;
  if (typeof min !== "number" || typeof max !== "number") bad("ha:type", "number min and max are numbers");
  else if (max <= min) bad("ha:number_range", `'max' must be > 'min' (${min} … ${max})`);
  if (c.step !== undefined && (typeof c.step !== "number" || c.step < 0.001))
    bad("ha:number_step", "step is a number of at least 0.001");
  if (c.mode !== undefined && !["auto", "box", "slider"].includes(String(c.mode)))
    bad("ha:mode", "mode is auto, box or slider");
  const deviceClass = typeof c.device_class === "string" ? c.device_class : null;
  const unit = typeof c.unit_of_measurement === "string" ? c.unit_of_measurement : null;
  if (
    deviceClass !== null &&
    deviceClass in SENSOR_UNITS &&
    !(SENSOR_UNITS[deviceClass] ?? []).includes(unit)
  )
    bad("ha:unit", `unit '${String(unit)}' is not valid for device class ${deviceClass}`);
}

function sensorRules(c: Obj, bad: (rule: string, message: string) => void): void {
  const deviceClass = typeof c.device_class === "string" ? c.device_class : null;
  const unit = typeof c.unit_of_measurement === "string" ? c.unit_of_measurement : null;
  const stateClass = c.state_class;
  if (stateClass !== undefined && stateClass !== null && !STATE_CLASSES.includes(String(stateClass)))
    bad("ha:state_class", `no state class '${String(stateClass)}'`);
  // validate_sensor_state_and_device_class_config: options only for enum sensors, never with a
  // state class or a unit.
  if (c.options !== undefined) {
    if (!Array.isArray(c.options) || c.options.length === 0) bad("ha:options", "an empty options list");
    if (deviceClass !== null && deviceClass !== "enum")
      bad("ha:options", "options are for enum sensors only");
    if (stateClass !== undefined || unit !== null) bad("ha:options", "options with a state class or unit");
  }
  if (deviceClass === "enum" && c.options === undefined) bad("ha:options", "an enum sensor needs options");
  if (deviceClass !== null && deviceClass in SENSOR_UNITS) {
    const units = SENSOR_UNITS[deviceClass] ?? [];
    if (!units.includes(unit))
      bad("ha:unit", `unit '${String(unit)}' is not valid for device class ${deviceClass}`);
    if (stateClass !== undefined && !(SENSOR_STATE_CLASSES[deviceClass] ?? []).includes(String(stateClass)))
      bad("ha:state_class", `state class ${String(stateClass)} is not valid for device class ${deviceClass}`);
  }
  // A state class, a unit or a precision makes Home Assistant expect a number (sensor/__init__.py
  // `_numeric_state_expected`; every other state is then an error). On a sensor without a unit or a
  // numeric device class that is most often a text sensor given one by mistake; a count (a number
  // without a unit, apcupsd's transfer count) says it twice: a state class and a display precision.
  const count =
    stateClass !== undefined &&
    c.suggested_display_precision !== undefined &&
    (deviceClass === null || !NON_NUMERIC_CLASSES.includes(deviceClass));
  if (
    stateClass !== undefined &&
    unit === null &&
    !count &&
    (deviceClass === null || !(deviceClass in SENSOR_UNITS))
  )
    bad("ha:state_class", "a state class on a non-numeric sensor (no unit, no numeric device class)");
  if (c.suggested_display_precision !== undefined) {
    const p = c.suggested_display_precision;
    if (typeof p !== "number" || !Number.isInteger(p) || p < 0)
      bad("ha:precision", "suggested_display_precision is a non-negative integer");
    if (unit === null && !count) bad("ha:precision", "suggested_display_precision on a non-numeric sensor");
  }
}

/** Sentence case: the first letter upper case, later words lower case unless an acronym or brand. */
const KEEP_CASE = /^([A-Z0-9][A-Z0-9-]*|SmartBoost|SmartTrim|Measure-UPS|UPS-Link|Smart-UPS|Matrix-UPS)\W*$/;
export function isSentenceCase(name: string): boolean {
  const words = name.split(/\s+/);
  const first = words[0] ?? "";
  if (!/^[A-Z0-9]/.test(first)) return false;
  return words.slice(1).every((w) => !/^[A-Z]/.test(w) || KEEP_CASE.test(w.replace(/^\(/, "")));
}

/** The project's rules from issue 14 over one component of a device named `deviceName`. */
export function projectRules(id: string, c: Obj, deviceName: string): Issue[] {
  const issues: Issue[] = [];
  const bad = (rule: string, message: string) => issues.push({ component: id, rule, message });
  if (c.qos === undefined) bad("project:qos", "no qos in the component");
  const name = c.name;
  if (typeof name === "string") {
    if (!isSentenceCase(name)) bad("project:name_case", `'${name}' is not sentence case`);
    if (/^UPS\b/i.test(name)) bad("project:name_prefix", `'${name}' starts with UPS inside a UPS device`);
    if (name.toLowerCase().startsWith(deviceName.toLowerCase()))
      bad("project:name_prefix", `'${name}' starts with the device name`);
  }
  const entityId = c.default_entity_id;
  if (typeof entityId === "string") {
    if (!/^[a-z_]+\.[a-z0-9_]+$/.test(entityId))
      bad("project:entity_id", `'${entityId}' is not a lowercase entity id`);
    const object = entityId.split(".")[1] ?? "";
    const parts = object.split("_");
    if (parts.length > 1 && parts[0] === parts[1])
      bad("project:entity_id", `'${entityId}' doubles '${parts[0]}'`);
  }
  return issues;
}

/** Every issue of a device discovery payload: device level, then each component. */
export function validateDevice(payload: Obj): Issue[] {
  const issues: Issue[] = [];
  const DEVICE_KEYS = [
    "device",
    "origin",
    "components",
    "availability",
    "availability_mode",
    "availability_template",
    "availability_topic",
    "payload_available",
    "payload_not_available",
    "state_topic",
    "command_topic",
    "qos",
    "encoding",
  ];
  for (const key of Object.keys(payload))
    if (!DEVICE_KEYS.includes(key))
      issues.push({ component: "(device)", rule: "ha:unknown_key", message: key });
  const device = payload.device as Obj | undefined;
  const DEVICE_INFO = [
    "identifiers",
    "connections",
    "manufacturer",
    "model",
    "model_id",
    "name",
    "hw_version",
    "serial_number",
    "sw_version",
    "via_device",
    "suggested_area",
    "configuration_url",
  ];
  if (device === undefined) issues.push({ component: "(device)", rule: "ha:required", message: "device" });
  else
    for (const key of Object.keys(device))
      if (!DEVICE_INFO.includes(key))
        issues.push({ component: "(device)", rule: "ha:unknown_key", message: key });
  const origin = payload.origin as Obj | undefined;
  if (origin === undefined || typeof origin.name !== "string")
    issues.push({ component: "(device)", rule: "ha:required", message: "origin.name" });
  const deviceName = typeof device?.name === "string" ? device.name : "";
  const components = (payload.components ?? {}) as { readonly [id: string]: Obj };
  for (const [id, c] of Object.entries(components)) {
    issues.push(...validateComponent(id, c), ...projectRules(id, c, deviceName));
  }
  return issues;
}

const NULL_AWARE = "{{ None if value == 'null' else value }}";
const BOOLEAN = "{{ 'ON' if value == 'true' else ('OFF' if value == 'false' else None) }}";

/**
 * What Home Assistant makes of a payload through one of the bridge's value templates: Jinja's
 * output, stripped (HA strips every rendered template), `None` as HA's "no value". Only the
 * templates the bridge generates are understood; any other throws, so a new template form cannot
 * pass a test unread.
 */
export function renderValueTemplate(template: string, payload: string): string | null {
  const none = (text: string) => (text === "None" ? null : text.trim());
  if (template === NULL_AWARE) return payload === "null" ? null : none(payload);
  if (template === BOOLEAN) return payload === "true" ? "ON" : payload === "false" ? "OFF" : null;
  // `{% set m = {...} %}{{ None if value == 'null' else m.get(value | trim, value) }}`: a JSON object
  // literal (Jinja reads it as a dict) from the machine form to the words.
  const mapped =
    /^\{% set m = (\{.*\}) %\}\{\{ None if value == 'null' else m\.get\(value \| trim, value\) \}\}$/.exec(
      template,
    );
  if (mapped?.[1] !== undefined) {
    if (payload === "null") return null;
    const map = JSON.parse(mapped[1]) as Record<string, string>;
    return none(map[payload.trim()] ?? payload);
  }
  // The load in watts: `{{ None if value == 'null' else ((value | float) * W / 100) | round(0) }}`.
  const watts =
    /^\{\{ None if value == 'null' else \(\(value \| float\) \* (\d+) \/ 100\) \| round\(0\) \}\}$/.exec(
      template,
    );
  if (watts?.[1] !== undefined) {
    if (payload === "null") return null;
    // Jinja's `float` filter gives 0.0 for text that is no number; round(0) keeps a float (`490.0`).
    const n = Number(payload.trim());
    return Math.round(((Number.isFinite(n) ? n : 0) * Number(watts[1])) / 100).toFixed(1);
  }
  throw new Error(`renderValueTemplate does not know the template ${template}`);
}

/** What Home Assistant publishes on a select's command topic for an option (no template: the option). */
export function renderCommandTemplate(template: unknown, option: string): string {
  if (template === undefined) return option;
  const mapped = /^\{% set m = (\{.*\}) %\}\{\{ m\.get\(value, value\) \}\}$/.exec(String(template));
  if (mapped?.[1] !== undefined) return (JSON.parse(mapped[1]) as Record<string, string>)[option] ?? option;
  throw new Error(`renderCommandTemplate does not know the template ${String(template)}`);
}
