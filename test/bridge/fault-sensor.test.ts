// Issue 14 (8): one enabled "Fault" problem sensor over the trip registers' fault bits. Its templates
// read the state JSON; here the bits they name are read from the component as published, and the
// state JSON the bridge publishes after the simulated unit sets a fault is checked against them.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const DEVICE = "homeassistant/device/upslink2mqtt_as0931234567/config";

/** What the Fault templates make of a state JSON: Jinja not at hand, the bits they name, evaluated. */
function faultOf(component: Record<string, unknown>, state: Record<string, unknown>) {
  const keys = [...String(component.value_template).matchAll(/value_json\.(\w+)/g)].map((m) => m[1] ?? "");
  const values = keys.map((k) => state[k]);
  const on = values.includes(true) ? "ON" : values.includes(false) ? "OFF" : null;
  const labels = [
    ...String(component.json_attributes_template).matchAll(/\[("[^"]*")\] if value_json\.(\w+) == true/g),
  ]
    .filter((m) => state[m[2] ?? ""] === true)
    .map((m) => JSON.parse(m[1] ?? '""') as string);
  return { keys, on, labels };
}

describe("the Fault sensor", () => {
  it("turns ON and lists the fault when the unit sets a trip register bit", async () => {
    h = await startHarness();
    const harness = h;
    const config = await harness.waitFor(DEVICE, (p) => p.includes(`${harness.base}/ups/`));
    const fault = (JSON.parse(config.payload) as { components: Record<string, Record<string, unknown>> })
      .components.fault;
    expect(fault).toMatchObject({
      platform: "binary_sensor",
      device_class: "problem",
      state_topic: `${harness.base}/ups/state`,
      json_attributes_topic: `${harness.base}/ups/state`,
    });
    expect(fault).not.toHaveProperty("enabled_by_default");
    const component = fault ?? {};
    const stateTopic = `${harness.base}/ups/state`;
    const stateOf = (p: string) => JSON.parse(p) as Record<string, unknown>;
    const clear = await harness.waitFor(stateTopic, (p) => faultOf(component, stateOf(p)).on === "OFF");
    expect(faultOf(component, stateOf(clear.payload)).keys).toContain("fault_bad_output_voltage");

    // Trip1 bit 7: bad output voltage; the unit announces it with `?`.
    const at = harness.messages.length;
    expect(harness.simulator().control("register ' 80")).toMatch(/^ok/);
    const tripped = await harness.waitFor(stateTopic, (p) => faultOf(component, stateOf(p)).on === "ON", {
      since: at,
    });
    expect(faultOf(component, stateOf(tripped.payload)).labels).toEqual(["Bad output voltage"]);
  }, 30_000);
});
