// The "Home Assistant device" section of docs/TOPICS.md: the device a UPS becomes, its availability
// and ids, and the entities it has beyond the per-key ones (the event, sensor views, pending
// confirmations, the firmware update), read from the discovery of the full surface.
import type { Component } from "../../homeassistant/discovery.js";
import { SENSOR_VIEWS } from "../../protocol/catalogue/index.js";
import { code, table } from "../markdown.js";
import { entityText } from "./surface.js";

export function deviceSection(components: ReadonlyMap<string, Component>): string[] {
  return [
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
}
