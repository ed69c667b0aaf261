// apcupsd's smart driver against the simulator on a real pseudo-terminal, read through its network
// server with apcaccess: identity, ONLINE, ONBATT on a power failure, ONLINE again on return. A
// Smart-UPS v/s, which has no line voltage or charge readings, gets its own smaller set of checks.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROFILES, type ProfileName, SmartUpsSimulator } from "../../src/simulator/index.js";
import { type Pty, serveOnPty } from "../helpers/pty.js";
import {
  above,
  absent,
  expectValues,
  freePort,
  hasWord,
  is,
  near,
  type Proc,
  requireExecutable,
  run,
  start,
} from "./support.js";

const ROOT = process.env.APCUPSD_ROOT ?? "/tmp/apcupsd-x";
const APCUPSD = join(ROOT, "sbin", "apcupsd");
const APCACCESS = join(ROOT, "sbin", "apcaccess");
const HINT =
  "unpack the apcupsd package there (apt-get download apcupsd && dpkg -x apcupsd_*.deb DIR) and set APCUPSD_ROOT; " +
  "it also needs libusb-0.1-4";

// A 3G Smart-UPS replying at once, and an SMT behind an AP9620 card at true 2400 baud with real latency.
// Then units copied from recordings, replying at once (a few seconds each): the SU420INET (level 3,
// its own dump), an RT (locale W, level 4 with 0x04 among its alerts), and an old Smart-UPS 600 that
// has no `a`, `b` or Ctrl-A (apcupsd names it from `V`, as its own example status shows, and reports
// `V` as its firmware).
const CASES: readonly {
  readonly name: ProfileName;
  readonly pacing: boolean;
  /** MODEL when the unit has no Ctrl-A, FIRMWARE when it has no `b`. */
  readonly model?: string;
  readonly firmware?: string;
}[] = [
  { name: "smartups-3g-120", pacing: false },
  { name: "smt-ap9620", pacing: true },
  { name: "smartups-su420", pacing: false },
  { name: "smartups-rt", pacing: false },
  { name: "smartups-600", pacing: false, model: "APC Smart-UPS 600", firmware: "6TD" },
];

