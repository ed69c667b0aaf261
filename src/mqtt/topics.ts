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
  /** Not retained: the marker of a read-back of retained topics comes back here (retained-read.ts). */
  bridgeReadBack: (base: string) => `${base}/${BRIDGE_LEVEL}/readback`,
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
  bridgeReadBack,
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

/** Longest MQTT 5 response topic the bridge answers on, in UTF-8 bytes (real ones are far shorter). */
export const MAX_RESPONSE_TOPIC_BYTES = 256;

/**
 * Why a requester's MQTT 5 response topic must not be published to, or null when it may. The topic
 * comes from whoever sent the request: a wildcard in it makes the broker drop the bridge's
 * connection for a protocol error (and MQTT.js resends the same publication after every reconnect),
 * a topic inside `reserved` (the bridge's own base topic, the discovery prefix) would overwrite
 * retained state or discovery, or land on a request topic, and `$` topics belong to the broker.
 */
export function responseTopicProblem(topic: string, reserved: readonly string[]): string | null {
  if (topic === "") return "it is empty";
  // A lone surrogate cannot be encoded; U+FFFD is what a decoder leaves of bytes that were not UTF-8.
  if (/[\p{Cs}\uFFFD]/u.test(topic)) return "it is not valid UTF-8";
  if (topic.includes("\u0000")) return "it contains a NUL character";
  if (/[\u0001-\u001F\u007F-\u009F]/.test(topic)) return "it contains control characters";
  if (topic.includes("+") || topic.includes("#"))
    return "it contains the wildcard + or #, which only subscriptions may use";
  if (topic.startsWith("$")) return "topics starting with $ belong to the broker";
  const bytes = Buffer.byteLength(topic, "utf8");
  if (bytes > MAX_RESPONSE_TOPIC_BYTES)
    return `it is ${bytes} bytes long, more than the ${MAX_RESPONSE_TOPIC_BYTES} allowed`;
  for (const prefix of reserved) {
    if (topic === prefix || topic.startsWith(`${prefix}/`))
      return `it lies under ${prefix}/, the bridge's own topics, where an answer would overwrite state or discovery`;
  }
  return null;
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
