import { afterEach, describe, expect, it, vi } from "vitest";
import { CATALOGUE } from "../../src/protocol/catalogue/index.js";
import { parseDump } from "../../src/protocol/dump.js";
import { PROFILE_NAMES, PROFILES, SmartUpsSimulator } from "../../src/simulator/index.js";
import { CHAR_MS } from "../../src/simulator/simulator.js";
import { type Harness, harness } from "./harness.js";

let h: Harness | null = null;
function start(...args: Parameters<typeof harness>): Harness {
  h = harness(...args);
  return h;
}

afterEach(() => {
  h?.sim.stop();
  h = null;
  vi.useRealTimers();
});

describe("entering smart mode", () => {
  it("sends ? at power-on, ignores everything before Y, then answers", () => {
    const t = start("smartups-3g-120", false);
    t.advance(200);
    expect(t.take()).toBe("?");
    expect(t.ask("QfL\x01")).toBe("");
    expect(t.ask("Y")).toBe("SM\r\n");
    expect(t.ask("Q")).toBe("08\r\n");
    expect(t.sim.received.map((r) => String.fromCharCode(r.byte)).join("")).toBe("QfL\x01YQ");
  });

  it("R answers BYE and needs Y again", () => {
    const t = start();
    expect(t.ask("R")).toBe("BYE\r\n");
    expect(t.ask("Q")).toBe("");
    expect(t.ask("Y")).toBe("SM\r\n");
    expect(t.ask("Q")).toBe("08\r\n");
  });
});

