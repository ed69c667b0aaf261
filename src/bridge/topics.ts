// Every topic of one UPS, bound to its base topic and id, built from the MQTT topic map.
import type { DiscoveryTopics } from "../homeassistant/discovery.js";
import * as t from "../mqtt/topics.js";
import type { KeyId } from "../protocol/catalogue/index.js";

/** The Home Assistant `update` entity's state: installed/latest version and the release summary. */
export const FIRMWARE_UPDATE_KEY = "firmware_update";

/**
 * The rule of `RESERVED_KEYS`: a state key is a topic level beside `state`, `command`, `response`,
 * …, so none may take one of their names (a key `state` would overwrite the state JSON). A catalogue
 * id or bridge key that breaks it does not compile here.
 */
type ReservedKey = Extract<KeyId | typeof FIRMWARE_UPDATE_KEY, (typeof t.RESERVED_KEYS)[number]>;
export type KeysAreNotReserved<Clash extends never = ReservedKey> = Clash;

export interface BridgeTopics {
  readonly base: string;
  readonly ups: string;
  readonly availability: string;
  readonly key: (key: string) => string;
  readonly state: string;
  readonly info: string;
  readonly event: string;
  readonly command: (action: string) => string;
  readonly set: (setting: string) => string;
  readonly confirm: string;
  readonly cancel: string;
  readonly response: (id: string) => string;
  readonly pending: string;
  readonly firmwareUpdate: string;
  readonly discovery: (deviceId: string) => string;
  /** Subscriptions: `command/+` (confirm and cancel included) and `set/+`. */
  readonly commandFilter: string;
  readonly setFilter: string;
  readonly discoveryTopics: DiscoveryTopics;
}

export function bridgeTopics(base: string, ups: string, discoveryPrefix: string): BridgeTopics {
  const topics = {
    base,
    ups,
    availability: t.availability(base, ups),
    key: (key: string) => t.key(base, ups, key),
    state: t.state(base, ups),
    info: t.info(base, ups),
    event: t.event(base, ups),
    command: (action: string) => t.command(base, ups, action),
    set: (setting: string) => t.set(base, ups, setting),
    confirm: t.confirm(base, ups),
    cancel: t.cancel(base, ups),
    response: (id: string) => t.response(base, ups, id),
    pending: t.pending(base, ups),
    firmwareUpdate: t.key(base, ups, FIRMWARE_UPDATE_KEY),
    discovery: (deviceId: string) => t.discovery(discoveryPrefix, deviceId),
    commandFilter: t.command(base, ups, "+"),
    setFilter: t.set(base, ups, "+"),
  };
  return {
    ...topics,
    discoveryTopics: {
      bridgeState: t.bridgeState(base),
      state: topics.state,
      availability: topics.availability,
      key: topics.key,
      event: topics.event,
      command: topics.command,
      set: topics.set,
      confirm: topics.confirm,
      cancel: topics.cancel,
      pending: topics.pending,
      firmwareUpdate: topics.firmwareUpdate,
    },
  };
}
