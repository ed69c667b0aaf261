// Issue 14 (2): components an earlier run offered are cleared after a restart. The component list
// of the earlier run is read back from the retained device config, so switching allow_destructive
// off across a restart removes the destructive buttons from Home Assistant (a component holding only
// its platform), instead of leaving them live.
import { afterEach, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "../helpers/broker.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

const DEVICE = "homeassistant/device/upslink2mqtt_as0931234567/config";

describe("a restart with fewer components", () => {
  it("clears the destructive buttons of the earlier run once allow_destructive is off", async () => {
    const broker: TestBroker = await startTestBroker();
    const base = `rr${Math.random().toString(16).slice(2, 8)}`;
    let second: Harness | null = null;
    cleanup = async () => {
      await second?.stop();
      await broker.stop();
    };
    const first = await startHarness({
      broker,
      baseTopic: base,
      env: { UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE: "true" },
    });
    await first.waitFor(DEVICE, (p) => p.includes('"reset_eeprom_confirm"'));
    await first.stop();

    second = await startHarness({ broker, baseTopic: base });
    const removal = await second.waitFor(DEVICE, (p) => p.includes('"reset_eeprom":{"platform":"button"}'));
    const components = (JSON.parse(removal.payload) as { components: Record<string, unknown> }).components;
    for (const id of ["reset_eeprom", "reset_eeprom_confirm", "turn_off_immediate", "cancel_pending"])
      expect(components[id], id).toEqual({ platform: "button" });
    expect(components.pending_confirmations).toEqual({ platform: "sensor" });
    // What stays retained afterwards is the full config without them.
    const latest = await second.waitFor(
      DEVICE,
      (p) => p.includes('"battery_test"') && !p.includes('"reset_eeprom'),
      { since: second.messages.indexOf(removal) + 1 },
    );
    expect(latest.payload).not.toContain("turn_off_immediate");
  });
});
