// NUT's apcsmart driver and upsd against the simulator on a real pseudo-terminal: the driver must
// identify the unit and follow a power failure and its return, as it does with a real Smart-UPS. A
// Smart-UPS v/s, whose `a` reply NUT does not parse, gets its own smaller set of checks.
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
  matches,
  near,
  type Proc,
  requireExecutable,
  run,
  start,
} from "./support.js";

const DRIVER = "/lib/nut/apcsmart";
// /sbin/upsd on Debian is a wrapper that reads /etc/nut/nut.conf; the daemon itself is here.
const UPSD = "/lib/nut/upsd";
const UPSC = "/bin/upsc";
const HINT = "install NUT (Debian: apt-get install nut-server nut-client)";

// A 3G Smart-UPS replying at once, and an SMT behind an AP9620 card at true 2400 baud with real latency.
// NUT validates `b` against the SKU.firmware.locale form and drops the AP9620 form (and V is not
// answered there), so it reports no ups.firmware for that unit: what users of such units see.
// Then units copied from recordings, replying at once (a few seconds each): the SU420INET (level 3,
// its own dump), an RT (locale W, level 4 with 0x04 among its alerts), and an old Smart-UPS 600 that
// has no `a` (NUT finds it in its table for 6TD and reports `V` as its firmware; no Ctrl-A, so no
// model of its own).
const CASES: readonly {
  readonly name: ProfileName;
  readonly pacing: boolean;
  readonly firmware: string | undefined;
  /** ups.model when the unit has no Ctrl-A (null: the profile's model). */
  readonly model?: string;
  /**
   * Whether NUT reports the transfer cause: it drops `G` for good when `G` answers NA at start, as an
   * old unit does before its first transfer (PROTOCOL-NOTES "Values").
   */
  readonly transferReason?: boolean;
}[] = [
  { name: "smartups-3g-120", pacing: false, firmware: "601.3.D" },
  { name: "smt-ap9620", pacing: true, firmware: undefined },
  { name: "smartups-su420", pacing: false, firmware: "21.3.I" },
  { name: "smartups-rt", pacing: false, firmware: "476.18.W" },
  { name: "smartups-600", pacing: false, firmware: "6TD", model: "Smart-UPS", transferReason: false },
];

