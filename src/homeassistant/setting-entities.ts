// How a setting is offered for editing: a `text` entity for a free-text setting (the battery date,
// the UPS id), a `select` in words for a ring of choices, a `number` with its unit for a ring of
// quantities (or a read-only sensor when the ring has one value). The ring's values come from the
// unit's Ctrl-Z reply or the seed, and always include the value the UPS holds now.
import type { HaEntity } from "../protocol/catalogue/index.js";
import { textEntryPattern } from "../protocol/codec.js";
import type { SettingRow, Value } from "../protocol/types.js";
import type { KeySpec } from "../ups/keys.js";
import { offeredOptions } from "../ups/settings.js";
import { category, type Fields, NULL_AWARE } from "./sensors.js";
import { DISPLAY_PRECISION, HA_UNITS } from "./units.js";

/**
 * The entity of a setting key as `[platform, fields]`, or null when there is nothing to offer (a
 * ring without values, or a platform the row does not fit).
 */
export function settingEntity(
  spec: Extract<KeySpec, { kind: "setting" }>,
  ha: HaEntity,
  stateTopic: string,
  commandTopic: string,
  current: Value | undefined,
): [string, Fields] | null {
  const text = spec.row.params.find((p) => p.type === "text");
  if (ha.platform === "text" && text !== undefined && text.type === "text") {
    return [
      ha.platform,
      {
        name: spec.row.label,
        state_topic: stateTopic,
        command_topic: commandTopic,
        value_template: "{{ '' if value == 'null' else value }}",
        min: 0,
        // A date is typed as ISO (10 characters) and written as the unit's 8.
        max: text.format === "date" ? 10 : text.length,
        // The codec's refusals as well as the row's pattern: HA rejects alert characters as typed.
        pattern: textEntryPattern(text),
        ...category(ha),
      },
    ];
  }
  if (spec.row.entry === "ring") {
    // The unit's ring (Ctrl-Z) or the seed's for its locale, and the value it holds now.
    const values = ringValues(spec.row, spec.allowed, current);
    if (values.length === 0) return null;
    if (ha.platform === "number") return numberEntity(spec.row, values, stateTopic, commandTopic, ha);
    if (ha.platform === "select") {
      return [ha.platform, selectEntity(spec.row, values, stateTopic, commandTopic, ha)];
    }
  }
  return null;
}

/**
 * Whether the entity of `spec` built with `before` as the value the UPS holds can differ from one
 * built with `after`: only a ring's choices take the held value in (`ringValues`). Lets the bridge
 * skip rebuilding a whole device config for a setting whose new value its choices already list.
 */
export function settingChoicesDiffer(
  spec: Extract<KeySpec, { kind: "setting" }>,
  before: Value | undefined,
  after: Value | undefined,
): boolean {
  if (spec.row.entry !== "ring") return false;
  const a = ringValues(spec.row, spec.allowed, before);
  const b = ringValues(spec.row, spec.allowed, after);
  return a.length !== b.length || a.some((value, i) => value !== b[i]);
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
): Fields {
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
): [string, Fields] {
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
