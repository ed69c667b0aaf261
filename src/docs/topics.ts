// The topic and entity reference (docs/TOPICS.md), generated from the MQTT topic map, the catalogue,
// the key derivation and the Home Assistant discovery builder.
import { SAVE_DELAY_MS } from "../bridge/history-file.js";
import { BRIDGE_EVENT_TYPES, BRIDGE_EVENTS } from "../events.js";
import { buildDiscovery, type Component, type DiscoveryTopics } from "../homeassistant/discovery.js";
import { MAX_RESPONSE_TOPIC_BYTES, topics } from "../mqtt/topics.js";
import {
  CATALOGUE,
  EVENTS,
  FEEDBACKS,
  opcodeText,
  REGISTERS,
  SENSOR_VIEWS,
  type SettingId,
} from "../protocol/catalogue/index.js";
import { FIRMWARE_RELEASE_URL } from "../protocol/firmware.js";
import type { CatalogueRow, ModelFamily, ParamSpec, SettingRow } from "../protocol/types.js";
import { UNIT_TEXT } from "../protocol/units.js";
import { DISTRUST_QUIET_MS } from "../ups/alert-trust.js";
import { COMPOSITE_ACTIONS } from "../ups/commands.js";
import { MAX_PENDING_CONFIRMATIONS } from "../ups/confirmation.js";
import { EVENT_LIMIT, REPEAT_LIMIT, type RepeatRule, repeatRule } from "../ups/event-limiter.js";
import { CHECKPOINT_MS } from "../ups/history.js";
import { type KeySpec, supportedKeys } from "../ups/keys.js";
import { TEST_VERDICT_WAIT_MS } from "../ups/model.js";
import { DEAD_QUERY_NA_COUNT } from "../ups/poll-schedule.js";
import { REFUSAL_CYCLES_OFFLINE } from "../ups/refusals.js";
import { COMMAND_START_MS } from "../ups/test-transfer.js";
import { code, GENERATED_NOTE, table } from "./markdown.js";

const BASE = "<base>";
const UPS = "<ups>";

interface TopicDoc {
  readonly topic: string;
  readonly direction: "out" | "in";
  readonly retained: string;
  readonly payload: string;
}

/** One line per builder of the MQTT topic map; `satisfies` makes a new builder without docs a type error. */
const TOPIC_DOCS = {
  bridgeState: {
    topic: topics.bridgeState(BASE),
    direction: "out",
    retained: "yes, last will",
    payload: "`online` / `offline`",
  },
  bridgeInfo: {
    topic: topics.bridgeInfo(BASE),
    direction: "out",
    retained: "yes",
    payload: "`{version, upses: [...], config}` (no secrets)",
  },
  bridgeReadBack: {
    topic: topics.bridgeReadBack(BASE),
    direction: "out",
    retained: "no",
    payload:
      "a random token, ignore it: the bridge reads its retained topics back after connecting and stops when this comes back",
  },
  availability: {
    topic: topics.availability(BASE, UPS),
    direction: "out",
    retained: "yes",
    payload: `\`online\` while the UPS answers, \`offline\` when the link is lost or the UPS has refused every query (\`NA\`, \`SM\`) for ${REFUSAL_CYCLES_OFFLINE} poll cycles in a row (not while its output is off, when refusals are expected)`,
  },
  key: {
    topic: topics.key(BASE, UPS, "<key>"),
    direction: "out",
    retained: "yes",
    payload:
      "one decoded value per key (tables below): plain decimal numbers, `true`/`false`, text, or `null` when unknown",
  },
  state: {
    topic: topics.state(BASE, UPS),
    direction: "out",
    retained: "yes",
    payload: "JSON object of every key (numbers as JSON numbers, unknown as `null`)",
  },
  info: {
    topic: topics.info(BASE, UPS),
    direction: "out",
    retained: "yes",
    payload: "identity JSON: model, serial, firmware, manufacture date, capabilities, firmware advice",
  },
  event: {
    topic: topics.event(BASE, UPS),
    direction: "out",
    retained: "no",
    payload: '`{"event_type": "<event id>", "at": "<ISO-8601>", ...}` (events below)',
  },
  command: {
    topic: topics.command(BASE, UPS, "<action id>"),
    direction: "in",
    retained: "ignored if retained",
    payload: 'empty, `PRESS`, or `{"params": {...}, "transaction": any}`',
  },
  set: {
    topic: topics.set(BASE, UPS, "<setting id>"),
    direction: "in",
    retained: "ignored if retained",
    payload: 'the wanted value as text, or `{"value": ..., "transaction": any}`',
  },
  confirm: {
    topic: topics.confirm(BASE, UPS),
    direction: "in",
    retained: "ignored if retained",
    payload: '`{"token": "..."}` or `{"action": "<action id>"}`',
  },
  cancel: {
    topic: topics.cancel(BASE, UPS),
    direction: "in",
    retained: "ignored if retained",
    payload: '`{"token": "..."}`, `{"action": "..."}` or empty (all)',
  },
  response: {
    topic: topics.response(BASE, UPS, "<action or setting id>"),
    direction: "out",
    retained: "no",
    payload:
      '`{"status": "ok" | "pending" | "error" | "cancelled" | "expired", "action", "data", "error": {"code", "message"}, "transaction"}`',
  },
  pending: {
    topic: topics.pending(BASE, UPS),
    direction: "out",
    retained: "yes",
    payload: `JSON list of pending confirmations (\`[]\` when none), at most ${MAX_PENDING_CONFIRMATIONS} per UPS: more requests are refused with code \`too_many_pending\``,
  },
  discovery: {
    topic: topics.discovery("<discovery prefix>", "<device id>"),
    direction: "out",
    retained: "yes",
    payload: "Home Assistant device discovery (entities below)",
  },
  haStatus: {
    topic: topics.haStatus("<discovery prefix>"),
    direction: "in",
    retained: "",
    payload: "`online` makes the bridge publish discovery, availability and state again",
  },
} as const satisfies Record<keyof typeof topics, TopicDoc>;

