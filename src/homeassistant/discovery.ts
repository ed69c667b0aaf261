// Home Assistant device discovery (CONTRACT.md "Home Assistant discovery"), derived from the keys the
// UPS supports and the catalogue rows behind them: each row, feedback, bit and derived state says
// how it appears (`ha`: platform, device class, category, enabled by default). One retained config
// per UPS at `<prefix>/device/<device id>/config`. Nothing here publishes: the bridge does.
//
// This module is the entry point: its input and output types, and the assembly of one config. The
// shapes live beside it: key-entities.ts (one entity per state key) with sensors.ts and
// setting-entities.ts, device-entities.ts (watts, fault, event, link, firmware), buttons.ts
// (actions and confirmations), device.ts (the UPS and bridge devices), units.ts, retained.ts.
import { BRIDGE_EVENT_TYPES } from "../events.js";
import { CATALOGUE, EVENTS, type HaEntity } from "../protocol/catalogue/index.js";
import { type FirmwareAdvice, findFirmwareAdvice } from "../protocol/firmware.js";
import type { ActionRow, Value } from "../protocol/types.js";
import type { Capabilities } from "../ups/capabilities.js";
import { COMPOSITE_ACTIONS } from "../ups/commands.js";
import type { KeySpec } from "../ups/keys.js";
import { nominalRealPower } from "../ups/power.js";
import { actionButtons } from "./buttons.js";
import { originBlock, upsDevice } from "./device.js";
import {
  alertEvent,
  faultSensor,
  firmwareUpdate,
  linkSensor,
  realPowerSensor,
  sensorViews,
} from "./device-entities.js";
import { keyEntity } from "./key-entities.js";
import { deviceIdFor, entityName, entityObjectId, sanitizeId } from "./names.js";
import type { Entity } from "./sensors.js";

export interface DiscoveryTopics {
  readonly bridgeState: string;
  readonly availability: string;
  /** The JSON object of every key (`<base>/<ups>/state`). */
  readonly state: string;
  readonly key: (key: string) => string;
  readonly event: string;
  readonly command: (action: string) => string;
  readonly set: (setting: string) => string;
  readonly confirm: string;
  readonly cancel: string;
  readonly pending: string;
  readonly firmwareUpdate: string;
}

export interface DiscoveryIdentity {
  readonly upsId: string;
  /** The configured display name; null: the model and the UPS id (`Smart-UPS 1500 (ups)`). */
  readonly name: string | null;
  readonly serial: string | null;
  readonly model: string | null;
  readonly firmware: string | null;
}

export interface DiscoveryInput {
  readonly identity: DiscoveryIdentity;
  readonly keys: readonly KeySpec[];
  /** Supported action rows, in catalogue order. */
  readonly actions: readonly ActionRow[];
  /** Extra actions the bridge offers beyond the catalogue (e.g. `shutdown_return`). */
  readonly compositeActions: readonly {
    readonly id: string;
    readonly label: string;
    readonly destructive: boolean;
    readonly ha: HaEntity | null;
  }[];
  readonly events: readonly string[];
  readonly allowDestructive: boolean;
  readonly topics: DiscoveryTopics;
  readonly origin: { readonly name: string; readonly swVersion: string; readonly supportUrl: string };
  readonly firmware: Pick<FirmwareAdvice, "installed" | "latest" | "summary" | "releaseUrl"> | null;
  /** The QoS of the bridge's publications and subscriptions (`mqtt.qos`). */
  readonly qos?: 0 | 1 | 2;
  /** The values published now, by key: a setting's current value is always among its choices. */
  readonly current?: Readonly<Record<string, Value>>;
  /** The UPS's nominal real power in watts (configured or known from the model); null: unknown. */
  readonly nominalPowerW?: number | null;
  /** The bridge device this UPS is reached through (`via_device`); see `bridgeDiscovery`. */
  readonly bridgeDeviceId?: string;
}

export type Component = { readonly platform: string; readonly unique_id: string } & {
  readonly [key: string]: Value;
};

export interface DeviceDiscovery {
  readonly deviceId: string;
  readonly payload: { readonly [key: string]: Value };
  /** Component ids, to clear entities that disappear. */
  readonly componentIds: readonly string[];
}

