// The "Events" section of docs/TOPICS.md: the UPS's alerts and the bridge's own events on
// `<ups>/event`, and when an alert is published and when not (returns, distrust, repeats, limits,
// the test verdict of a transfer), with the numbers taken from the modules that enforce them.
import { BRIDGE_EVENTS } from "../../events.js";
import { EVENTS } from "../../protocol/catalogue/index.js";
import { DISTRUST_QUIET_MS } from "../../ups/alert-trust.js";
import { EVENT_LIMIT, REPEAT_LIMIT, type RepeatRule, repeatRule } from "../../ups/event-limiter.js";
import { TEST_VERDICT_WAIT_MS } from "../../ups/model.js";
import { COMMAND_START_MS } from "../../ups/test-transfer.js";
import { code, table } from "../markdown.js";

export function eventsSection(): string[] {
  return [
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
  ];
}

/** Events the bridge itself emits on `<ups>/event`, next to the UPS's alerts (one list: src/events.ts). */
const BRIDGE_EVENT_ROWS: readonly (readonly [string, string])[] = BRIDGE_EVENTS.map((event) => [
  event.id,
  event.description,
]);

/** An event's alert byte as the reference shows it; `unknown_alert` has none of its own. */
function alertText(char: string | null): string {
  return char === null ? "any other byte `a` declares" : code(char);
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
