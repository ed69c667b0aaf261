// The bridge's apcupsd NIS server read by apcupsd's own client, apcaccess (from the unpacked Debian
// package), with the bridge run by its composition root over the in-process simulator: ONLINE with
// the model's values, ONBATT after a power failure, ONLINE again, and `-p` reading one field.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROFILES } from "../../src/simulator/index.js";
import { freePort } from "../helpers/broker.js";
import { type NutBridge, startNutBridge } from "../helpers/nut.js";
import { expectValues, hasWord, is, matches, near, requireExecutable, run } from "./support.js";

const ROOT = process.env.APCUPSD_ROOT ?? "/tmp/apcupsd-x";
const APCACCESS = join(ROOT, "sbin", "apcaccess");
const HINT =
  "unpack the apcupsd package there (apt-get download apcupsd && dpkg -x apcupsd_*.deb DIR) and set APCUPSD_ROOT";
const PROFILE = "smartups-3g-120";

describe("apcaccess reads the bridge's NIS server", () => {
  let bridge: NutBridge;
  let address = "";
  const status = (): Promise<string> => run(APCACCESS, ["-h", address, "status"], process.env);
  const logs = (): string => "(bridge in-process; see the assertion)";
  /** The bridge's own published value of a state key: what apcaccess must show. */
  const state = (key: string): number => {
    const last = bridge.messages.filter((m) => m.topic === `${bridge.base}/ups/state`).at(-1);
    const value = (JSON.parse(last?.payload ?? "{}") as Record<string, unknown>)[key];
    if (typeof value !== "number") throw new Error(`the bridge has published no number for ${key}`);
    return value;
  };

  beforeAll(async () => {
    requireExecutable(APCACCESS, HINT);
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    bridge = await startNutBridge({ profile: PROFILE, nis: { listen: address } });
  });
  afterAll(async () => bridge?.stop());

  it("shows the unit ONLINE with the model's values", async () => {
    const profile = PROFILES[PROFILE];
    const values = await expectValues(
      "apcaccess: the bridge's UPS ONLINE",
      status,
      {
        STATUS: hasWord("ONLINE"),
        UPSNAME: is("ups"),
        MODEL: is(profile.model),
        SERIALNO: is(profile.serial),
        FIRMWARE: is(profile.firmwareB),
        LINEV: near(bridge.simulator.state.lineVoltage, 0.05),
        BCHARGE: matches(/^\d+\.\d Percent$/),
        TIMELEFT: matches(/^\d+\.\d Minutes$/),
        NUMXFERS: is("0"),
      },
      30_000,
      logs,
    );
    // The same numbers the bridge publishes on MQTT.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const again = await expectValues(
      "apcaccess: values as published",
      status,
      {
        BCHARGE: near(state("battery_capacity"), 0.05),
        LOADPCT: near(state("load_power"), 0.05),
        TIMELEFT: near(state("run_time_remaining"), 0.05),
        BATTV: near(state("battery_voltage"), 0.05),
      },
      10_000,
      logs,
    );
    expect(values.get("MODEL")).toBe(again.get("MODEL"));
    expect((await run(APCACCESS, ["-h", address, "-p", "STATUS"], process.env)).trim()).toBe("ONLINE");
  });

  it("follows a power failure to ONBATT and the return to ONLINE", async () => {
    expect(bridge.simulator.control("power fail")).toMatch(/^ok/);
    await expectValues(
      "apcaccess: ONBATT",
      status,
      { STATUS: hasWord("ONBATT"), NUMXFERS: is("1"), XONBATT: matches(/^\d{4}-\d\d-\d\d /) },
      10_000,
      logs,
    );
    await expectValues(
      "apcaccess: on battery, the line as the UPS reads it",
      status,
      { LINEV: is("0.0 Volts"), LASTXFER: is("Low line voltage"), STATUS: hasWord("ONBATT") },
      10_000,
      logs,
    );
    expect(bridge.simulator.control("power restore")).toMatch(/^ok/);
    await expectValues(
      "apcaccess: ONLINE again",
      status,
      { STATUS: hasWord("ONLINE"), XOFFBATT: matches(/^\d{4}-\d\d-\d\d /) },
      10_000,
      logs,
    );
  });
});