describe("every query of the catalogue", () => {
  for (const name of PROFILE_NAMES) {
    it(`${name}: supported queries decode, others answer NA`, () => {
      const t = start(name);
      const profile = PROFILES[name];
      for (const row of CATALOGUE) {
        if (row.kind !== "query" && row.kind !== "setting") continue;
        const byte = row.wire.bytes[0];
        if (byte === undefined || row.wire.bytes.length !== 1) continue;
        const reply = t.ask(String.fromCharCode(byte));
        const supported = profile.commands.includes(String.fromCharCode(byte));
        if (!supported) {
          expect(reply, row.id).toBe(profile.unsupported === "NA" ? "NA\r\n" : "");
          continue;
        }
        expect(reply.endsWith("\r\n"), `${row.id}: ${JSON.stringify(reply)}`).toBe(true);
        const text = reply.slice(0, -2);
        if (text === "NA" || (text === "NO" && profile.refusedSettings.includes(String.fromCharCode(byte)))) {
          continue;
        }
        if (row.decode !== null) {
          const decoded = row.decode(text);
          expect(decoded.ok, `${name} ${row.id} ${JSON.stringify(text)}: ${JSON.stringify(decoded)}`).toBe(
            true,
          );
        }
        // A setting answers a value of its ring: the unit's own (recorded profiles) or the catalogue's.
        const setting = t.sim.settings.find((s) => s.id === row.id);
        if (row.kind === "setting" && setting !== undefined && setting.entry === "ring") {
          expect(setting.ring, `${name} ${row.id}`).toContain(text);
        }
      }
    });
  }

  it("j ends with a colon and is >>>>: when the runtime cannot be determined", () => {
    const t = start();
    expect(t.ask("j")).toMatch(/^\d{4}:\r\n$/);
    t.sim.control("load 0");
    expect(t.ask("j")).toBe(">>>>:\r\n");
  });

  it("M and N reset on every read", () => {
    const t = start();
    t.sim.control("line 125");
    t.sim.control("line 112");
    t.sim.control("line 118");
    expect(t.ask("M")).toBe("125.0\r\n");
    expect(t.ask("N")).toBe("112.0\r\n");
    expect(t.ask("M")).toBe("118.0\r\n");
    expect(t.ask("N")).toBe("118.0\r\n");
  });

  it("voltages follow the locale", () => {
    const us = start("smartups-3g-120");
    expect(Number.parseFloat(us.ask("L"))).toBeGreaterThan(110);
    expect(Number.parseFloat(us.ask("L"))).toBeLessThan(130);
    expect(us.ask("F")).toBe("60.00\r\n");
    us.sim.stop();
    const eu = start("smartups-3g-230");
    expect(Number.parseFloat(eu.ask("L"))).toBeGreaterThan(220);
    expect(eu.ask("F")).toBe("50.00\r\n");
    expect(eu.ask("o")).toBe("230\r\n");
  });

  it("a lists level, alerts and the command bytes, control characters included", () => {
    const t = start();
    const reply = t.ask("a");
    expect(reply).toMatch(/^3\.!\$%\+\?=#\|\..*\r\n$/s);
    const commands = reply.slice(0, -2).split(".")[2] ?? "";
    expect(commands).toContain("\x01");
    expect(commands).toContain("\x1a");
    expect(commands).toContain("\x7f");
    expect(commands).toContain("Q");
    expect(commands).not.toContain("^");
  });

  it("a on protocol level 4 carries a fourth field with bytes at or above 0x80", () => {
    const t = start("smt-ap9620");
    const fields = t.ask("a").slice(0, -2).split(".");
    expect(fields[0]).toBe("4");
    expect([...(fields[3] ?? "")].every((c) => c.charCodeAt(0) >= 0x80)).toBe(true);
    expect(t.ask("b")).toBe("UPS 09.3 / ID=18\r\n");
  });

  it("n is NUL-padded on the old profile and the old profile has no a, b or Ctrl-Z", () => {
    const t = start("smartups-old");
    expect(t.ask("n")).toBe("NS9912003456\0\0\r\n");
    expect(t.ask("a")).toBe("NA\r\n");
    expect(t.ask("b")).toBe("NA\r\n");
    expect(t.ask("\x1a")).toBe("NA\r\n");
    expect(t.ask("V")).toBe("IWI\r\n");
  });

  it("a silent profile says nothing to what it lacks", () => {
    const t = start({ ...PROFILES["smartups-old"], unsupported: "silent" });
    expect(t.ask("a")).toBe("");
    expect(t.ask("Q")).toBe("08\r\n");
  });
});

describe("Ctrl-Z", () => {
  it("lists the rings with the locale letters, readable by the dump parser", () => {
    const t = start("smartups-3g-230");
    const reply = t.ask("\x1a");
    expect(reply.startsWith("#")).toBe(true);
    expect(reply.startsWith("##")).toBe(false);
    const parsed = parseDump(reply.slice(0, -2), "I");
    expect(parsed.skipped).toEqual([]);
    const upper = t.sim.settings.find((s) => s.id === "upper_transfer_voltage");
    expect(parsed.values.upper_transfer_voltage).toEqual(upper?.ring);
    expect(parsed.values.auto_battery_test_setting).toEqual(["336", "168", "ON ", "OFF"]);
    expect(reply).toContain("uD4");
  });

  it("starts with ## on Matrix-UPS and leaves out what Matrix refuses", () => {
    const t = start("matrix-ups");
    const reply = t.ask("\x1a").slice(0, -2);
    expect(reply.startsWith("##")).toBe(true);
    const parsed = parseDump(reply, "I");
    expect(parsed.skipped).toEqual([]);
    expect(parsed.values.run_time_conservation).toEqual(["NO", "02", "05", "08"]);
    expect(parsed.values.lower_transfer_voltage).toBeUndefined();
    expect(t.ask("l")).toBe("NO\r\n");
  });
});

describe("line and battery transitions", () => {
  it("! on failure, repeated every 30 s until low battery, then % and no more !", () => {
    const t = start();
    t.sim.control("load 100");
    t.sim.control("power fail");
    expect(t.take()).toBe("!");
    expect(t.ask("Q")).toBe("10\r\n");
    expect(t.ask("L")).toBe("000.0\r\n");
    expect(t.ask("G")).toBe("L\r\n");
    t.advance(30_000);
    expect(t.take()).toBe("!");
    t.advance(30_000);
    expect(t.take()).toBe("!");
    t.sim.control("battery 10");
    expect(t.take()).toBe("%");
    expect(t.ask("Q")).toBe("50\r\n");
    t.advance(60_000);
    expect(t.take()).toBe("");
  });

  it("$ on return, then + once recharged", () => {
    const t = start();
    t.sim.control("power fail");
    t.sim.control("battery 2");
    expect(t.take()).toBe("!%");
    t.sim.control("power restore");
    expect(t.take()).toBe("$");
    expect(t.ask("Q")).toBe("48\r\n");
    t.advance(20 * 60_000);
    expect(t.take()).toBe("+");
    expect(t.ask("Q")).toBe("08\r\n");
  });

  it("discharges over time and the runtime falls with the charge", () => {
    const t = start();
    const before = Number.parseInt(t.ask("j"), 10);
    t.sim.control("power fail");
    t.advance(5 * 60_000);
    t.take();
    const charge = Number.parseFloat(t.ask("f"));
    const after = Number.parseInt(t.ask("j"), 10);
    expect(charge).toBeLessThan(100);
    expect(after).toBeLessThan(before);
    expect(Number.parseFloat(t.ask("B"))).toBeLessThan(27);
  });

  it("a low-battery shutdown turns the output off and the unit goes quiet until power returns", () => {
    const t = start();
    t.sim.control("power fail");
    t.sim.control("battery 0");
    expect(t.take()).toBe("!%?");
    expect(t.sim.state.alive).toBe(false);
    expect(t.ask("Q")).toBe("");
    t.sim.control("power restore");
    t.advance(200);
    expect(t.take()).toBe("?");
    expect(t.ask("Q")).toBe("");
    expect(t.ask("Y")).toBe("SM\r\n");
    expect(t.ask("Q")).toBe("48\r\n");
  });

  it("a line voltage beyond the transfer voltage is a transfer with that cause", () => {
    const t = start();
    t.sim.control("line 140");
    expect(t.take()).toBe("!");
    expect(t.ask("G")).toBe("H\r\n");
    t.sim.control("line 126");
    expect(t.take()).toBe("$");
    expect(t.ask("Q")).toBe("0A\r\n");
  });
});

describe("two-press commands", () => {
  it("K twice more than 1.5 s apart turns off after the shutdown delay; DEL aborts during the delay", () => {
    const t = start();
    expect(t.ask("K")).toBe("");
    t.advance(1600);
    expect(t.ask("K")).toBe("OK\r\n");
    expect(t.ask("\x7f")).toBe("OK\r\n");
    t.advance(30_000);
    expect(t.ask("Q")).toBe("08\r\n");
    expect(t.ask("\x7f")).toBe("NO\r\n");
    t.ask("K");
    t.advance(1600);
    expect(t.ask("K")).toBe("OK\r\n");
    t.advance(20_000);
    expect(t.ask("Q")).toBe("00\r\n");
  });

  it("a second press too soon starts the window again", () => {
    const t = start();
    expect(t.ask("Z")).toBe("");
    t.advance(1000);
    expect(t.ask("Z")).toBe("");
    t.advance(1000);
    expect(t.ask("Z")).toBe("");
    t.advance(1600);
    expect(t.ask("Z")).toBe("OK\r\n");
    expect(t.ask("Q")).toBe("00\r\n");
  });

  it("another byte in the gap cancels the command", () => {
    const t = start();
    t.ask("Z");
    t.advance(800);
    expect(t.ask("Q")).toBe("08\r\n");
    t.advance(800);
    expect(t.ask("Z")).toBe("");
    expect(t.sim.state.outputOn).toBe(true);
  });

  it("Ctrl-N twice turns the output back on", () => {
    const t = start();
    t.ask("Z");
    t.advance(1600);
    t.ask("Z");
    expect(t.ask("\x0e")).toBe("");
    t.advance(1600);
    expect(t.ask("\x0e")).toBe("OK\r\n");
    expect(t.ask("Q")).toBe("08\r\n");
  });

  it("old units answer K with a bare * and then stop answering", () => {
    const t = start("smartups-old");
    t.ask("K");
    t.advance(1600);
    expect(t.ask("K")).toBe("*");
    expect(t.ask("Q")).toBe("");
  });
});

describe("S, @ddd and DEL", () => {
  it("S answers NA on line", () => {
    const t = start();
    expect(t.ask("S")).toBe("NA\r\n");
  });

  it("S on battery: K U W Z @ - answer NA, the output goes off and returns with the utility", () => {
    const t = start();
    t.sim.control("power fail");
    t.take();
    expect(t.ask("S")).toBe("OK\r\n");
    expect(t.ask("U")).toBe("NA\r\n");
    expect(t.ask("W")).toBe("NA\r\n");
    expect(t.ask("@")).toBe("NA\r\n");
    expect(t.ask("u-")).toBe("127\r\nNA\r\n");
    t.ask("K");
    t.advance(1600);
    expect(t.ask("K")).toBe("NA\r\n");
    t.advance(20_000);
    expect(t.sim.state.outputOn).toBe(false);
    expect(t.ask("Q")).toBe("");
    t.sim.control("power restore");
    t.advance(200);
    expect(t.take()).toBe("?");
    t.ask("Y");
    expect(t.ask("Q")).toBe("08\r\n");
  });

  it("DEL aborts a pending S", () => {
    const t = start();
    t.sim.control("power fail");
    t.ask("S");
    expect(t.ask("\x7f")).toBe("OK\r\n");
    t.advance(30_000);
    expect(t.sim.state.outputOn).toBe(true);
  });

  it("@ddd sleeps after the shutdown delay and wakes after tenths of an hour plus the turn-on delay", () => {
    const t = start();
    expect(t.ask("@")).toBe("");
    expect(t.ask("0")).toBe("");
    expect(t.ask("0")).toBe("");
    expect(t.ask("2")).toBe("OK\r\n");
    t.advance(20_000);
    expect(t.ask("Q")).toBe("00\r\n");
    expect(t.ask("8")).toBe("08\r\n");
    t.advance(12 * 60_000 - 1000);
    expect(t.ask("Q")).toBe("00\r\n");
    t.advance(2000);
    expect(t.ask("Q")).toBe("08\r\n");
    expect(t.ask("8")).toBe("00\r\n");
  });

  it("@ followed by a non-digit is ignored and the byte runs as a command", () => {
    const t = start();
    expect(t.ask("@Q")).toBe("08\r\n");
    t.advance(60_000);
    expect(t.sim.state.outputOn).toBe(true);
  });

  it("DEL wakes a sleeping unit", () => {
    const t = start();
    t.ask("@010");
    t.advance(20_000);
    expect(t.ask("Q")).toBe("00\r\n");
    expect(t.ask("\x7f")).toBe("OK\r\n");
    expect(t.ask("Q")).toBe("08\r\n");
  });
});

describe("tests and calibration", () => {
  it("W runs ~8 s on battery with G = S, then X holds the result for 5 minutes", () => {
    const t = start();
    expect(t.ask("X")).toBe("NO\r\n");
    // Real units send ! right after the OK of W, and $ when the test ends.
    expect(t.ask("W")).toBe("OK\r\n!");
    expect(t.ask("Q")).toBe("10\r\n");
    expect(t.ask("G")).toBe("S\r\n");
    t.advance(8000);
    expect(t.take()).toBe("$");
    expect(t.ask("Q")).toBe("08\r\n");
    expect(t.ask("X")).toBe("OK\r\n");
    t.advance(5 * 60_000 + 1000);
    expect(t.ask("X")).toBe("NO\r\n");
  });

  it("a bad battery fails the test with BT and # repeats every 5 h", () => {
    const t = start();
    t.sim.control("fault bad-battery on");
    t.ask("W");
    t.advance(8000);
    expect(t.take()).toBe("$#");
    expect(t.ask("X")).toBe("BT\r\n");
    expect(t.ask("Q")).toBe("88\r\n");
    t.advance(5 * 3600_000);
    expect(t.take()).toContain("#");
  });

  it("U is a brief transfer announced by ! and $", () => {
    const t = start();
    expect(t.ask("U")).toBe("OK\r\n!");
    t.advance(3000);
    expect(t.take()).toBe("$");
  });

  it("D only at 100 %, a second D stops it, and the Q calibration bit shows it", () => {
    const t = start();
    t.sim.control("battery 90");
    expect(t.ask("D")).toBe("NO\r\n");
    t.sim.control("battery 100");
    // Real units send ! right after the OK of D; $ when the calibration is stopped.
    expect(t.ask("D")).toBe("OK\r\n!");
    expect(t.ask("Q")).toBe("11\r\n");
    expect(t.ask("W")).toBe("NA\r\n");
    expect(t.ask("D")).toBe("OK\r\n$");
    expect(t.ask("Q")).toBe("08\r\n");
  });
});

describe("EEPROM edits", () => {
  it("- steps the ring of the setting queried last, | follows about 5 s later", () => {
    const t = start();
    expect(t.ask("u")).toBe("127\r\n");
    expect(t.ask("-")).toBe("OK\r\n");
    expect(t.ask("u")).toBe("130\r\n");
    t.advance(5000);
    expect(t.take()).toBe("|");
  });

  it("walks a ring that repeats a value (H M L L)", () => {
    const t = start();
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push(t.ask("s").trim());
      expect(t.ask("-")).toBe("OK\r\n");
    }
    expect(seen).toEqual(["H", "M", "L", "L", "H"]);
  });

  it("- without a setting answers NA; with a DIP switch on it answers NO", () => {
    const t = start();
    expect(t.ask("Q-")).toBe("08\r\nNA\r\n");
    t.sim.control("dip 1");
    expect(t.ask("p-")).toBe("020\r\nNO\r\n");
    expect(t.ask("p")).toBe("020\r\n");
  });

  it("c and x take exactly 8 characters after -, without -", () => {
    const t = start();
    expect(t.ask("c")).toBe("UPS_IDEN\r\n");
    expect(t.ask("-")).toBe("");
    expect(t.ask("RACK_01")).toBe("");
    expect(t.ask(" ")).toBe("OK\r\n");
    expect(t.ask("c")).toBe("RACK_01 \r\n");
    expect(t.ask("c-AB-CD-EF")).toBe("RACK_01 \r\nNO\r\n");
    expect(t.ask("x-06/16/26")).toBe("07/31/09\r\nOK\r\n");
    expect(t.ask("x")).toBe("06/16/26\r\n");
  });

  it("z resets every setting but c and x", () => {
    const t = start();
    t.ask("u-");
    t.ask("c-MY_UPS_1");
    expect(t.ask("z")).toBe("CLEAR\r\n");
    expect(t.ask("u")).toBe("127\r\n");
    expect(t.ask("c")).toBe("MY_UPS_1\r\n");
  });
});

