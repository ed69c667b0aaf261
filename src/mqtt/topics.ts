// The whole MQTT surface of the contract as one typed map: a builder per topic, the subscription
// filters, and the parser from an incoming topic back to what it asks for. Nothing here knows what a
// UPS is; ids are opaque topic levels.

/** Levels under `<base>/<ups>/` that are not keys: no decoded value may use these names. */
export const RESERVED_KEYS = [
  "availability",
  "state",
  "info",
  "event",
  "command",
  "set",
  "response",
  "pending",
] as const;

/** `command/confirm` and `command/cancel` are not actions. */
export const RESERVED_COMMANDS = ["confirm", "cancel"] as const;

export const BRIDGE_LEVEL = "bridge";

export const topics = {
  bridgeState: (base: string) => `${base}/${BRIDGE_LEVEL}/state`,
  bridgeInfo: (base: string) => `${base}/${BRIDGE_LEVEL}/info`,
  availability: (base: string, ups: string) => `${base}/${ups}/availability`,
  key: (base: string, ups: string, key: string) => `${base}/${ups}/${key}`,
  state: (base: string, ups: string) => `${base}/${ups}/state`,
  info: (base: string, ups: string) => `${base}/${ups}/info`,
  event: (base: string, ups: string) => `${base}/${ups}/event`,
  command: (base: string, ups: string, action: string) => `${base}/${ups}/command/${action}`,
  set: (base: string, ups: string, setting: string) => `${base}/${ups}/set/${setting}`,
  confirm: (base: string, ups: string) => `${base}/${ups}/command/confirm`,
  cancel: (base: string, ups: string) => `${base}/${ups}/command/cancel`,
  response: (base: string, ups: string, id: string) => `${base}/${ups}/response/${id}`,
  pending: (base: string, ups: string) => `${base}/${ups}/pending`,
  discovery: (prefix: string, deviceId: string) => `${prefix}/device/${deviceId}/config`,
  haStatus: (prefix: string) => `${prefix}/status`,
} as const;

export const {
  bridgeState,
  bridgeInfo,
  availability,
  key,
  state,
  info,
  event,
  command,
  set,
  confirm,
  cancel,
  response,
  pending,
  discovery,
  haStatus,
} = topics;

/** The filters the bridge subscribes to for requests: commands (with confirm, cancel) and settings. */
export function requestFilters(base: string): readonly string[] {
  return [`${base}/+/command/+`, `${base}/+/set/+`];
}

export type RequestTopic =
  | { readonly kind: "command" | "set"; readonly ups: string; readonly id: string }
  | { readonly kind: "confirm" | "cancel"; readonly ups: string };

/**
 * `<base>/<ups>/command/<action>` → `{kind: "command", ups, id}`, `…/command/confirm` →
 * `{kind: "confirm", ups}`, `…/set/<setting>` → `{kind: "set", ups, id}`; anything else → null.
 * The base topic may have several levels (`home/ups`).
 */
export function parseRequestTopic(base: string, topic: string): RequestTopic | null {
  const prefix = `${base}/`;
  if (!topic.startsWith(prefix)) return null;
  const levels = topic.slice(prefix.length).split("/");
  if (levels.length !== 3) return null;
  const [ups, kind, id] = levels as [string, string, string];
  if (ups === "" || id === "" || ups === BRIDGE_LEVEL) return null;
  if (kind === "set") return { kind: "set", ups, id };
  if (kind !== "command") return null;
  if (id === "confirm" || id === "cancel") return { kind: id, ups };
  return { kind: "command", ups, id };
}

/** MQTT topic matching: `+` one level, `#` the rest (including the parent level itself). */
export function topicMatches(filter: string, topic: string): boolean {
  const filterLevels = filter.split("/");
  const topicLevels = topic.split("/");
  // A filter starting with a wildcard does not match topics starting with `$` (MQTT 4.7.2).
  if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
  for (let index = 0; index < filterLevels.length; index++) {
    const level = filterLevels[index];
    if (level === "#") return true;
    const topicLevel = topicLevels[index];
    if (topicLevel === undefined) return false;
    if (level !== "+" && level !== topicLevel) return false;
  }
  return filterLevels.length === topicLevels.length;
}
