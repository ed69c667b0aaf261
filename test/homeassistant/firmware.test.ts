// Firmware advisory (issue 6): APC's UPS ID → latest firmware table as data, the advice derived from
// it, the Home Assistant `update` entity for units whose firmware string names their ID, and none for
// units whose ID is unknown, end to end through the built bridge, the simulator and a real broker.
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDiscovery, type DiscoveryInput } from "../../src/homeassistant/discovery.js";
import {
  compareVersions,
  FIRMWARE_TABLE,
  findFirmwareAdvice,
  installedVersion,
  RELEASE_SUMMARY_MAX,
} from "../../src/protocol/firmware.js";
import { parseFirmwareB } from "../../src/protocol/identity.js";
import { connectClient, startTestBroker, type TestBroker, waitForMessage } from "../helpers/broker.js";
import { type BridgeProcess, ensureBuilt, killBridge, startBridge } from "../packaging/bridge-process.js";

describe("firmware table", () => {
  it("has, in every row, an image name that encodes the row's UPS ID and version", () => {
    for (const row of FIRMWARE_TABLE) {
      // e.g. SMT18UPS_09-6 → ID 18, version 09.6 (APC's naming of the image files)
      const match = /^[A-Z]+(\d+)UPS_(\d+)-(\d+)(_\w+)?$/.exec(row.image);
      expect(match, row.image).not.toBeNull();
      expect(Number(match?.[1]), row.image).toBe(row.upsId);
      expect(`${match?.[2]}.${match?.[3]}`, row.image).toBe(row.latest);
    }
  });

  it("compares versions numerically, field by field", () => {
    expect(compareVersions("09.3", "09.6")).toBe(-1);
    expect(compareVersions("10.0", "09.6")).toBe(1);
    expect(compareVersions("15.0", "15.0")).toBe(0);
    expect(compareVersions("09.10", "09.9")).toBe(1);
  });
});

describe("findFirmwareAdvice", () => {
  it("offers the general image for ID 18, not the Japan-only one, and says the output must be off", () => {
    const advice = findFirmwareAdvice(18, "09.3");
    expect(advice).toMatchObject({ upsId: 18, installed: "09.3", latest: "09.6", upToDate: false });
    expect(advice?.releases.map((r) => r.image)).toEqual(["SMT18UPS_09-6", "SMT18UPS_09-8_JP"]);
    expect(advice?.summary).toContain("SMT18UPS_09-6");
    expect(advice?.summary).toMatch(/output must be off/i);
    expect(advice?.details).toContain("only for the Japanese models");
    expect(advice?.details).toContain("Firmware Upgrade Wizard");
  });

  it("reads the version out of the whole firmware string the UPS reports", () => {
    expect(installedVersion("UPS 09.3 / ID=18")).toBe("09.3");
    expect(installedVersion("09.3")).toBe("09.3");
    expect(findFirmwareAdvice(18, "UPS 09.6 / ID=18")).toMatchObject({ installed: "09.6", upToDate: true });
    expect(findFirmwareAdvice(18, "UPS 09.3 / ID=18")).toMatchObject({ installed: "09.3", upToDate: false });
  });

  it("is up to date at or above the latest version", () => {
    expect(findFirmwareAdvice(18, "09.6")?.upToDate).toBe(true);
    expect(findFirmwareAdvice(1031, "15.1")?.upToDate).toBe(true);
  });

  it("carries the table's notes and output-on rules", () => {
    expect(findFirmwareAdvice(1001, "02.1")?.details).toMatch(/upgraded twice/);
    expect(findFirmwareAdvice(1010, "07.0")?.summary).toMatch(/output on from UPS 07\.9 and later/);
    expect(findFirmwareAdvice(1018, "04.0")?.summary).toMatch(/can be upgraded with the output on/);
  });

  it("keeps every summary within Home Assistant's 255 characters for release_summary", () => {
    for (const id of new Set(FIRMWARE_TABLE.map((row) => row.upsId))) {
      const advice = findFirmwareAdvice(id, "00.1");
      expect(advice, String(id)).not.toBeNull();
      expect(advice?.summary.length, String(id)).toBeLessThanOrEqual(RELEASE_SUMMARY_MAX);
      expect(advice?.summary, String(id)).toContain(advice?.latest ?? "?");
    }
  });

  it("gives no advice when the ID is unknown or not in APC's table", () => {
    expect(findFirmwareAdvice(null, "09.3")).toBeNull();
    expect(findFirmwareAdvice(11, "02.0")).toBeNull();
    expect(findFirmwareAdvice(18, null)).toBeNull();
  });

  it("finds the ID in the firmware string of a unit behind an AP9620 card", () => {
    const parsed = parseFirmwareB("UPS 09.3 / ID=18");
    expect(parsed).toEqual({ form: "ap9620", firmware: "09.3", upsId: 18 });
    // A 3G unit's `b` (SKU.firmware.locale) names no UPS ID: no advice.
    expect(parseFirmwareB("601.3.D")?.form).toBe("decimal");
  });
});

