// Every component of every profile's discovery passes a validator written from Home Assistant's MQTT
// platform schemas (ha-schema.ts), and the validator fails on each defect issue 14 names.
import { describe, expect, it } from "vitest";
import { valuePayload } from "../../src/bridge/payload.js";
import { readableRow, SETTING_IDS, type SettingId } from "../../src/protocol/catalogue/index.js";
import { encodeSettingValue } from "../../src/protocol/codec.js";
import { planEdit } from "../../src/ups/settings.js";
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
      const selects = Object.entries(components(discoveryFor(caps, false, settings))).filter(
        ([, c]) => c.platform === "select",
      );
      // A unit lists ring settings (a select each), or none at all (a Smart-UPS v/s lists no setting).
      const rings = Object.keys(caps.settingValues).filter(
        (id) => readableRow(id as SettingId).ha?.platform === "select",
      );
      expect(selects.length).toBe(rings.length);
      for (const [id, c] of selects) {
        const published = settings[id as keyof typeof settings];
        expect(published, `${profile} ${id} was read`).toBeDefined();
        const state = renderValueTemplate(String(c.value_template), valuePayload(published ?? null));
        expect(c.options, `${profile} ${id}: '${String(published)}' → '${String(state)}'`).toContain(state);
        // Every value of the unit's ring, as the UPS answers it once set and the bridge publishes it;
        // of the catalogue's ring, every value the unit can hold (one that answers a Measure-UPS
        // limit per side, `55,50`, holds none of the catalogue's single values).
        const ownRing = caps.ringsFromUnit.has(id as SettingId);
        const sides = (value: unknown) => String(value).split(",").length;
        for (const raw of caps.settingValues[id as keyof typeof caps.settingValues] ?? []) {
          if (!ownRing && sides(raw) !== sides(published)) continue;
          const decoded = readableRow(id as SettingId).decode?.(raw);
          expect(decoded?.ok, `${profile} ${id} '${raw}' decodes`).toBe(true);
          if (decoded?.ok !== true) continue;
          const shown = renderValueTemplate(String(c.value_template), valuePayload(decoded.value));
          expect(c.options, `${profile} ${id}: ring value '${raw}' → '${String(shown)}'`).toContain(shown);
        }
        // Each option Home Assistant sends back on the command topic is a value `set/<id>` accepts:
        // the check the bridge runs before anything is sent (the current value may lie outside the
        // catalogue's ring, a Measure-UPS pair `55,50`, and is then stepped for).
        const row = readableRow(id as SettingId);
        const allowed = caps.settingValues[id as keyof typeof caps.settingValues] ?? [];
        const fromUnit = caps.ringsFromUnit.has(id as SettingId);
        for (const option of c.options as string[]) {
          const command = renderCommandTemplate(c.command_template, option);
          if (row.kind === "setting")
            expect(() => planEdit(row, command, allowed, fromUnit), `${id} ${option}`).not.toThrow();
        }
      }
    });
  }

  for (const profile of PROFILES) {
    it(`every number of ${profile} holds the published state and every ring value within its range`, async () => {
      const { caps, settings } = await discover(profile, SETTING_IDS);
      const numbers = Object.entries(components(discoveryFor(caps, false, settings))).filter(
        ([, c]) => c.platform === "number",
      );
      // A unit that lists no quantity setting (the Smart-UPS v/s lists no setting at all) has none.
      const quantities = Object.keys(settings).filter(
        (id) => readableRow(id as SettingId).ha?.platform === "number",
      );
      expect(numbers.length > 0, profile).toBe(quantities.length > 0);
      for (const [id, c] of numbers) {
        const published = settings[id as keyof typeof settings];
        // The per-key topic carries a plain number (`20`, not `020`), which HA reads as one.
        expect(typeof published, `${profile} ${id} '${String(published)}'`).toBe("number");
        const state = Number(renderValueTemplate(String(c.value_template), valuePayload(published ?? null)));
        expect(state, `${profile} ${id}`).toBeGreaterThanOrEqual(Number(c.min));
        expect(state, `${profile} ${id}`).toBeLessThanOrEqual(Number(c.max));
        const row = readableRow(id as SettingId);
        const allowed = caps.settingValues[id as keyof typeof caps.settingValues] ?? [];
        for (const raw of allowed) {
          const decoded = row.decode?.(raw);
          const value = decoded?.ok === true ? Number(decoded.value) : Number.NaN;
          expect(value, `${profile} ${id} ring '${raw}'`).toBeGreaterThanOrEqual(Number(c.min));
          expect(value, `${profile} ${id} ring '${raw}'`).toBeLessThanOrEqual(Number(c.max));
          // The step reaches it from min (what HA's box offers), and the codec takes it back.
          const steps = (value - Number(c.min)) / Number(c.step);
          expect(
            Math.abs(steps - Math.round(steps)),
            `${profile} ${id} ring '${raw}' on a step`,
          ).toBeLessThan(1e-6);
          if (row.kind === "setting")
            expect(() => encodeSettingValue(row, String(value), allowed), `${id} ${value}`).not.toThrow();
        }
      }
    });
  }
});

