// Home Assistant discovery derived from what a unit supports. Capabilities come from the real link
// discovering the simulator (no hand-written capability sets), then buildDiscovery runs as the
// bridge runs it. Golden files pin the whole payload for two profiles; regenerate them with
// UPDATE_GOLDEN=1 after an intended change and review the diff.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bridgeTopics } from "../../src/bridge/topics.js";
import { bridgeDiscovery } from "../../src/homeassistant/device.js";
import { discoverUps } from "../../src/homeassistant/discovery.js";
import { bridgeDeviceId, deviceIdFor } from "../../src/homeassistant/names.js";
import { FIRMWARE_RELEASE_URL, findFirmwareAdvice } from "../../src/protocol/firmware.js";
import type { ProfileName } from "../../src/simulator/index.js";
import type { Capabilities } from "../../src/ups/capabilities.js";
import { nominalRealPower } from "../../src/ups/power.js";
import { renderValueTemplate, validateDevice } from "./ha-schema.js";
import { components, discover, discoveryFor, PROFILES } from "./support.js";

const GOLDEN_DIR = join(import.meta.dirname, "golden");

/** The unit's capabilities, discovered by the real link from the simulator. */
const capsOf = async (profile: ProfileName): Promise<Capabilities> => (await discover(profile)).caps;

// Home Assistant rejects a sensor whose unit does not fit its device class.
const UNIT_FOR_CLASS = {
  voltage: ["V", "mV"],
  current: ["A", "mA"],
  frequency: ["Hz"],
  temperature: ["°C", "°F"],
  humidity: ["%"],
  battery: ["%"],
  duration: ["d", "h", "min", "s", "ms"],
  power: ["W", "kW"],
  // Times and dates carry no unit: their state is ISO 8601 text.
  timestamp: [undefined],
  date: [undefined],
} as Readonly<Record<string, readonly (string | undefined)[]>>;

