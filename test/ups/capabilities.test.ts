// Capability discovery (src/ups/capabilities.ts) over the real link and the in-process simulator,
// with fake timers: `a`, `b` and Ctrl-Z where the unit has them, probing query by query where it
// does not, the Measure-UPS, and what discovery teaches the link about unsupported rows.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isUpsLinkError } from "../../src/protocol/errors.js";
import type { UpsLink } from "../../src/ups/link.js";
import { rejection, type SimRig, settle, simRig } from "../link/helpers.js";

let rig: SimRig | null = null;

async function started(profile = "smartups-3g-120"): Promise<SimRig> {
  rig = simRig(profile);
  await settle(rig.session.start());
  return rig;
}

function codeOf(error: unknown): string {
  return isUpsLinkError(error) ? error.code : `not an UpsLinkError: ${String(error)}`;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(async () => {
  await rig?.session.stop();
  rig = null;
  vi.useRealTimers();
});

describe("capability discovery", () => {
  it("learns identity, supported rows and allowed values from a, b and Ctrl-Z", async () => {
    const r = await started();
    const caps = await settle(r.link.discover());
    expect(caps.source).toBe("a");
    expect(caps.identity.model).toBe(r.sim.profile.model?.trim());
    expect(caps.identity.localeLetter).toBe(r.sim.profile.locale);
    expect(caps.supported.has("line_voltage")).toBe(true);
    expect(caps.supported.has("load_current")).toBe(false);
    expect(caps.alerts.has("line_fail")).toBe(true);
    const ring = r.sim.settings.find((s) => s.id === "upper_transfer_voltage");
    expect(caps.settingValues.upper_transfer_voltage).toEqual(ring?.ring);
    // Unsupported queries are known now: they fail without touching the wire.
    const before = r.sim.received.length;
    expect(codeOf(await rejection(r.link.query("load_current")))).toBe("not_supported");
    expect(r.sim.received.length).toBe(before);
  });

  it("probes each query on units without `a` (old Smart-UPS)", async () => {
    const r = await started("smartups-old");
    const caps = await settle(r.link.discover());
    expect(caps.source).toBe("probe");
    expect(caps.protocolLevel).toBeNull();
    expect(caps.supported.has("line_voltage")).toBe(true);
    expect(caps.supported.has("read_all_eeprom")).toBe(false);
    expect(caps.identity.serial).toBe(r.sim.profile.serial.replace(/\0/g, "").trim());
    expect(caps.settingValues.shutdown_delay).toEqual(["020", "180", "300", "600"]);
  });

  it("finds a Measure-UPS", async () => {
    const r = await started("smartups-3g-measure");
    const caps = await settle(r.link.discover());
    expect(caps.measureUps).toBe(true);
    expect(caps.supported.has("ambient_temperature")).toBe(true);
    expect(caps.alerts.has("measureups_alarm")).toBe(true);
  });

  it("matches the UPS layer's UpsLink contract", async () => {
    const r = await started();
    const link: UpsLink = r.link;
    expect(link.state).toBe("online");
  });
});
