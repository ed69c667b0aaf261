// Every component of every profile's discovery passes a validator written from Home Assistant's MQTT
// platform schemas (ha-schema.ts), and the validator fails on each defect issue 14 names.
import { describe, expect, it } from "vitest";
import { valuePayload } from "../../src/bridge/payload.js";
import { readableRow, SETTING_IDS, type SettingId } from "../../src/protocol/catalogue/index.js";
import { encodeSettingValue } from "../../src/protocol/codec.js";
import {
  type Issue,
  projectRules,
  renderCommandTemplate,
  renderValueTemplate,
  validateComponent,
  validateDevice,
} from "./ha-schema.js";
import { components, discover, discoveryFor, PROFILES } from "./support.js";

const rules = (issues: readonly Issue[]) => issues.map((i) => i.rule);
const base = { unique_id: "u", default_entity_id: "sensor.ups_x", qos: 1 } as const;

describe("Home Assistant's MQTT schemas", () => {
  for (const profile of PROFILES) {
    it(`every component of ${profile} passes, destructive actions shown or not`, async () => {
      const { caps } = await discover(profile);
      for (const allow of [true, false]) {
        const payload = discoveryFor(caps, allow).payload as Parameters<typeof validateDevice>[0];
        expect(validateDevice(payload), `${profile} allow_destructive=${allow}`).toEqual([]);
      }
    });

    it(`every select of ${profile} shows the state the bridge publishes among its options`, async () => {
      const { caps, settings } = await discover(profile, SETTING_IDS);
      const selects = Object.entries(components(discoveryFor(caps, false))).filter(
        ([, c]) => c.platform === "select",
      );
      expect(selects.length).toBeGreaterThan(0);
      for (const [id, c] of selects) {
        const published = settings[id as keyof typeof settings];
        expect(published, `${profile} ${id} was read`).toBeDefined();
        const state = renderValueTemplate(String(c.value_template), valuePayload(published ?? null));
        expect(c.options, `${profile} ${id}: '${String(published)}' → '${String(state)}'`).toContain(state);
        // Every value of the unit's ring, as the UPS answers it once set and the bridge publishes it.
        for (const raw of caps.settingValues[id as keyof typeof caps.settingValues] ?? []) {
          const decoded = readableRow(id as SettingId).decode?.(raw);
          expect(decoded?.ok, `${profile} ${id} '${raw}' decodes`).toBe(true);
          if (decoded?.ok !== true) continue;
          const shown = renderValueTemplate(String(c.value_template), valuePayload(decoded.value));
          expect(c.options, `${profile} ${id}: ring value '${raw}' → '${String(shown)}'`).toContain(shown);
        }
        // Each option Home Assistant sends back on the command topic is a value the codec accepts.
        const row = readableRow(id as SettingId);
        const allowed = caps.settingValues[id as keyof typeof caps.settingValues] ?? [];
        for (const option of c.options as string[]) {
          const command = renderCommandTemplate(c.command_template, option);
          if (row.kind === "setting")
            expect(() => encodeSettingValue(row, command, allowed), `${id} ${option}`).not.toThrow();
        }
      }
    });
  }
});

