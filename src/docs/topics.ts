// The topic and entity reference (docs/TOPICS.md), generated from the MQTT topic map, the catalogue,
// the key derivation and the Home Assistant discovery builder. This module orders the sections;
// each lives in src/docs/topics/ (map, keys and settings, actions, events, device), all read from
// one full surface (topics/surface.ts) so nothing is listed twice.
import { GENERATED_NOTE } from "./markdown.js";
import { actionsSection } from "./topics/actions.js";
import { deviceSection } from "./topics/device.js";
import { eventsSection } from "./topics/events.js";
import { settingsSection, stateKeysSection } from "./topics/keys.js";
import { topicsSection } from "./topics/map.js";
import { allKeys, fullDiscovery } from "./topics/surface.js";

export function topicReference(): string {
  const keys = allKeys();
  const components = fullDiscovery(keys);
  const parts: string[] = [
    "# Topic and entity reference",
    "",
    GENERATED_NOTE,
    "",
    "`<base>` is `mqtt.base_topic` (default `upslink2mqtt`), `<ups>` the UPS's id (`ups.id`, default `ups`). Payloads are UTF-8. Ids come from the UPS-Link catalogue: action ids name command topics, setting ids name setting topics, query and feedback ids name state topics, event ids name events. A UPS publishes only the keys it supports (learnt from its `a` reply or by probing), and only those are discovered in Home Assistant.",
    "",
    ...topicsSection(),
    ...stateKeysSection(keys, components),
    ...settingsSection(keys, components),
    ...actionsSection(components),
    ...eventsSection(),
    ...deviceSection(components),
  ];
  return parts.join("\n");
}
