// The "State keys" and "Settings" sections of docs/TOPICS.md: one table row per key (readings,
// queries, status and fault bits, derived states, history counts, settings) with its source, its
// published value, its poll tier, its Home Assistant entity and which units lack it.
import { SAVE_DELAY_MS } from "../../bridge/history-file.js";
import type { Component } from "../../homeassistant/discovery.js";
import { CATALOGUE, opcodeText } from "../../protocol/catalogue/index.js";
import type { CatalogueRow, ModelFamily, SettingRow } from "../../protocol/types.js";
import { UNIT_TEXT } from "../../protocol/units.js";
import { CHECKPOINT_MS } from "../../ups/history.js";
import type { KeySpec } from "../../ups/keys.js";
import { DEAD_QUERY_NA_COUNT } from "../../ups/poll-schedule.js";
import { code, table } from "../markdown.js";
import { paramText } from "./actions.js";
import { entityText } from "./surface.js";

/** The table of every key of one kind: the same columns for readings, queries, bits and settings. */
function keyTable(
  keys: readonly KeySpec[],
  kind: KeySpec["kind"],
  components: ReadonlyMap<string, Component>,
): string {
  return table(
    ["key (topic `<base>/<ups>/<key>`)", "source", "value", "read", "Home Assistant entity", "notes"],
    keys.filter((spec) => spec.kind === kind).map((spec) => keyRow(spec, components)),
  );
}

/** Every key by kind, in one table per kind, with the polling rules above them. */
export function stateKeysSection(
  keys: readonly KeySpec[],
  components: ReadonlyMap<string, Component>,
): string[] {
  return [
    "## State keys",
    "",
    "`read`: `fast` every `poll_interval_ms`; `minmax` once a minute (`M`/`N` reset when read); `slow` and `identity` at start, every `slow_poll_interval_s` and (settings) after a `|` alert.",
    "",
    `Dead queries: a \`fast\` or \`minmax\` query that answers \`NA\` ${DEAD_QUERY_NA_COUNT} times in a row, without ever giving a value on this connection, while the UPS answers other queries (a unit that lists it in \`a\` but never answers it) is read with the \`slow\` tier from then on, and the bridge says so once at \`info\`. As soon as it gives a value it is read in its own tier again; after a reconnect every query starts in its own tier. An \`NA\` from a query that has answered before (asleep, after \`S\`, calibrating), or while the UPS refuses every query or is asleep or off, does not count.`,
    "",
    "### Readings (feedbacks)",
    "",
    keyTable(keys, "feedback", components),
    "",
    "### Queries",
    "",
    "Queries whose value a feedback above already carries get no entity of their own.",
    "",
    keyTable(keys, "query", components),
    "",
    "### Status and fault bits",
    "",
    keyTable(keys, "bit", components),
    "",
    "### Derived",
    "",
    keyTable(keys, "derived", components),
    "",
    "### History",
    "",
    historyNote(),
    "",
    keyTable(keys, "history", components),
    "",
  ];
}

/** Every setting, with how its value is published, set and checked. */
export function settingsSection(
  keys: readonly KeySpec[],
  components: ReadonlyMap<string, Component>,
): string[] {
  return [
    "## Settings (`<base>/<ups>/set/<setting id>`)",
    "",
    "The current value is published on `<base>/<ups>/<setting id>` in one machine form: a quantity as a plain number in its unit without the ring's padding (`shutdown_delay` is `20`, seconds, where the UPS answers `020`; `low_battery_warning` `2`, minutes), any other value as the trimmed ring text (`ON`, `H`, `NO`). `set/<setting id>` takes that form (a number with or without the padding). Home Assistant shows the words in parentheses for a select, translating both ways in the select's templates, and quantities as `number` entities with their unit (a ring of one value, which cannot change, as a sensor). The NUT server shows them in apcsmart's forms (`020`).",
    "",
    "The current value is published on `<base>/<ups>/<setting id>`. The values a real UPS accepts come from its Ctrl-Z reply for its utility-voltage version; the list here is every value the protocol defines. A setting is changed by stepping the UPS's edit ring and reading back, only when the value differs (the EEPROM wears); a UPS whose DIP switches lock edits answers `error` with code `edit_locked`.",
    "",
    keyTable(keys, "setting", components),
    "",
    "Measure-UPS alarm limits (`upper_temp_alarm_limit`, `lower_temp_alarm_limit`, `upper_rh_alarm_limit`, `lower_rh_alarm_limit`) are published as the unit writes them: one value, a number like every quantity (`32.13`), or, as real units answer, one value per side separated by a comma (`55,50`, text), `NO` for a side with no limit (`NO,NO`). Set one in the same form (`60,50`): the bridge steps the unit's ring with `-` and reads back until every side is the wanted one, and stops with the original value back when the ring comes round. Home Assistant shows them as selects (a number entity cannot hold a pair); for a unit answering per side, the select and NUT's `LIST ENUM` offer only the value it holds, since the catalogue's single values are not among its choices and its own are not known. `alarm_status` (`J`) answered per side (`0F,00`) is published combined (`0F`): each bit is set when any side has that alarm, so the alarm states stay one per alarm.",
    "",
  ];
}

const NON_MATRIX: readonly ModelFamily[] = [
  "smart_ups_old",
  "smart_ups_3g",
  "smart_ups_250_400_370ci",
  "smart_ups_vs",
  "back_ups_pro",
];