describe("Home Assistant discovery", () => {
  // smt-ap9620 pins the firmware `update` entity with its release_url.
  for (const profile of ["smartups-3g-120", "matrix-ups", "smt-ap9620"] as const) {
    it(`matches the golden payload for ${profile}`, async (ctx) => {
      const discovery = discoveryFor(await capsOf(profile), true);
      const text = `${JSON.stringify({ topic: `homeassistant/device/${discovery.deviceId}/config`, payload: discovery.payload }, null, 2)}\n`;
      const file = join(GOLDEN_DIR, `${profile}.golden.json`);
      if (process.env.UPDATE_GOLDEN === "1") {
        // Rewriting the golden file compares nothing: reported as skipped (a failure under CI).
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(file, text);
        ctx.skip(`UPDATE_GOLDEN=1 rewrote ${file}: review its diff`);
      }
      expect(existsSync(file), `${file} is missing: create it with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(text).toBe(readFileSync(file, "utf8"));
    });
  }

  it("gives every entity a unique id from the serial, a default entity id and a valid unit/class pair", async () => {
    for (const profile of PROFILES) {
      const caps = await capsOf(profile);
      const discovery = discoveryFor(caps, true);
      expect(discovery.deviceId).toBe(deviceIdFor({ serial: caps.identity.serial, upsId: "ups" }));
      const ids = new Set<string>();
      for (const [id, c] of Object.entries(components(discovery))) {
        expect(c.unique_id, `${profile} ${id}`).toBe(`${discovery.deviceId}_${id}`);
        expect(ids.has(String(c.unique_id))).toBe(false);
        ids.add(String(c.unique_id));
        // Lower case, without repeating the UPS id (issue 14).
        expect(c.default_entity_id, `${profile} ${id}`).toBe(
          `${String(c.platform)}.ups_${id.toLowerCase().replace(/^ups_/, "")}`,
        );
        expect(c).not.toHaveProperty("object_id");
        // Releases before mid-2026 do not pass the root qos down (issue 14).
        expect(c.qos, `${profile} ${id}`).toBe(1);
        // Every numeric sensor says how many decimals to show (issue 14).
        if (c.platform === "sensor" && c.unit_of_measurement !== undefined)
          expect(c.suggested_display_precision, `${profile} ${id}`).toEqual(expect.any(Number));
        const deviceClass = c.device_class;
        if (c.platform === "sensor" && typeof deviceClass === "string" && deviceClass !== "enum") {
          expect(UNIT_FOR_CLASS[deviceClass], `${profile} ${id}: unknown class ${deviceClass}`).toBeDefined();
          expect(UNIT_FOR_CLASS[deviceClass], `${profile} ${id}`).toContain(c.unit_of_measurement);
        }
      }
    }
  });

  it("discovers only what the unit supports", async () => {
    const g3 = components(discoveryFor(await capsOf("smartups-3g-120"), true));
    const matrix = components(discoveryFor(await capsOf("matrix-ups"), true));
    const measure = components(discoveryFor(await capsOf("smartups-3g-measure"), true));
    // A nominal rating is a constant: no state class, so no long-term statistics (issue 14).
    expect(g3.nominal_battery_voltage).not.toHaveProperty("state_class");
    expect(g3.line_voltage_vac).toMatchObject({ state_class: "measurement" });
    expect(g3).not.toHaveProperty("load_current"); // `/` is Matrix-UPS only
    expect(g3).not.toHaveProperty("ups_to_bypass_toggle");
    expect(matrix).toHaveProperty("load_current");
    expect(matrix).toHaveProperty("ups_to_bypass_toggle");
    expect(g3).not.toHaveProperty("ambient_temperature");
    expect(measure).toHaveProperty("ambient_temperature");
    expect(measure.ambient_temperature).toMatchObject({
      device_class: "temperature",
      unit_of_measurement: "°C",
    });
  });

  it("offers destructive actions only when allowed, as config request/confirm buttons", async () => {
    const caps = await capsOf("smartups-3g-120");
    const off = components(discoveryFor(caps, false));
    const on = components(discoveryFor(caps, true));
    for (const id of ["turn_off_after_delay", "turn_off_immediate", "reset_eeprom", "shutdown_return"]) {
      expect(off).not.toHaveProperty(id);
      expect(off).not.toHaveProperty(`${id}_confirm`);
      expect(on[id]).toMatchObject({ platform: "button", entity_category: "config", payload_press: "PRESS" });
      expect(on[`${id}_confirm`]).toMatchObject({
        platform: "button",
        command_topic: "upslink2mqtt/ups/command/confirm",
      });
      expect(JSON.parse(String(on[`${id}_confirm`]?.payload_press))).toEqual({ action: id });
    }
    expect(off).not.toHaveProperty("pending_confirmations");
    expect(on.pending_confirmations).toMatchObject({
      platform: "sensor",
      state_topic: "upslink2mqtt/ups/pending",
    });
    expect(on.cancel_pending).toMatchObject({
      platform: "button",
      command_topic: "upslink2mqtt/ups/command/cancel",
    });
    // The most dangerous are discovered disabled, request and confirmation alike (issue 14).
    const matrix = components(discoveryFor(await capsOf("matrix-ups"), true));
    for (const id of ["reset_eeprom", "ups_to_bypass_toggle", "simulate_power_failure"]) {
      expect(matrix[id]?.enabled_by_default, id).toBe(false);
      expect(matrix[`${id}_confirm`]?.enabled_by_default, id).toBe(false);
    }
    expect(on.turn_off_after_delay).not.toHaveProperty("enabled_by_default");
    expect(on.test_lights_beeper).toMatchObject({ platform: "button", device_class: "identify" });
    // Non-destructive actions are always there.
    expect(off.battery_test).toMatchObject({ platform: "button" });
    expect(off.abort_shutdown).toMatchObject({ platform: "button" });
  });

  it("adds a firmware update entity only when the firmware string names a known UPS ID", async () => {
    const ap9620 = await capsOf("smt-ap9620");
    expect(ap9620.identity.upsFirmwareId).toBe(18);
    expect(components(discoveryFor(ap9620, false)).firmware).toMatchObject({
      platform: "update",
      device_class: "firmware",
    });
    expect(components(discoveryFor(await capsOf("smartups-3g-120"), false))).not.toHaveProperty("firmware");
  });

  it("offers a link sensor that follows the bridge only, ON while the UPS answers (issue 14)", async () => {
    const discovery = discoveryFor(await capsOf("smartups-3g-120"), false);
    // The device's availability needs the UPS too: the link sensor replaces it with the bridge's alone.
    expect(discovery.payload.availability).toEqual([
      { topic: "upslink2mqtt/bridge/state" },
      { topic: "upslink2mqtt/ups/availability" },
    ]);
    expect(components(discovery).link).toEqual({
      platform: "binary_sensor",
      unique_id: `${discovery.deviceId}_link`,
      default_entity_id: "binary_sensor.ups_link",
      name: "Link",
      state_topic: "upslink2mqtt/ups/availability",
      payload_on: "online",
      payload_off: "offline",
      device_class: "connectivity",
      entity_category: "diagnostic",
      availability: [{ topic: "upslink2mqtt/bridge/state" }],
      qos: 1,
    });
  });

  it("links the firmware update entity to APC's upgrade page (release_url)", async () => {
    const firmware = components(discoveryFor(await capsOf("smt-ap9620"), false)).firmware;
    expect(firmware?.release_url).toBe(FIRMWARE_RELEASE_URL);
    expect(findFirmwareAdvice(18, "09.3")?.releaseUrl).toBe(FIRMWARE_RELEASE_URL);
  });

  it("offers the load in watts from the configured or the model's rating, and none when unknown (issue 14 item 10)", async () => {
    const caps = await capsOf("smartups-3g-120");
    // The model table: Smart-UPS 1500 (SUA1500) is 980 W.
    const known = components(discoveryFor(caps, false)).real_power ?? {};
    expect(known).toMatchObject({
      platform: "sensor",
      state_topic: "upslink2mqtt/ups/load_power",
      device_class: "power",
      unit_of_measurement: "W",
      state_class: "measurement",
    });
    expect(renderValueTemplate(String(known.value_template), "50.0")).toBe("490.0");
    expect(renderValueTemplate(String(known.value_template), "null")).toBeNull();
    // The configuration wins over the table.
    const configured = components(discoveryFor(caps, false, {}, 1000)).real_power ?? {};
    expect(renderValueTemplate(String(configured.value_template), "25")).toBe("250.0");
    // A model the table does not know, nothing configured: no watts.
    const unknown = { ...caps, identity: { ...caps.identity, model: "Smart-UPS 2200" } };
    expect(components(discoveryFor(unknown, false))).not.toHaveProperty("real_power");
    expect(nominalRealPower("SMART-UPS  1000 ")).toBe(670);
    expect(nominalRealPower("Smart-UPS RT 1000 XL")).toBe(700);
    expect(nominalRealPower(null)).toBeNull();
  });

  it("names devices so two identical models are told apart, and reaches them through the bridge device", async () => {
    const caps = await capsOf("smartups-3g-120");
    const device = (name: string | null, upsId: string) =>
      discoverUps({
        upsId,
        name,
        caps,
        keys: [],
        allowDestructive: false,
        topics: bridgeTopics("upslink2mqtt", upsId, "homeassistant").discoveryTopics,
        origin: { name: "upslink2mqtt", swVersion: "0", supportUrl: "" },
        bridgeDeviceId: bridgeDeviceId("upslink2mqtt"),
      }).payload.device as Record<string, unknown>;
    expect(device(null, "rack").name).toBe("Smart-UPS 1500 (rack)");
    expect(device(null, "office").name).toBe("Smart-UPS 1500 (office)");
    expect(device("Server room", "rack").name).toBe("Server room");
    expect(device(null, "rack").via_device).toBe("upslink2mqtt_bridge_upslink2mqtt");
    const bridge = bridgeDiscovery({
      deviceId: bridgeDeviceId("upslink2mqtt"),
      baseTopic: "upslink2mqtt",
      bridgeState: "upslink2mqtt/bridge/state",
      bridgeInfo: "upslink2mqtt/bridge/info",
      origin: { name: "upslink2mqtt", swVersion: "1.2.3", supportUrl: "https://example.invalid" },
    });
    // The UPS devices name it, and it is a valid device of its own.
    expect((bridge.payload.device as Record<string, unknown>).identifiers).toEqual([
      "upslink2mqtt_bridge_upslink2mqtt",
    ]);
    expect(validateDevice(bridge.payload as Parameters<typeof validateDevice>[0])).toEqual([]);
    expect(bridgeDeviceId("site/a")).not.toBe(bridgeDeviceId("site/b"));
  });

  it("keeps two identical models apart by serial", async () => {
    const a = await capsOf("smartups-3g-120");
    const b = { ...a, identity: { ...a.identity, serial: "AS0931234999" } };
    expect(discoveryFor(a, false).deviceId).not.toBe(discoveryFor(b, false).deviceId);
  });
});