describe("discovery", () => {
  const input = (firmware: DiscoveryInput["firmware"]): DiscoveryInput => ({
    identity: {
      upsId: "ups",
      name: "Smart-UPS 1500",
      serial: "AS1624345678",
      model: "Smart-UPS 1500",
      firmware: "UPS 09.3 / ID=18",
    },
    keys: [],
    actions: [],
    compositeActions: [],
    events: [],
    allowDestructive: false,
    topics: {
      bridgeState: "b/bridge/state",
      availability: "b/ups/availability",
      state: "b/ups/state",
      key: (key) => `b/ups/${key}`,
      event: "b/ups/event",
      command: (action) => `b/ups/command/${action}`,
      set: (setting) => `b/ups/set/${setting}`,
      confirm: "b/ups/command/confirm",
      cancel: "b/ups/command/cancel",
      pending: "b/ups/pending",
      firmwareUpdate: "b/ups/firmware_update",
    },
    origin: { name: "upslink2mqtt", swVersion: "0", supportUrl: "" },
    firmware,
  });

  it("adds an update entity only with advice", () => {
    const advice = findFirmwareAdvice(18, "UPS 09.3 / ID=18");
    if (advice === null) throw new Error("no advice for ID 18");
    const withAdvice = buildDiscovery(input(advice)).payload.components as Record<
      string,
      Record<string, unknown>
    >;
    expect(withAdvice.firmware).toMatchObject({
      platform: "update",
      device_class: "firmware",
      state_topic: "b/ups/firmware_update",
    });
    const without = buildDiscovery(input(null)).payload.components as Record<string, unknown>;
    expect(without.firmware).toBeUndefined();
  });
});

describe("end to end: the bridge with a simulated unit behind an AP9620 card", () => {
  let broker: TestBroker;
  let client: MqttClient;
  const bridges: BridgeProcess[] = [];

  beforeAll(async () => {
    ensureBuilt();
    broker = await startTestBroker();
    client = await connectClient(broker.url);
  }, 120_000);

  afterAll(async () => {
    for (const bridge of bridges) await killBridge(bridge);
    await client?.endAsync();
    await broker?.stop();
  });

  const run = (profile: string, base: string) => {
    const bridge = startBridge({
      env: {
        UPSLINK_UPS_PORT: `sim://${profile}`,
        UPSLINK_MQTT_URL: broker.url,
        UPSLINK_MQTT_BASE_TOPIC: base,
      },
    });
    bridges.push(bridge);
    return bridge;
  };

  it("discovers a firmware update entity with the installed and latest version", async () => {
    const bridge = run("smt-ap9620", "fw_known");
    const discovery = await waitForMessage(
      client,
      "homeassistant/device/+/config",
      (m) => m.payload.includes("fw_known/ups/"),
      30_000,
    );
    const config = JSON.parse(discovery.payload) as { components: Record<string, Record<string, unknown>> };
    expect(config.components.firmware).toMatchObject({
      platform: "update",
      state_topic: "fw_known/ups/firmware_update",
    });
    const state = await waitForMessage(client, "fw_known/ups/firmware_update", () => true, 30_000);
    const update = JSON.parse(state.payload) as Record<string, string>;
    expect(update).toMatchObject({ installed_version: "09.3", latest_version: "09.6" });
    expect(update.release_summary?.length ?? 0).toBeLessThanOrEqual(RELEASE_SUMMARY_MAX);
    expect((await bridge.stop()).code).toBe(0);
  }, 120_000);

  it("discovers no update entity for a unit whose ID is unknown", async () => {
    const bridge = run("smartups-3g-120", "fw_unknown");
    const discovery = await waitForMessage(
      client,
      "homeassistant/device/+/config",
      (m) => m.payload.includes("fw_unknown/ups/"),
      30_000,
    );
    const config = JSON.parse(discovery.payload) as { components: Record<string, { platform: string }> };
    expect(Object.values(config.components).some((c) => c.platform === "update")).toBe(false);
    expect(Object.keys(config.components).length).toBeGreaterThan(10);
    expect((await bridge.stop()).code).toBe(0);
  }, 120_000);
});