function availabilityNote(row: CatalogueRow): string {
  const notes: string[] = [];
  if (row.needsMeasureUps) notes.push("with a Measure-UPS");
  if (NON_MATRIX.every((family) => row.lackedBy.includes(family))) notes.push("Matrix-UPS only");
  else if (row.lackedBy.length > 0) notes.push(`not on ${row.lackedBy.join(", ")}`);
  return notes.join("; ");
}

function keyRow(spec: KeySpec, components: ReadonlyMap<string, Component>): string[] {
  const entity = entityText(components.get(spec.key));
  switch (spec.kind) {
    case "query": {
      const unit = spec.row.unit === null ? "" : ` (${UNIT_TEXT[spec.row.unit] ?? spec.row.unit})`;
      const value =
        spec.row.register !== null ? `register ${code(spec.row.register)} as two hex digits` : `value${unit}`;
      return [
        code(spec.key),
        `${code(opcodeText(spec.row))} ${spec.row.label}`,
        value,
        spec.row.tier,
        entity,
        availabilityNote(spec.row),
      ];
    }
    case "feedback": {
      const fb = spec.feedback;
      const value =
        fb.values !== null
          ? `one of ${fb.values.map(code).join(", ")}`
          : fb.unit !== null
            ? `number (${UNIT_TEXT[fb.unit] ?? fb.unit})`
            : "two hex digits";
      const source = CATALOGUE.find((row) => row.id === fb.sourceQuery);
      return [code(spec.key), `from ${code(fb.sourceQuery)}`, value, source?.tier ?? "", entity, fb.notes];
    }
    case "bit":
      return [
        code(spec.key),
        `bit ${spec.bit.bit} of ${code(spec.register.name)} (${code(spec.register.query)})`,
        `${code("true")} / ${code("false")}: ${spec.bit.label}`,
        CATALOGUE.find((row) => row.id === spec.register.query)?.tier ?? "",
        entity,
        "",
      ];
    case "setting":
      return [
        code(spec.key),
        `${code(opcodeText(spec.row))} ${spec.row.label}`,
        spec.allowed !== null && spec.allowed.length > 0
          ? settingValuesText(spec.row, spec.allowed)
          : paramText(spec.row.params),
        spec.row.tier,
        entity,
        availabilityNote(spec.row),
      ];
    case "derived":
      return [code(spec.key), "derived by the bridge", spec.derived.description, "every poll", entity, ""];
    case "history": {
      const h = spec.history;
      const value =
        h.type === "enum"
          ? `one of ${(h.values ?? []).map(code).join(", ")}`
          : h.type === "timestamp"
            ? "ISO 8601 date and time, UTC (`2026-01-31T08:15:00.000Z`)"
            : h.type === "duration"
              ? "whole seconds"
              : "whole number";
      return [
        code(spec.key),
        `counted by the bridge from ${code(h.sourceQuery)}`,
        `${value}: ${h.description}`,
        "every poll",
        entity,
        `apcupsd ${code(h.apcupsd)}`,
      ];
    }
  }
}

/**
 * A ring's values as the per-key topic publishes them (`020` is 20, `ON ` is `ON`), with the words
 * Home Assistant shows for a select (`336` = Every 14 days).
 */
function settingValuesText(row: SettingRow, allowed: readonly string[]): string {
  const published: string[] = [];
  for (const raw of allowed) {
    const decoded = row.decode?.(raw);
    const text = decoded?.ok === true && decoded.value !== null ? String(decoded.value) : raw.trim();
    if (!published.includes(text)) published.push(text);
  }
  const shown = published.map((v) => {
    const word = row.words?.[v];
    return word === undefined ? code(v) : `${code(v)} (${word})`;
  });
  // A select (it has words) is a choice, not a quantity, even when its ring has minutes (`w`).
  const unit =
    row.unit === null || row.words !== null ? "" : `, a number in ${UNIT_TEXT[row.unit] ?? row.unit}`;
  return `one of ${shown.join(", ")}${unit}`;
}

/** How the history keys are counted and kept (ups/history.ts, bridge/history-file.ts). */
function historyNote(): string {
  return `Counted by the bridge, not read from the UPS, and kept across restarts in \`<data_dir>/history-<ups>.json\` (\`data_dir\`, \`UPSLINK_DATA_DIR\`; \`/data\` in the add-on): written after a change (at most every ${SAVE_DELAY_MS / 1000} s, and every ${CHECKPOINT_MS / 1000} s of a long stay on battery) and at stop, atomically (a temporary file renamed over the old one). A missing or damaged file starts a new history with a warning (the damaged file is kept as \`.corrupt\`); a directory that cannot be written is warned about and the bridge runs on. A transfer is the on-battery bit of \`Q\` turning on, by a poll or by a \`!\` alert: once per transition, however often the unit repeats \`!\`. As apcupsd counts (its NUMXFERS, TONBATT, CUMONBATT), a self-test or a simulated power failure is a transfer and its time on battery counts; \`last_self_test_time\` tells them apart. A stay on battery ends at the first reading that shows the UPS off battery; when readings stopped meanwhile (the link was lost, the UPS fell silent, the bridge was stopped), at the last reading that still showed it on battery, so time nobody saw is not counted; if the UPS is still on battery when readings resume, the stay goes on from its start. Meanwhile \`time_on_battery\` keeps its last known value.`;
}