describe("the values a unit holds outside the ring it reports", () => {
  it("are among the select's options and inside the number's range (issue 13 item 8)", async () => {
    const { caps } = await discover("smartups-3g-120");
    // A 601.3.I held `p` = 090, which no ring lists; a sensitivity `A` on a unit whose ring lacks it.
    const current = { shutdown_delay: 900, utility_failure_sensitivity: "A", audible_alarm: "X" };
    const c = components(discoveryFor(caps, false, current));
    expect(c.shutdown_delay).toMatchObject({ platform: "number", min: 20, max: 900 });
    const sensitivity = c.utility_failure_sensitivity ?? {};
    expect(renderValueTemplate(String(sensitivity.value_template), "A")).toBe("Auto");
    expect(sensitivity.options).toContain("Auto");
    expect(renderCommandTemplate(sensitivity.command_template, "Auto")).toBe("A");
    // A value without a word is offered as it is, both ways.
    const alarm = c.audible_alarm ?? {};
    expect(alarm.options).toContain("X");
    expect(renderValueTemplate(String(alarm.value_template), "X")).toBe("X");
    expect(renderCommandTemplate(alarm.command_template, "X")).toBe("X");
    const low = { shutdown_delay: 5 };
    expect(components(discoveryFor(caps, false, low)).shutdown_delay).toMatchObject({ min: 5, max: 600 });
  });
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

  it("(7) a number whose max is not above min, a step below 0.001, a unit unfit for its class", () => {
    const number = { ...base, platform: "number", command_topic: "t", min: 20, max: 600, step: 20 };
    expect(validateComponent("shutdown_delay", number)).toEqual([]);
    expect(rules(validateComponent("output_voltage_setting", { ...number, min: 115, max: 115 }))).toContain(
      "ha:number_range",
    );
    expect(rules(validateComponent("x", { ...number, step: 0.0001 }))).toContain("ha:number_step");
    expect(rules(validateComponent("x", { ...number, mode: "dial" }))).toContain("ha:mode");
    expect(
      rules(validateComponent("x", { ...number, device_class: "duration", unit_of_measurement: "V" })),
    ).toContain("ha:unit");
    expect(rules(validateComponent("x", { ...number, options: ["a"] }))).toContain("ha:unknown_key");
  });

  it("(12) release_url is an update option, not a sensor's; via_device a device option", () => {
    const update = { ...base, platform: "update", state_topic: "t", release_url: "https://x.invalid/" };
    expect(validateComponent("firmware", update)).toEqual([]);
    expect(
      rules(validateComponent("x", { ...base, platform: "sensor", state_topic: "t", release_url: "u" })),
    ).toContain("ha:unknown_key");
    const device = (extra: Record<string, string>) =>
      validateDevice({
        device: { identifiers: ["d"], name: "n", ...extra },
        origin: { name: "o" },
        components: {},
      });
    expect(device({ via_device: "bridge" })).toEqual([]);
    expect(rules(device({ via: "bridge" }))).toContain("ha:unknown_key");
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
