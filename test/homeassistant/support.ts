// The bridge's own path from a simulated unit to its device discovery, for the discovery tests:
// capabilities come from the real link discovering the simulator (no hand-written capability sets).
import { bridgeTopics } from "../../src/bridge/topics.js";
import { type DeviceDiscovery, discoverUps } from "../../src/homeassistant/discovery.js";
import { bridgeDeviceId } from "../../src/homeassistant/names.js";
import { LinkSession } from "../../src/link/session.js";
import { SimTransport } from "../../src/link/sim.js";
import { silentLogger } from "../../src/log.js";
import type { SettingId } from "../../src/protocol/catalogue/index.js";
import { CATALOGUE, FEEDBACKS, REGISTERS } from "../../src/protocol/catalogue/index.js";
import type { Value } from "../../src/protocol/types.js";
import { PROFILE_NAMES, type ProfileName, SmartUpsSimulator } from "../../src/simulator/index.js";
import type { Capabilities } from "../../src/ups/capabilities.js";
import { CatalogueLink } from "../../src/ups/catalogue-link.js";
import { supportedKeys } from "../../src/ups/keys.js";

/** Every simulator profile: a new one is checked against Home Assistant's schemas without a list to edit. */
export const PROFILES: readonly ProfileName[] = PROFILE_NAMES;

/** The unit's capabilities, and the decoded value of each of its settings as the bridge publishes it. */
export async function discover(
  profile: ProfileName,
  readSettings: readonly SettingId[] = [],
): Promise<{ caps: Capabilities; settings: Partial<Record<SettingId, Value>> }> {
  const simulator = new SmartUpsSimulator({ profile });
  const link = new CatalogueLink(
    new LinkSession({ transport: new SimTransport({ simulator }), logger: silentLogger() }),
  );
  try {
    await link.start();
    const caps = await link.discover();
    const settings: Partial<Record<SettingId, Value>> = {};
    for (const id of readSettings) {
      if (caps.supported.has(id)) settings[id] = await link.read(id);
    }
    return { caps, settings };
  } finally {
    await link.stop();
    simulator.stop();
  }
}

export function discoveryFor(
  caps: Capabilities,
  allowDestructive: boolean,
  current: Readonly<Record<string, Value>> = {},
  nominalPowerW: number | null = null,
): DeviceDiscovery {
  const keys = supportedKeys({
    rows: CATALOGUE,
    feedbacks: FEEDBACKS,
    registers: REGISTERS,
    supported: caps.supported,
    settingValues: caps.settingValues,
  });
  return discoverUps({
    upsId: "ups",
    name: null,
    caps,
    keys,
    allowDestructive,
    topics: bridgeTopics("upslink2mqtt", "ups", "homeassistant").discoveryTopics,
    origin: {
      name: "upslink2mqtt",
      swVersion: "0.0.0-test",
      supportUrl: "https://example.invalid/upslink2mqtt",
    },
    current,
    nominalPowerW,
    bridgeDeviceId: bridgeDeviceId("upslink2mqtt"),
  });
}

export type Components = Record<string, Record<string, unknown>>;
export const components = (d: DeviceDiscovery) => d.payload.components as unknown as Components;
