// Issue 13 item 6 end to end: a Measure-UPS whose limits answer one value per side, as real units
// do (`55,50`, `NO,NO`), through the real bridge and a real broker. The limit is published as the
// unit's text, set in that form by stepping the unit's ring with `-`, refused with the original
// back when the ring comes round without it, and offered to Home Assistant with its current value.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness, waitReady } from "../helpers/harness.js";
import { setting, topics } from "../helpers/requests.js";
import { commandText, mark } from "../helpers/wire.js";
import { renderCommandTemplate, renderValueTemplate, validateComponent } from "../homeassistant/ha-schema.js";

const PROFILE = "matrix-ups-measure";
const LIMIT = "upper_temp_alarm_limit";
const DEVICE = "homeassistant/device/upslink2mqtt_qs0545001234/config";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

async function start(): Promise<Harness> {
  h = await startHarness({ upses: { ups: PROFILE } });
  await waitReady(h);
  return h;
}

type Component = Record<string, unknown>;

/** The limit's select as the latest discovery payload carries it. */
async function limitSelect(harness: Harness, since = 0): Promise<Component> {
  const message = await harness.waitFor(DEVICE, (p) => p.includes(`"${LIMIT}"`), { since });
  const payload = JSON.parse(message.payload) as { components: Record<string, Component> };
  const select = payload.components[LIMIT];
  if (select === undefined) throw new Error(`no ${LIMIT} in the discovery`);
  return select;
}

describe("Measure-UPS limits per side (matrix-ups-measure)", () => {
  it("publishes each limit as the unit's pair text", async () => {
    const harness = await start();
    const t = topics(harness);
    await harness.waitFor(t.key(LIMIT), (p) => p === "55,50");
    for (const id of ["lower_temp_alarm_limit", "upper_rh_alarm_limit", "lower_rh_alarm_limit"])
      await harness.waitFor(t.key(id), (p) => p === "NO,NO");
  });

  it("sets a pair by stepping the ring and reads it back", async () => {
    const harness = await start();
    const sim = harness.simulator();
    const t = topics(harness);
    await harness.waitFor(t.key(LIMIT), (p) => p === "55,50");
    const from = mark(sim);
    const since = harness.messages.length;
    const response = await setting(harness, LIMIT, "45,NO");
    expect(response).toMatchObject({ status: "ok", data: { changed: true, value: "45,NO", steps: 6 } });
    expect(sim.state.settings[LIMIT]).toBe("45,NO");
    // Six steps of the odometer from 55,50: NO,55 45,55 50,55 55,55 NO,NO 45,NO; nothing else.
    expect(commandText(sim, from)).toBe("------");
    await harness.waitFor(t.key(LIMIT), (p) => p === "45,NO", { since });

    // Already held: nothing is edited (the EEPROM wears).
    const again = mark(sim);
    expect(await setting(harness, LIMIT, "45,NO")).toMatchObject({ status: "ok", data: { changed: false } });
    expect(commandText(sim, again)).toBe("");
  });

  it("refuses a pair the ring does not reach, saying what the unit holds, the original value back", async () => {
    const harness = await start();
    const sim = harness.simulator();
    const t = topics(harness);
    await harness.waitFor(t.key(LIMIT), (p) => p === "55,50");
    const from = mark(sim);
    const response = await setting(harness, LIMIT, "57,50");
    expect(response).toMatchObject({ status: "error", error: { code: "refused_by_ups" } });
    expect(response.error?.message).toContain("it is back at '55,50'");
    // Every one of the 16 combinations once, then round to the original, where it stops.
    expect(commandText(sim, from)).toBe("-".repeat(16));
    expect(sim.state.settings[LIMIT]).toBe("55,50");
    expect(harness.last(t.key(LIMIT))).toBe("55,50");
  });

  it("offers the current pair among the select's options, and the state renders as one of them", async () => {
    const harness = await start();
    const t = topics(harness);
    const state = await harness.waitFor(t.key(LIMIT), (p) => p === "55,50");
    const select = await limitSelect(harness);
    expect(select.platform).toBe("select");
    expect(validateComponent(LIMIT, select as Parameters<typeof validateComponent>[1])).toEqual([]);
    const options = select.options as string[];
    // What it holds, not the catalogue's single values (32.13, …) a unit answering per side cannot hold.
    expect(options).toEqual(["55,50"]);
    expect(options).toContain(renderValueTemplate(String(select.value_template), state.payload));
    // Choosing it in Home Assistant sends the pair itself.
    expect(renderCommandTemplate(select.command_template, "55,50")).toBe("55,50");

    // A new value outside the offered ones republishes the discovery with it.
    const since = harness.messages.length;
    expect(await setting(harness, LIMIT, "NO,55")).toMatchObject({ status: "ok", data: { value: "NO,55" } });
    const published = await harness.waitFor(t.key(LIMIT), (p) => p === "NO,55", { since });
    const after = await limitSelect(harness, since);
    expect(after.options).toEqual(["NO,55"]);
    expect(after.options).toContain(renderValueTemplate(String(after.value_template), published.payload));
  });
});