describe("Measure-UPS", () => {
  it("& when the ambient leaves its limits, every 2 minutes while it lasts, J tells why (per side, as real units)", () => {
    const t = start("smartups-3g-measure");
    // Real units answer one byte per side (`0F,00`, PROTOCOL-NOTES "Real units").
    expect(t.ask("J")).toBe("00,00\r\n");
    t.sim.control("ambient 40");
    expect(t.take()).toBe("&");
    expect(t.ask("J")).toBe("80,00\r\n");
    t.advance(2 * 60_000);
    expect(t.take()).toBe("&");
    t.sim.control("ambient 25");
    t.advance(2 * 60_000);
    expect(t.take()).toBe("");
  });
});

describe("Matrix-UPS", () => {
  it("^ toggles bypass, / and \\ answer, R is not supported", () => {
    const t = start("matrix-ups");
    expect(t.ask("^")).toBe("BYP\r\n");
    expect(t.ask("~")).toBe("08\r\n");
    expect(t.ask("^")).toBe("INV\r\n");
    expect(t.ask("/")).toMatch(/^\d\d\.\d\d\r\n$/);
    expect(t.ask("\\")).toMatch(/^\d{3}\.\d\d\r\n$/);
    expect(t.ask("R")).toBe("NA\r\n");
  });
});