/** apcupsd and its network server on a simulated unit for one describe block; apcaccess reads it. */
function apcupsdAgainst(name: ProfileName, pacing: boolean) {
  let dir = "";
  let sim: SmartUpsSimulator | null = null;
  let pty: Pty | null = null;
  const procs: Proc[] = [];
  let address = "";

  beforeAll(async () => {
    requireExecutable(APCUPSD, HINT);
    requireExecutable(APCACCESS, HINT);
    dir = mkdtempSync(join(tmpdir(), "upslink-apcupsd-"));
    for (const sub of ["lock", "scripts", "pwr"]) mkdirSync(join(dir, sub));
    // apcupsd runs SCRIPTDIR/apccontrol on every event: a harmless one.
    writeFileSync(join(dir, "scripts", "apccontrol"), "#!/bin/sh\nexit 0\n");
    chmodSync(join(dir, "scripts", "apccontrol"), 0o755);
    const link = join(dir, "ups0");
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    const conf = join(dir, "apcupsd.conf");
    writeFileSync(
      conf,
      [
        "## apcupsd.conf v1.1 ##",
        "UPSNAME simups",
        "UPSCABLE smart",
        "UPSTYPE apcsmart",
        `DEVICE ${link}`,
        `LOCKFILE ${join(dir, "lock")}`,
        `SCRIPTDIR ${join(dir, "scripts")}`,
        `PWRFAILDIR ${join(dir, "pwr")}`,
        `NOLOGINDIR ${join(dir, "pwr")}`,
        "NETSERVER on",
        "NISIP 127.0.0.1",
        `NISPORT ${port}`,
        `EVENTSFILE ${join(dir, "events")}`,
        `STATFILE ${join(dir, "status")}`,
        "STATTIME 0",
        "LOGSTATS off",
        "ONBATTERYDELAY 0",
        "",
      ].join("\n"),
    );
    sim = new SmartUpsSimulator({ profile: name, pacing });
    pty = await serveOnPty(sim, link);
    // -b: stay in the foreground.
    procs.push(start("apcupsd", APCUPSD, ["-b", "-f", conf], process.env));
  });

  afterAll(async () => {
    for (const proc of procs.reverse()) await proc.kill();
    await pty?.close();
    sim?.stop();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  return {
    sim: (): SmartUpsSimulator => {
      if (sim === null) throw new Error("the simulator is not started");
      return sim;
    },
    status: (): Promise<string> => run(APCACCESS, ["-h", address, "status"], process.env),
    logs: (): string => procs.map((p) => `[${p.name}]\n${p.output()}`).join("\n"),
  };
}

describe.each(CASES)(
  "apcupsd against the simulator ($name, pacing $pacing)",
  ({ name, pacing, model, firmware }) => {
    const profile = PROFILES[name];
    const { sim, status, logs } = apcupsdAgainst(name, pacing);

    it("identifies the unit and reports it ONLINE", async () => {
      // apcupsd fills the identity in over several reads: every value is waited for.
      await expectValues(
        "apcaccess: the simulated unit ONLINE",
        status,
        {
          STATUS: hasWord("ONLINE"),
          MODEL: is(model ?? profile.model?.trim() ?? null),
          SERIALNO: is(profile.serial.replace(/[\0 ]+$/, "")),
          FIRMWARE: is(firmware ?? profile.firmwareB),
          MANDATE: is(profile.manufactureDate),
          LINEV: near(sim().state.lineVoltage, 0.05),
          BCHARGE: above(99),
          HITRANS: is(`${Number(sim().state.settings.upper_transfer_voltage)}.0 Volts`),
        },
        60_000,
        logs,
      );
    });

    it("follows a power failure to ONBATT and the return to ONLINE", async () => {
      expect(sim().control("power fail")).toMatch(/^ok/);
      await expectValues("apcaccess: ONBATT", status, { STATUS: hasWord("ONBATT") }, 30_000, logs);
      expect(sim().control("power restore")).toMatch(/^ok/);
      await expectValues("apcaccess: ONLINE", status, { STATUS: hasWord("ONLINE") }, 30_000, logs);
    });
  },
);

// A Smart-UPS v/s lists only `98~` + "`" + `\x01ynba@YXUSQKGA` in its `a` reply and is silent on the
// rest. apcupsd parses that reply (version field `2)` and all) and asks only what it lists, so it
// names the unit from Ctrl-A, `n` and `b` and follows Q and G, but has no line voltage, charge,
// battery voltage, load, transfer points or manufacture date to report: those stay out of apcaccess.
describe("apcupsd against the simulator (smartups-vs: a Smart-UPS v/s, no readings)", () => {
  const profile = PROFILES["smartups-vs"];
  const { sim, status, logs } = apcupsdAgainst("smartups-vs", false);
  const unread = ["LINEV", "BCHARGE", "BATTV", "LOADPCT", "TIMELEFT", "HITRANS", "LOTRANS", "MANDATE"];

  it("identifies the unit from what it lists and reports it ONLINE", async () => {
    await expectValues(
      "apcaccess: the simulated v/s ONLINE",
      status,
      {
        STATUS: hasWord("ONLINE"),
        MODEL: is(profile.model),
        SERIALNO: is(profile.serial.replace(/[\0 ]+$/, "")),
        FIRMWARE: is(profile.firmwareB),
        // `X` is listed: no self-test has run.
        SELFTEST: is("NO"),
      },
      60_000,
      logs,
    );
  });

  it("follows a power failure to ONBATT and the return to ONLINE, with the cause, and reads nothing unlisted", async () => {
    expect(sim().control("power fail")).toMatch(/^ok/);
    await expectValues("apcaccess: ONBATT", status, { STATUS: hasWord("ONBATT") }, 30_000, logs);
    expect(sim().control("power restore")).toMatch(/^ok/);
    // The cause comes from `G`, which apcupsd reads in the same poll as every reading it has the
    // capability for: once it shows, a poll has run since the failure, so what is still absent is
    // what apcupsd does not read from this unit at all (its capabilities are fixed from `a` at start).
    await expectValues(
      "apcaccess: ONLINE again, the transfer cause read, no reading the unit does not list",
      status,
      {
        STATUS: hasWord("ONLINE"),
        LASTXFER: is("Low line voltage"),
        NUMXFERS: is("1"),
        ...Object.fromEntries(unread.map((key) => [key, absent])),
      },
      30_000,
      logs,
    );
  });
});