describe("the validator catches each defect of issue 14", () => {
  it("(1) a select option with white space HA strips", () => {
    const select = { ...base, platform: "select", command_topic: "t", options: ["336", "ON ", "OFF"] };
    expect(rules(validateComponent("auto_battery_test_setting", select))).toContain("ha:options");
  });

  it("(3) a component without qos", () => {
    const sensor = { ...base, platform: "sensor", state_topic: "t", name: "Line voltage" };
    const { qos: _qos, ...withoutQos } = sensor;
    expect(rules(projectRules("line_voltage_vac", withoutQos, "Smart-UPS 1500"))).toContain("project:qos");
    expect(projectRules("line_voltage_vac", sensor, "Smart-UPS 1500")).toEqual([]);
  });

  it("(5) names not in sentence case, starting with UPS or the device name; doubled or mixed-case ids", () => {
    const named = (name: string, entity = "sensor.ups_x") =>
      rules(
        projectRules("x", { ...base, default_entity_id: entity, platform: "sensor", name }, "Smart-UPS 1500"),
      );
    expect(named("Firmware Version")).toContain("project:name_case");
    expect(named("UPS serial number")).toContain("project:name_prefix");
    expect(named("Smart-UPS 1500 load")).toContain("project:name_prefix");
    expect(named("Serial number", "sensor.ups_ups_serial_number")).toContain("project:entity_id");
    expect(named("Shut down by S", "binary_sensor.ups_shutdown_via_S_command")).toContain(
      "project:entity_id",
    );
    expect(named("SmartBoost")).toEqual([]);
    expect(named("Turn off UPS after delay")).toEqual([]);
  });

  it("(6) a button device class HA does not know", () => {
    const button = { ...base, platform: "button", command_topic: "t", device_class: "beeper" };
    expect(rules(validateComponent("test_lights_beeper", button))).toContain("ha:device_class");
    expect(validateComponent("test_lights_beeper", { ...button, device_class: "identify" })).toEqual([]);
  });

  it("(12) a state class or a precision on a non-numeric sensor, a unit unfit for the class", () => {
    const text = { ...base, platform: "sensor", state_topic: "t", state_class: "measurement" };
    expect(rules(validateComponent("firmware_version", text))).toContain("ha:state_class");
    const enumSensor = {
      ...base,
      platform: "sensor",
      state_topic: "t",
      device_class: "enum",
      options: ["a"],
    };
    expect(rules(validateComponent("power_state", { ...enumSensor, state_class: "measurement" }))).toContain(
      "ha:options",
    );
    expect(
      rules(validateComponent("power_state", { ...enumSensor, suggested_display_precision: 0 })),
    ).toContain("ha:precision");
    const volts = {
      ...base,
      platform: "sensor",
      state_topic: "t",
      device_class: "voltage",
      unit_of_measurement: "%",
    };
    expect(rules(validateComponent("line_voltage_vac", volts))).toContain("ha:unit");
    const date = {
      ...base,
      platform: "sensor",
      state_topic: "t",
      device_class: "date",
      state_class: "measurement",
    };
    expect(rules(validateComponent("battery_replacement", date))).toContain("ha:state_class");
    // A unitless count (apcupsd's NUMXFERS) is numeric by its state class and precision together.
    const count = { ...base, platform: "sensor", state_topic: "t", state_class: "total_increasing" };
    expect(validateComponent("transfer_count", { ...count, suggested_display_precision: 0 })).toEqual([]);
    expect(rules(validateComponent("transfer_count", count))).toContain("ha:state_class");
    const time = { ...base, platform: "sensor", state_topic: "t", device_class: "timestamp" };
    expect(validateComponent("last_transfer_time", time)).toEqual([]);
    expect(
      rules(validateComponent("last_transfer_time", { ...time, state_class: "total_increasing" })),
    ).toContain("ha:state_class");
    expect(rules(validateComponent("last_transfer_time", { ...time, unit_of_measurement: "s" }))).toContain(
      "ha:unit",
    );
  });

  it("keys HA does not know, config sensors, missing required keys", () => {
    const sensor = { ...base, platform: "sensor", state_topic: "t" };
    expect(rules(validateComponent("x", { ...sensor, object_id: "x" }))).toContain("ha:unknown_key");
    expect(rules(validateComponent("x", { ...sensor, entity_category: "config" }))).toContain(
      "ha:entity_category",
    );
    expect(rules(validateComponent("x", { ...base, platform: "button" }))).toContain("ha:required");
    expect(rules(validateComponent("x", { ...base, platform: "select", command_topic: "t" }))).toContain(
      "ha:required",
    );
  });
});
