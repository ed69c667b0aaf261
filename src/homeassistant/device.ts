// The `device` and `origin` blocks of a discovery config: the UPS as an APC device (model, serial,
// firmware, reached through the bridge), and the bridge as a device of its own with its connection
// state and version. Who the device is, apart from what its entities are.
import type { Value } from "../protocol/types.js";
import type { DiscoveryIdentity, DiscoveryInput } from "./discovery.js";
import { deviceName, entityObjectId, sanitizeId } from "./names.js";

/** The `origin` block: the software that published the config (Home Assistant shows it). */
export function originBlock(origin: DiscoveryInput["origin"]): { [key: string]: Value } {
  return {
    name: origin.name,
    sw_version: origin.swVersion,
    support_url: origin.supportUrl,
  };
}

/** The UPS device: what it reported of itself, and the bridge device it is reached through. */
export function upsDevice(
  deviceId: string,
  identity: DiscoveryIdentity,
  bridgeDeviceId: string | undefined,
): Record<string, Value> {
  const device: Record<string, Value> = {
    identifiers: [deviceId],
    name: deviceName(identity),
    manufacturer: "APC",
  };
  if (identity.model !== null) device.model = identity.model;
  if (identity.serial !== null) device.serial_number = identity.serial;
  if (identity.firmware !== null) device.sw_version = identity.firmware;
  if (bridgeDeviceId !== undefined) device.via_device = bridgeDeviceId;
  return device;
}

export interface BridgeDiscoveryInput {
  readonly deviceId: string;
  readonly baseTopic: string;
  readonly bridgeState: string;
  readonly bridgeInfo: string;
  readonly origin: DiscoveryInput["origin"];
  readonly qos?: 0 | 1 | 2;
}

/**
 * The bridge as a device of its own, which each UPS device is reached through (`via_device`): Home
 * Assistant shows the UPSes under it, and its connection state says whether the bridge runs (the
 * broker's last will turns it off). Its availability is not tied to anything, so it stays readable.
 */
export function bridgeDiscovery(input: BridgeDiscoveryInput): {
  deviceId: string;
  payload: { [key: string]: Value };
} {
  const qos = input.qos ?? 1;
  const entityBase = sanitizeId(`upslink2mqtt_bridge_${input.baseTopic}`);
  const component = (id: string, platform: string, fields: { [key: string]: Value }): Value => ({
    platform,
    unique_id: `${input.deviceId}_${id}`,
    default_entity_id: `${platform}.${entityObjectId(entityBase, id)}`,
    ...fields,
    qos,
  });
  return {
    deviceId: input.deviceId,
    payload: {
      device: {
        identifiers: [input.deviceId],
        name: input.baseTopic === "upslink2mqtt" ? "upslink2mqtt" : `upslink2mqtt (${input.baseTopic})`,
        manufacturer: "upslink2mqtt",
        model: "UPS-Link to MQTT bridge",
        sw_version: input.origin.swVersion,
      },
      origin: originBlock(input.origin),
      qos,
      components: {
        connection_state: component("connection_state", "binary_sensor", {
          name: "Connection state",
          state_topic: input.bridgeState,
          payload_on: "online",
          payload_off: "offline",
          device_class: "connectivity",
          entity_category: "diagnostic",
        }),
        version: component("version", "sensor", {
          name: "Version",
          state_topic: input.bridgeInfo,
          value_template: "{{ value_json.version }}",
          entity_category: "diagnostic",
        }),
      },
    },
  };
}