/** NUT's apcsmart driver and upsd on a simulated unit for one describe block; upsc reads it. */
function nutAgainst(name: ProfileName, pacing: boolean) {
  let dir = "";
  let sim: SmartUpsSimulator | null = null;
  let pty: Pty | null = null;
  const procs: Proc[] = [];
  let env: NodeJS.ProcessEnv = {};
  let target = "";

  beforeAll(async () => {
    requireExecutable(DRIVER, HINT);
    requireExecutable(UPSD, HINT);
    requireExecutable(UPSC, HINT);
    dir = mkdtempSync(join(tmpdir(), "upslink-nut-"));
    const conf = join(dir, "conf");
    const state = join(dir, "state");
    mkdirSync(conf);
    mkdirSync(state);
    chmodSync(state, 0o700);
    const link = join(dir, "ups0");
    const port = await freePort();
    writeFileSync(join(conf, "nut.conf"), "MODE=standalone\n");
    writeFileSync(join(conf, "ups.conf"), `user = root\n\n[ups]\n  driver = apcsmart\n  port = ${link}\n`);
    writeFileSync(join(conf, "upsd.conf"), `LISTEN 127.0.0.1 ${port}\n`, { mode: 0o600 });
    writeFileSync(join(conf, "upsd.users"), "", { mode: 0o600 });
    env = { ...process.env, NUT_CONFPATH: conf, NUT_STATEPATH: state };
    target = `ups@127.0.0.1:${port}`;
    sim = new SmartUpsSimulator({ profile: name, pacing });
    pty = await serveOnPty(sim, link);
    // -D keeps the driver in the foreground (and logs what it does).
    procs.push(start("apcsmart", DRIVER, ["-a", "ups", "-D", "-u", "root"], env));
    procs.push(start("upsd", UPSD, ["-D", "-u", "root"], env));
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
    upsc: (): Promise<string> => run(UPSC, [target], env),
    /** What the driver wrote (its notices and -D debug lines). */
    driverOutput: (): string => procs.find((p) => p.name === "apcsmart")?.output() ?? "",
    logs: (): string => procs.map((p) => `[${p.name}]\n${p.output()}`).join("\n"),
  };
}

describe.each(CASES)(
  "NUT apcsmart against the simulator ($name, pacing $pacing)",
  ({ name, pacing, firmware, model, transferReason = true }) => {
    const profile = PROFILES[name];
    const { sim, upsc, logs } = nutAgainst(name, pacing);

    it("identifies the unit and reports it on line", async () => {
      // upsd serves nothing from a driver until the driver is up, and NUT's driver main starts serving
      // only after its initial read (upsdrv_initinfo, which asks for `b` and `V`) and a first update:
      // once upsc lists anything, a firmware that is not there is not coming.
      await expectValues(
        "upsc: the simulated unit on line",
        upsc,
        {
          "ups.status": is("OL"),
          "ups.model": is(model ?? profile.model?.trim() ?? null),
          "ups.serial": is(profile.serial.replace(/[\0 ]+$/, "")),
          "ups.firmware": firmware === undefined ? absent : is(firmware),
          "battery.charge": above(99),
          "input.voltage": near(sim().state.lineVoltage, 0.05),
          "output.voltage": above(110),
          "input.transfer.high": is(sim().state.settings.upper_transfer_voltage ?? null),
        },
        60_000,
        logs,
      );
    });

    it("follows a power failure to OB and the return to OL", async () => {
      expect(sim().control("power fail")).toMatch(/^ok/);
      // apcsmart reads status (Q), input voltage (L) and the transfer reason (G) at different points of
      // its poll: each is waited for, none is assumed from another being there.
      await expectValues(
        "upsc: on battery after a power failure",
        upsc,
        {
          "ups.status": hasWord("OB"),
          "input.voltage": is("000.0"),
          ...(transferReason ? { "input.transfer.reason": matches(/low/i) } : {}),
        },
        30_000,
        logs,
      );
      expect(sim().control("power restore")).toMatch(/^ok/);
      await expectValues("upsc: on line again", upsc, { "ups.status": is("OL") }, 30_000, logs);
    });
  },
);

// A Smart-UPS v/s answers `a` with `2).?=*%+#!$.98~` + "`" + `\x01ynba@YXUSQKGA`. NUT 2.8's apcsmart
// checks that reply against APC_CMDSET_FMT (`^[0-9]\.[^.]*\.[^.]+(\.[^.]+)?$`: one digit, then a
// dot); `2)` fails it, so the driver logs "very old or unknown APC model, support will be limited"
// and falls back to oldapcsetup(), which tries a fixed list of readings (C P L O f B, Ctrl-A n b /)
// and keeps those that answer. The v/s is silent on `V` (NUT's first firmware lookup) and on all of
// that list but Ctrl-A, `n` and `b`: each silence costs the driver its 3 s read timeout (8 of them,
// about 24 s before upsd serves anything, as with a real v/s), and NUT then reports the unit's name,
// serial, firmware and Q status, and nothing measured. It does not read `G` in that mode, so it gives
// no transfer cause.
describe("NUT apcsmart against the simulator (smartups-vs: a Smart-UPS v/s, limited support)", () => {
  const profile = PROFILES["smartups-vs"];
  const { sim, upsc, driverOutput, logs } = nutAgainst("smartups-vs", false);
  const unread = [
    "input.voltage",
    "output.voltage",
    "battery.charge",
    "battery.voltage",
    "ups.load",
    "ups.temperature",
    "input.transfer.reason",
  ];

  it("identifies the unit in NUT's limited mode and reports it on line with no readings", async () => {
    // upsd serves the driver only after upsdrv_initinfo, where oldapcsetup() decided once and for all
    // which readings exist: once upsc lists anything, what is absent is never read.
    await expectValues(
      "upsc: the simulated v/s on line, identity only",
      upsc,
      {
        "ups.status": is("OL"),
        "ups.mfr": is("APC"),
        "ups.model": is(profile.model),
        "ups.serial": is(profile.serial.replace(/[\0 ]+$/, "")),
        "ups.firmware": is(profile.firmwareB),
        ...Object.fromEntries(unread.map((key) => [key, absent])),
      },
      60_000,
      logs,
    );
    expect(driverOutput()).toContain("very old or unknown APC model, support will be limited");
  });

  it("follows a power failure to OB and the return to OL", async () => {
    expect(sim().control("power fail")).toMatch(/^ok/);
    await expectValues(
      "upsc: on battery after a power failure",
      upsc,
      { "ups.status": hasWord("OB") },
      30_000,
      logs,
    );
    expect(sim().control("power restore")).toMatch(/^ok/);
    await expectValues(
      "upsc: on line again, still no readings",
      upsc,
      { "ups.status": is("OL"), ...Object.fromEntries(unread.map((key) => [key, absent])) },
      30_000,
      logs,
    );
  });
});
