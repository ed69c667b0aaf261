// Issue 13 item 5: every byte in the alert field of a unit's `a` reply is an alert of that unit. An
// RT 1000 XL declares 0x04, which the catalogue does not know: it stayed inside replies (or was
// thrown away as line noise). Here a simulated unit declares it as the RT does, sends it on its own
// and in the middle of replies, and the real bridge and broker must publish `unknown_alert` events
// carrying the byte, list the event in Home Assistant's event entity, and keep every value right.
import { afterEach, describe, expect, it } from "vitest";
import { PROFILES, type Profile, SmartUpsSimulator } from "../../src/simulator/index.js";
import { waitUntil } from "../helpers/wait.js";
import {
  type FaultHarness,
  nextPolls,
  settled,
  settledBaseline,
  startFaultHarness,
  wrongValues,
} from "./fault-harness.js";

let h: FaultHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

/** A unit whose `a` lists 0x04 among its alerts, as the RT 1000 XL capture does. */
const DECLARES_04: Profile = {
  ...PROFILES["smartups-3g-120"],
  name: "declares-0x04",
  alerts: "!$%+?=*#|\x04",
  serial: "RT0413000005",
};

interface EventPayload {
  readonly event_type: string;
  readonly alert?: string;
}

function events(fh: FaultHarness, since: number): EventPayload[] {
  return fh.messages
    .slice(since)
    .filter((m) => m.topic === fh.topic("event"))
    .map((m) => JSON.parse(m.payload) as EventPayload);
}

describe("alerts a unit declares in `a`", () => {
  it("0x04 on its own and in the middle of replies: unknown_alert events, listed in discovery, no wrong value", async () => {
    const fh = await startFaultHarness({ profile: DECLARES_04 });
    h = fh;
    const baseline = await settledBaseline(fh);
    expect(baseline.power_state).toBe("on_line");

    // Home Assistant's event entity lists the kind, since this unit declares a byte of it.
    const config = await fh.waitFor("homeassistant/device/upslink2mqtt_rt0413000005/config", (p) =>
      p.includes(`${fh.base}/ups/`),
    );
    const components = (
      JSON.parse(config.payload) as { components: Record<string, { event_types?: string[] }> }
    ).components;
    expect(components.event?.event_types).toContain("unknown_alert");

    // On its own, between requests.
    let since = fh.messages.length;
    expect(fh.sim.control("alert 0x04")).toMatch(/^ok/);
    await fh.waitFor(
      fh.topic("event"),
      (p) => (JSON.parse(p) as EventPayload).event_type === "unknown_alert",
      {
        since,
      },
    );
    expect(events(fh, since).find((e) => e.event_type === "unknown_alert")?.alert).toBe("\\x04");

    // Inside every reply for a few poll cycles: the replies keep their values.
    since = fh.messages.length;
    expect(fh.sim.control("fault alert-mid-reply on 0x04")).toMatch(/^ok/);
    await nextPolls(fh, 3);
    expect(fh.sim.control("fault alert-mid-reply off")).toMatch(/^ok/);
    await settled(fh);
    expect(wrongValues(fh, baseline, since)).toEqual([]);
    const seen = events(fh, since);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.map((e) => [e.event_type, e.alert])).toEqual(seen.map(() => ["unknown_alert", "\\x04"]));
    // Still polling with the same values: nothing was taken as noise or an unsolicited reply.
    await waitUntil("the link stays online", () => fh.session.state === "online");
  }, 90_000);

  it("the simulator sends 0x04 only for a unit whose `a` lists it", () => {
    const plain = new SmartUpsSimulator({ profile: "smartups-3g-120" });
    const rt = new SmartUpsSimulator({ profile: DECLARES_04 });
    try {
      expect(plain.control("alert 0x04")).toMatch(/^error: this unit does not list 0x04/);
      expect(rt.control("alert 0x04")).toMatch(/^ok/);
      expect(rt.control("alert 0xZZ")).toMatch(/^error: alert CHAR\|0xHH/);
    } finally {
      plain.stop();
      rt.stop();
    }
  });
});
