// The buttons of a UPS device: one per action the unit supports (and per composite action of the
// bridge), and for a destructive action two, the request and its confirmation (CONTRACT.md
// two-step), shown only with `commands.allow_destructive`. With any destructive button come a
// button that cancels every pending confirmation and a sensor that lists them.
import type { DiscoveryInput, DiscoveryTopics } from "./discovery.js";
import { category, type Entity } from "./sensors.js";

export function actionButtons(
  actions: readonly (DiscoveryInput["actions"][number] | DiscoveryInput["compositeActions"][number])[],
  allowDestructive: boolean,
  topics: DiscoveryTopics,
): Entity[] {
  const out: Entity[] = [];
  const destructiveShown: string[] = [];
  for (const action of actions) {
    const ha = action.ha;
    if (ha === null) continue;
    // The most dangerous buttons are discovered disabled: the user enables them in Home Assistant.
    const button = {
      ...category(ha),
      ...(ha.deviceClass === null ? {} : { device_class: ha.deviceClass }),
      ...(ha.enabledByDefault ? {} : { enabled_by_default: false }),
    };
    if (action.destructive) {
      if (!allowDestructive) continue;
      // Two buttons: the request, and the confirmation by action id (CONTRACT.md two-step).
      destructiveShown.push(action.id);
      out.push([
        action.id,
        ha.platform,
        {
          name: `${action.label} (request)`,
          command_topic: topics.command(action.id),
          payload_press: "PRESS",
          ...button,
        },
      ]);
      out.push([
        `${action.id}_confirm`,
        ha.platform,
        {
          name: `${action.label} (confirm)`,
          command_topic: topics.confirm,
          payload_press: JSON.stringify({ action: action.id }),
          ...button,
        },
      ]);
    } else {
      out.push([
        action.id,
        ha.platform,
        {
          name: action.label,
          command_topic: topics.command(action.id),
          payload_press: "PRESS",
          ...button,
        },
      ]);
    }
  }
  if (destructiveShown.length > 0) out.push(...pendingEntities(topics));
  return out;
}

/** Cancelling and watching pending confirmations, for a device that shows destructive buttons. */
function pendingEntities(topics: DiscoveryTopics): Entity[] {
  return [
    [
      "cancel_pending",
      "button",
      {
        name: "Cancel pending confirmations",
        command_topic: topics.cancel,
        payload_press: "",
        entity_category: "config",
      },
    ],
    [
      "pending_confirmations",
      "sensor",
      {
        name: "Pending confirmations",
        state_topic: topics.pending,
        value_template: "{{ value_json | length }}",
        json_attributes_topic: topics.pending,
        json_attributes_template: "{{ {'pending': value_json} | tojson }}",
        entity_category: "diagnostic",
      },
    ],
  ];
}
