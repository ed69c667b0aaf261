// The "Topics" section of docs/TOPICS.md: one line per builder of the MQTT topic map (src/mqtt/
// topics.ts), with its direction, retention and payload, and the rules that hold for every topic
// (refresh, leftovers of an earlier run, unusable response topics). Kept next to the map's shape so
// a new topic builder without a line here is a type error.
import { MAX_RESPONSE_TOPIC_BYTES, topics } from "../../mqtt/topics.js";
import { MAX_PENDING_CONFIRMATIONS } from "../../ups/confirmation.js";
import { REFUSAL_CYCLES_OFFLINE } from "../../ups/refusals.js";
import { code, table } from "../markdown.js";

/** The placeholders the reference writes for the configured base topic and UPS id. */
export const BASE = "<base>";
export const UPS = "<ups>";

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

export function topicsSection(): string[] {
  return [
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
  ];
}