/** Every row supported, every register read, every setting with the seed's values: the full surface. */
function allKeys(): KeySpec[] {
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
function fullDiscovery(keys: readonly KeySpec[]): Map<string, Component> {
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

function entityText(component: Component | undefined): string {
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

function paramText(params: readonly ParamSpec[]): string {
  if (params.length === 0) return "—";
  return params.map(paramDescription).join("; ");
}

function paramDescription(param: ParamSpec): string {
  switch (param.type) {
    case "integer":
      return `${code(param.name)}: integer ${param.min}..${param.max} (${param.description})`;
    case "text":
      return `${code(param.name)}: text, up to ${param.length} characters (${param.description})`;
    case "hex_byte":
      return `${code(param.name)}: two hex digits (${param.description})`;
  }
}

/** Events the bridge itself emits on `<ups>/event`, next to the UPS's alerts (one list: src/events.ts). */
const BRIDGE_EVENT_ROWS: readonly (readonly [string, string])[] = BRIDGE_EVENTS.map((event) => [
  event.id,
  event.description,
]);

/** Actions the bridge keeps to itself (it holds the UPS in smart mode): accepted, but no button. */
function buttonNote(id: string, components: ReadonlyMap<string, Component>, destructive: boolean): string {
  const button = components.get(id);
  if (button === undefined) return "no button (the bridge keeps the UPS in smart mode itself)";
  return destructive
    ? "`button` request + `button` confirm (only with commands.allow_destructive)"
    : "`button`";
}

export function topicReference(): string {
  const keys = allKeys();
  const components = fullDiscovery(keys);
  const keyHeader = [
    "key (topic `<base>/<ups>/<key>`)",
    "source",
    "value",
    "read",
    "Home Assistant entity",
    "notes",
  ];
  const byKind = (kind: KeySpec["kind"]) => keys.filter((spec) => spec.kind === kind);

  const actions = CATALOGUE.filter((row) => row.kind === "action");
  const actionRows = [
    ...actions.map((row) => [
      code(row.id),
      code(opcodeText(row)),
      row.label,
      paramText(row.params),
      row.destructive ? "**yes**" : "no",
      buttonNote(row.id, components, row.destructive),
    ]),
    ...COMPOSITE_ACTIONS.map((action) => [
      code(action.id),
      "(several)",
      `${action.label}: ${action.description}`,
      "—",
      action.destructive ? "**yes**" : "no",
      buttonNote(action.id, components, action.destructive),
    ]),
  ];

  const parts: string[] = [
    "# Topic and entity reference",
    "",
    GENERATED_NOTE,
    "",
    "`<base>` is `mqtt.base_topic` (default `upslink2mqtt`), `<ups>` the UPS's id (`ups.id`, default `ups`). Payloads are UTF-8. Ids come from the UPS-Link catalogue: action ids name command topics, setting ids name setting topics, query and feedback ids name state topics, event ids name events. A UPS publishes only the keys it supports (learnt from its `a` reply or by probing), and only those are discovered in Home Assistant.",
    "",
    "## Topics",
    "",
    table(
      ["topic", "direction", "retained", "payload"],
      Object.values(TOPIC_DOCS).map((doc: TopicDoc) => [
        code(doc.topic),
        doc.direction,
        doc.retained,
        doc.payload,
      ]),
    ),
    "",
    "A key is published when its value changes, and every key again every `mqtt.refresh_interval_s`. Alerts (power failure, low battery, …) update the keys they concern at once, not at the next poll. MQTT 5 requests that carry a response topic and correlation data are answered there as well.",
    "",
    "Leftovers of an earlier run (another unit on the same id, keys this UPS lacks): after every connect to the broker the bridge reads its retained topics under `<base>/<ups>/` back (until its marker on `<base>/bridge/readback` returns), and once the UPS's first full read is over it clears, with an empty retained message, the per-key topics of keys this UPS does not have, and publishes the current value (`null` when unknown) on those of keys it has that got no value yet. Never touched: `state`, `availability`, `info`, `pending`, `event`, anything under `command/`, `set/` or `response/`, other UPS ids, and any topic the bridge has already published in this run.",
    "",
    `A request whose MQTT 5 response topic is unusable is refused whole (nothing is done) with \`error\`, code \`invalid_response_topic\`, on \`<base>/<ups>/response/<id>\` only: a response topic that is empty, not valid UTF-8, has control characters or a wildcard (\`+\`, \`#\`), starts with \`$\`, is longer than ${MAX_RESPONSE_TOPIC_BYTES} bytes, or lies under \`<base>/\` or \`<discovery prefix>/\` (an answer there would overwrite state or discovery).`,
    "",
    "## State keys",
    "",
    "`read`: `fast` every `poll_interval_ms`; `minmax` once a minute (`M`/`N` reset when read); `slow` and `identity` at start, every `slow_poll_interval_s` and (settings) after a `|` alert.",
    "",
    `Dead queries: a \`fast\` or \`minmax\` query that answers \`NA\` ${DEAD_QUERY_NA_COUNT} times in a row, without ever giving a value on this connection, while the UPS answers other queries (a unit that lists it in \`a\` but never answers it) is read with the \`slow\` tier from then on, and the bridge says so once at \`info\`. As soon as it gives a value it is read in its own tier again; after a reconnect every query starts in its own tier. An \`NA\` from a query that has answered before (asleep, after \`S\`, calibrating), or while the UPS refuses every query or is asleep or off, does not count.`,
    "",
    "### Readings (feedbacks)",
    "",
    table(
      keyHeader,
      byKind("feedback").map((spec) => keyRow(spec, components)),
    ),
    "",
    "### Queries",
    "",
    "Queries whose value a feedback above already carries get no entity of their own.",
    "",
    table(
      keyHeader,
      byKind("query").map((spec) => keyRow(spec, components)),
    ),
    "",
    "### Status and fault bits",
    "",
    table(
      keyHeader,
      byKind("bit").map((spec) => keyRow(spec, components)),
    ),
    "",
    "### Derived",
    "",
    table(
      keyHeader,
      byKind("derived").map((spec) => keyRow(spec, components)),
    ),
    "",
    "### History",
    "",
    historyNote(),
    "",
    table(
      keyHeader,
      byKind("history").map((spec) => keyRow(spec, components)),
    ),
    "",
    "## Settings (`<base>/<ups>/set/<setting id>`)",
    "",
    "The current value is published on `<base>/<ups>/<setting id>` in one machine form: a quantity as a plain number in its unit without the ring's padding (`shutdown_delay` is `20`, seconds, where the UPS answers `020`; `low_battery_warning` `2`, minutes), any other value as the trimmed ring text (`ON`, `H`, `NO`). `set/<setting id>` takes that form (a number with or without the padding). Home Assistant shows the words in parentheses for a select, translating both ways in the select's templates, and quantities as `number` entities with their unit (a ring of one value, which cannot change, as a sensor). The NUT server shows them in apcsmart's forms (`020`).",
    "",
    "The current value is published on `<base>/<ups>/<setting id>`. The values a real UPS accepts come from its Ctrl-Z reply for its utility-voltage version; the list here is every value the protocol defines. A setting is changed by stepping the UPS's edit ring and reading back, only when the value differs (the EEPROM wears); a UPS whose DIP switches lock edits answers `error` with code `edit_locked`.",
    "",
    table(
      keyHeader,
      byKind("setting").map((spec) => keyRow(spec, components)),
    ),
    "",
    "Measure-UPS alarm limits (`upper_temp_alarm_limit`, `lower_temp_alarm_limit`, `upper_rh_alarm_limit`, `lower_rh_alarm_limit`) are published as the unit writes them: one value (`32.13`) or, as real units answer, one value per side separated by a comma (`55,50`), `NO` for a side with no limit (`NO,NO`). Set one in the same form (`60,50`): the bridge steps the unit's ring with `-` and reads back until every side is the wanted one, and stops with the original value back when the ring comes round. `alarm_status` (`J`) answered per side (`0F,00`) is published combined (`0F`): each bit is set when any side has that alarm, so the alarm states stay one per alarm.",
    "",
    "## Actions (`<base>/<ups>/command/<action id>`)",
    "",
    "Destructive actions are discovered and accepted only with `commands.allow_destructive`, and always need the two-step confirmation (README, “Confirming destructive commands”).",
    "",
    table(["action id", "opcode", "what it does", "params", "destructive", "Home Assistant"], actionRows),
    "",
    "## Events (`<base>/<ups>/event`, Home Assistant `event` entity)",
    "",
    table(
      ["event_type", "alert byte", "meaning"],
      [
        ...EVENTS.map((event) => [code(event.id), alertText(event.char), event.description]),
        ...BRIDGE_EVENT_ROWS.map(([id, meaning]) => [code(id), "—", meaning]),
      ],
    ),
    "",
    "An alert's event carries `alert`, the byte it came as (escaped when not printable: `\\x04`). Every byte a UPS lists in the alert field of its `a` reply is an alert of that UPS: one the catalogue does not know (an RT 1000 XL declares 0x04) is taken out of the reply it arrives in, wherever it arrives, and published as `unknown_alert`; it is never part of a value.",
    "",
    alertPublication(),
    "",
    "## Home Assistant device",
    "",
    "One device per UPS at `<discovery prefix>/device/upslink2mqtt_<serial>/config` (the configured id when the serial is unknown), manufacturer APC, with model, serial number and firmware. Availability is `<base>/bridge/state` and `<base>/<ups>/availability`, both required. Every entity's `unique_id` starts with the device id, so two identical models never merge. Other entities:",
    "",
    table(
      ["component", "entity", "what"],
      ["event", ...SENSOR_VIEWS.map((view) => view.id), "cancel_pending", "pending_confirmations", "firmware"]
        .filter((id) => components.has(id))
        .map((id) => [
          code(id),
          entityText(components.get(id)),
          id === "firmware"
            ? "firmware advisory, only for units whose firmware string names their UPS ID (`UPS 09.3 / ID=18`, behind an AP9620 card) and whose ID is in APC's table; state on `<base>/<ups>/firmware_update`"
            : id === "event"
              ? "every event above"
              : SENSOR_VIEWS.some((view) => view.id === id)
                ? `${code(SENSOR_VIEWS.find((view) => view.id === id)?.key ?? "")} as a read-only sensor, next to the entity that sets it`
                : id === "cancel_pending"
                  ? "cancels every pending confirmation (with destructive actions allowed)"
                  : "number of pending confirmations, the list as attributes",
        ]),
    ),
    "",
  ];
  return parts.join("\n");
}

/** An event's alert byte as the reference shows it; `unknown_alert` has none of its own. */
function alertText(char: string | null): string {
  return char === null ? "any other byte `a` declares" : code(char);
}

/** How the history keys are counted and kept (ups/history.ts, bridge/history-file.ts). */
function historyNote(): string {
  return `Counted by the bridge, not read from the UPS, and kept across restarts in \`<data_dir>/history-<ups>.json\` (\`data_dir\`, \`UPSLINK_DATA_DIR\`; \`/data\` in the add-on): written after a change (at most every ${SAVE_DELAY_MS / 1000} s, and every ${CHECKPOINT_MS / 1000} s of a long stay on battery) and at stop, atomically (a temporary file renamed over the old one). A missing or damaged file starts a new history with a warning (the damaged file is kept as \`.corrupt\`); a directory that cannot be written is warned about and the bridge runs on. A transfer is the on-battery bit of \`Q\` turning on, by a poll or by a \`!\` alert: once per transition, however often the unit repeats \`!\`. As apcupsd counts (its NUMXFERS, TONBATT, CUMONBATT), a self-test or a simulated power failure is a transfer and its time on battery counts; \`last_self_test_time\` tells them apart. A stay on battery ends at the first reading that shows the UPS off battery; when readings stopped meanwhile (the link was lost, the UPS fell silent, the bridge was stopped), at the last reading that still showed it on battery, so time nobody saw is not counted; if the UPS is still on battery when readings resume, the stay goes on from its start. Meanwhile \`time_on_battery\` keeps its last known value.`;
}

/** When an alert is published and when not (issue 17), from the event rows and the model's limits. */
function alertPublication(): string {
  const returns = EVENTS.flatMap((event) =>
    event.returnFrom === null ? [] : [`${code(event.id)} needs ${code(event.returnFrom.bit)}`],
  );
  return `Each alert is published at once, except: a return only when the state it returns from is current (${returns.join(", ")}); an alert amid line noise, or of a kind the status register (\`Q\`) has contradicted (until ${DISTRUST_QUIET_MS / 60_000} minutes pass without one), is published only when a fresh \`Q\` read agrees; ${repeats()}, and no kind more than ${EVENT_LIMIT} times a minute. A repeat, or an alert over a limit, still updates the state (the keys it implies, and the re-reads of what it concerns) but is no new event. A transfer event (\`line_fail\`, \`return_from_line_fail\`) carries \`test\`: \`true\` only when fresh data says the transfer is a test — a transfer cause (\`G\`) read after the alert answering \`S\`, or a test of the bridge's own (battery test, simulated power failure, calibration) running now (from its command until the unit is back on line, or ${COMMAND_START_MS / 1000} s if it never went on battery). To decide, the event waits for the \`G\` re-read the alert triggers, at most ${TEST_VERDICT_WAIT_MS / 1000} s; a unit without \`G\` gets it at once. \`shutdown_recommended\` is held false on battery only by such fresh data, never by the cause of an earlier transfer.`;
}

/** What a repeat is per alert kind (issue 12), from the event rows' \`pair\` and \`patch\`. */
function repeats(): string {
  const chars = (rule: RepeatRule): string =>
    EVENTS.filter((event) => repeatRule(event) === rule)
      .map((event) =>
        event.char === null ? `${code(event.id)} (any other byte \`a\` declares)` : code(event.char),
      )
      .join(", ");
  return `one event per transition (a unit repeats \`!\` every 30 s of an outage and \`#\` every 5 hours): an alert of a paired kind (${chars("pair")}) that is the last published of its pair is a repeat, until its opposite is published or, for one that changes bits of \`Q\`, a \`Q\` read shows them gone (its opposite was lost); ${chars("condition")} is published once per condition, again only after a \`Q\` read shows its bit cleared; every ${chars("change")} is a change and an event, at most ${REPEAT_LIMIT} of a kind a minute`;
}