describe("faults", () => {
  it("fault na, sm-to-q, alert-mid-reply and silent", () => {
    const t = start();
    t.sim.control("fault na on");
    expect(t.ask("Q")).toBe("NA\r\n");
    expect(t.ask("Y")).toBe("SM\r\n");
    t.sim.control("fault na off");
    t.sim.control("fault sm-to-q on");
    expect(t.ask("Q")).toBe("SM\r\n");
    t.sim.control("fault sm-to-q off");
    t.sim.control("fault alert-mid-reply on !");
    expect(t.ask("g")).toBe("0!24\r\n");
    t.sim.control("fault alert-mid-reply off");
    t.sim.control("silent on");
    expect(t.ask("Q")).toBe("");
    t.sim.control("silent off");
    expect(t.ask("Q")).toBe("08\r\n");
  });

  it("fault na-to answers NA to the listed commands only, every time", () => {
    const t = start();
    expect(t.sim.control("fault na-to ~n")).toBe("ok: na-to ~n");
    for (let round = 0; round < 3; round++) {
      expect(t.ask("~")).toBe("NA\r\n");
      expect(t.ask("n")).toBe("NA\r\n");
      expect(t.ask("Q")).toBe("08\r\n");
    }
    expect(t.sim.control("fault na-to")).toMatch(/^error/);
    expect(t.sim.control("fault na-to off")).toBe("ok: na-to off");
    expect(t.ask("~")).toMatch(/^[0-9A-F]{2}\r\n$/);
  });

  it("fault slow delays replies", () => {
    const t = start();
    t.sim.control("fault slow 500");
    expect(t.ask("Q")).toBe("");
    t.advance(499);
    expect(t.take()).toBe("");
    t.advance(1);
    expect(t.take()).toBe("08\r\n");
  });

  it("fault pacing sends one character per 4.17 ms after a short latency", () => {
    const t = start();
    t.sim.control("fault pacing on");
    t.send("n");
    let first = "";
    let waited = 0;
    while (first === "" && waited < 500) {
      t.advance(1);
      waited += 1;
      first = t.take();
    }
    expect(first).toHaveLength(1);
    expect(waited).toBeGreaterThanOrEqual(20);
    t.advance(Math.floor(CHAR_MS * 4));
    const next = t.take();
    expect(next.length).toBeGreaterThanOrEqual(3);
    expect(next.length).toBeLessThanOrEqual(4);
    t.advance(200);
    expect(first + next + t.take()).toBe("AS0931234567\r\n");
  });

  it("fault garbage sends bursts of bytes", () => {
    const t = start();
    expect(t.sim.control("fault garbage")).toMatch(/^ok/);
    expect(t.take().length).toBeGreaterThanOrEqual(8);
    t.sim.control("fault garbage on");
    t.take();
    t.advance(5000);
    expect(t.take().length).toBeGreaterThanOrEqual(8);
    t.sim.control("fault garbage off");
    t.advance(10_000);
    expect(t.take()).toBe("");
  });
});