export interface UpsDiscoveryOptions {
  readonly upsId: string;
  /** The configured display name (`ups[].name`); null: the model and the UPS id. */
  readonly name: string | null;
  readonly caps: Capabilities;
  readonly keys: readonly KeySpec[];
  readonly allowDestructive: boolean;
  readonly topics: DiscoveryTopics;
  readonly origin: DiscoveryInput["origin"];
  readonly qos?: 0 | 1 | 2;
  readonly current?: Readonly<Record<string, Value>>;
  /** `ups[].nominal_power_w`; null: the model's rating when the table knows it. */
  readonly nominalPowerW?: number | null;
  readonly bridgeDeviceId?: string;
}

/** The device discovery of one UPS from what it reported: its identity, capabilities and keys. */
export function discoverUps(options: UpsDiscoveryOptions): DeviceDiscovery {
  const { caps } = options;
  const advice = findFirmwareAdvice(caps.identity.upsFirmwareId, caps.identity.firmware);
  return buildDiscovery({
    identity: {
      upsId: options.upsId,
      name: options.name,
      serial: caps.identity.serial,
      model: caps.identity.model,
      firmware: caps.identity.firmware,
    },
    keys: options.keys,
    actions: CATALOGUE.filter(
      (row): row is Extract<(typeof CATALOGUE)[number], ActionRow> =>
        row.kind === "action" && caps.supported.has(row.id),
    ),
    compositeActions: COMPOSITE_ACTIONS,
    // The alerts this UPS sends, and every event of the bridge's own (one list: src/events.ts).
    events: [...EVENTS.filter((e) => caps.alerts.has(e.id)).map((e) => e.id), ...BRIDGE_EVENT_TYPES],
    allowDestructive: options.allowDestructive,
    topics: options.topics,
    origin: options.origin,
    qos: options.qos ?? 1,
    current: options.current ?? {},
    nominalPowerW: options.nominalPowerW ?? nominalRealPower(caps.identity.model),
    ...(options.bridgeDeviceId === undefined ? {} : { bridgeDeviceId: options.bridgeDeviceId }),
    firmware:
      advice === null
        ? null
        : {
            installed: advice.installed,
            latest: advice.latest,
            summary: advice.summary,
            releaseUrl: advice.releaseUrl,
          },
  });
}

/**
 * The device config of one UPS: its entities in a fixed order (one per state key, the device-wide
 * sensors, the alert event, the link, the buttons, the firmware update), then the device block.
 */
export function buildDiscovery(input: DiscoveryInput): DeviceDiscovery {
  const deviceId = deviceIdFor(input.identity);
  const uid = (suffix: string) => `${deviceId}_${suffix}`;
  const entityBase = sanitizeId(input.identity.upsId);
  const components: Record<string, Component> = {};
  const qos = input.qos ?? 1;
  // `qos` in every component: Home Assistant releases before mid-2026 do not pass the root one down.
  const add = ([id, platform, fields]: Entity) => {
    components[id] = {
      platform,
      unique_id: uid(id),
      default_entity_id: `${platform}.${entityObjectId(entityBase, id)}`,
      ...fields,
      ...(typeof fields.name === "string" ? { name: entityName(fields.name) } : {}),
      qos,
    } as Component;
  };
  const { topics } = input;
  for (const spec of input.keys) {
    const entity = keyEntity(spec, {
      stateTopic: topics.key(spec.key),
      setTopic: topics.set(spec.key),
      current: input.current?.[spec.key],
    });
    if (entity !== null) add([spec.key, ...entity]);
  }
  for (const entity of [
    ...realPowerSensor(input.keys, topics, input.nominalPowerW),
    ...sensorViews(input.keys, topics),
    ...faultSensor(input.keys, topics),
    alertEvent(topics, input.events),
    linkSensor(topics),
    ...actionButtons([...input.actions, ...input.compositeActions], input.allowDestructive, topics),
    ...firmwareUpdate(topics, input.firmware),
  ]) {
    add(entity);
  }

  const payload: Record<string, Value> = {
    device: upsDevice(deviceId, input.identity, input.bridgeDeviceId),
    origin: originBlock(input.origin),
    availability: [{ topic: topics.bridgeState }, { topic: topics.availability }],
    availability_mode: "all",
    qos,
    components,
  };
  return { deviceId, payload, componentIds: Object.keys(components) };
}