describe("control language", () => {
  it("answers one line, errors on nonsense without throwing, status is JSON", () => {
    const t = start();
    expect(t.sim.control("frobnicate")).toMatch(/^error: /);
    expect(t.sim.control("battery 200")).toMatch(/^error: /);
    expect(t.sim.control("fault nothing")).toMatch(/^error: /);
    expect(t.sim.control("help")).not.toContain("\n");
    expect(t.sim.control("load 55")).toMatch(/^ok/);
    const status = JSON.parse(t.sim.control("status")) as { load: number; outputOn: boolean };
    expect(status.load).toBe(55);
    expect(status.outputOn).toBe(true);
  });
});

describe("profiles", () => {
  it("have distinct serial numbers (12 characters, 8 digits on the old 6TD), and a serial can be overridden", () => {
    const serials = PROFILE_NAMES.map((name) => PROFILES[name].serial.replace(/[\0 ]+$/, ""));
    expect(new Set(serials).size).toBe(serials.length);
    for (const serial of serials) expect(serial).toMatch(/^([A-Z0-9]{12}|\d{8})$/);
    expect(PROFILES["smartups-600"].serial).toMatch(/^\d{8}$/);
    vi.useFakeTimers();
    const sim = new SmartUpsSimulator({ profile: "smartups-3g-230", serial: "ZZ2601000001" });
    const out: number[] = [];
    sim.on("data", (bytes) => out.push(...bytes));
    sim.write(Buffer.from("Yn", "latin1"));
    sim.stop();
    expect(Buffer.from(out).toString("latin1")).toBe("SM\r\nZZ2601000001\r\n");
  });
});
