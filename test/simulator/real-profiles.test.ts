// The profiles copied from recorded units answer as the recordings show (test/fixtures/real/ and
// PROTOCOL-NOTES "Real units"): the same `a`, identity and dump bytes, silence where the unit was
// silent, `!` after the OK of D, U and W, and an RT's own alert byte 0x04 on demand (issue 13).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseDump } from "../../src/protocol/dump.js";
import { CHAR_MS, SmartUpsSimulator } from "../../src/simulator/simulator.js";
import { type Harness, harness } from "./harness.js";

interface Capture {
  readonly exchanges: readonly { readonly send: string; readonly reply: string }[];
  readonly silent?: readonly string[];
}
const capture = (file: string): Capture =>
  JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/real", file), "utf8")) as Capture;
const recorded = (file: string, send: string): string => {
  const exchange = capture(file).exchanges.find((e) => e.send === send);
  if (exchange === undefined) throw new Error(`${file} has no ${send}`);
  return exchange.reply;
};

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

describe("Smart-UPS v/s 420i", () => {
  it("answers what the recording shows and nothing where the unit was silent", () => {
    const t = start("smartups-vs");
    for (const send of ["a", "b", "n", "y", "9", "Q"]) {
      expect(t.ask(send), send).toBe(`${recorded("suvs420i-new.json", send)}\r\n`);
    }
    for (const send of capture("suvs420i-new.json").silent ?? []) expect(t.ask(send), send).toBe("");
    // Nor does it answer the commands it does not list, destructive or not.
    for (const send of ["W", "D", "z", "R", "\x1a"]) expect(t.ask(send), JSON.stringify(send)).toBe("");
  });
});

describe("SU420INET", () => {
  it("answers every recorded query as it did", () => {
    const t = start("smartups-su420");
    // Values that move with the simulated load and line, and G before a transfer, are not replayed.
    const moving = new Set(["B", "G", "L", "M", "N", "O", "P", "f", "j"]);
    for (const { send, reply } of capture("su420inet.json").exchanges) {
      if (send === "Y" || moving.has(send)) continue;
      expect(t.ask(send), JSON.stringify(send)).toBe(`${reply}\r\n`);
    }
    expect(t.ask("\x01")).toBe("SMART-UPS 420   \r\n");
  });

  it("sends its dump's rings, for I and every version, with the D items, as NUT read them", () => {
    const t = start("smartups-su420");
    const dump = t.ask("\x1a").replace(/\r\n$/, "");
    expect(dump).toContain("uD43127130133136lD43106103100097uI43253257261265lI43208204200196");
    expect(dump).toContain("oI13230");
    const values = parseDump(dump, "I").values;
    expect(values.upper_transfer_voltage).toEqual(["253", "257", "261", "265"]);
    expect(values.lower_transfer_voltage).toEqual(["208", "204", "200", "196"]);
    expect(values.utility_failure_sensitivity).toEqual(["H", "M", "L"]);
    expect(values.output_voltage_setting).toEqual(["230"]);
    expect(parseDump(dump, "D").values.upper_transfer_voltage).toEqual(["127", "130", "133", "136"]);
  });
});

describe("Smart-UPS RT", () => {
  it("sends the level-4 a of its family, W rings with s = A only, and a space-padded serial", () => {
    const t = start("smartups-rt");
    expect(t.ask("a")).toBe(`${recorded("rt1000xl.json", "a")}\r\n`);
    expect(t.ask("b")).toBe("476.18.W\r\n");
    expect(t.ask("V")).toBe("5YW\r\n");
    expect(t.ask("n")).toBe("B21130002653  \r\n");
    expect(t.ask("l")).toBe("161\r\n");
    expect(t.ask("s")).toBe("A\r\n");
    const dump = t.ask("\x1a").replace(/\r\n$/, "");
    // The start of the RT 10000 XL dump as NUT issue 180 quotes it.
    expect(dump.startsWith("#oW53230240200208220uW43253242265276lW43161196184173")).toBe(true);
    const values = parseDump(dump, "W").values;
    expect(values.utility_failure_sensitivity).toEqual(["A"]);
    expect(values.turn_on_delay).toHaveLength(8);
    expect(values.front_panel_language).toHaveLength(8);
  });

  it("sends its own alert byte 0x04 when told, and no other unit does", () => {
    const t = start("smartups-rt");
    expect(t.sim.control("alert 0x04")).toMatch(/^ok/);
    expect(t.take()).toBe("\x04");
    t.sim.stop();
    const u = start("smartups-3g-120");
    expect(u.sim.control("alert 0x04")).toMatch(/^error: this unit does not list 0x04/);
    expect(u.take()).toBe("");
    expect(u.sim.control("alert 0x21")).toMatch(/^ok/);
    expect(u.take()).toBe("!");
  });

  it("answers B with one decimal for its 192 V battery", () => {
    const t = start("smartups-rt");
    expect(t.ask("g")).toBe("192\r\n");
    expect(t.ask("B")).toMatch(/^2\d\d\.\d\r\n$/);
  });
});

describe("old Smart-UPS 600 (6TD)", () => {
  it("has V 6TD, an 8-digit serial, no a, b, Ctrl-A or Ctrl-Z, and the values apcupsd read", () => {
    const t = start("smartups-600");
    expect(t.ask("V")).toBe("6TD\r\n");
    expect(t.ask("n")).toBe("13035861\r\n");
    expect(t.ask("m")).toBe("03/30/95\r\n");
    expect(t.ask("x")).toBe("05/05/98\r\n");
    for (const send of ["a", "b", "\x01", "\x1a"]) expect(t.ask(send), JSON.stringify(send)).toBe("NA\r\n");
    expect([t.ask("u"), t.ask("l"), t.ask("e"), t.ask("s"), t.ask("k"), t.ask("q")]).toEqual(
      ["129", "106", "10", "M", "L", "05"].map((v) => `${v}\r\n`),
    );
    // Its own 120 V ring steps on from 129, which the catalogue's ring lacks.
    t.ask("u");
    expect(t.ask("-")).toBe("OK\r\n");
    expect(t.ask("u")).toBe("132\r\n");
  });
});

describe("3G Smart-UPS", () => {
  it("list ) + d and > in a, and answer > with 000 without external packs", () => {
    const t = start("smartups-3g-120");
    const commands = t.ask("a").split(".")[2] ?? "";
    for (const c of [")", "+", "d", ">"]) expect(commands, c).toContain(c);
    expect(t.ask(">")).toBe("000\r\n");
  });
});

describe("! after the OK of D, U and W", () => {
  it("comes after the OK even at true baud, where an alert otherwise goes out at once", () => {
    vi.useFakeTimers({ now: new Date("2026-06-16T07:00:00Z") });
    for (const command of ["W", "U", "D"]) {
      const sim = new SmartUpsSimulator({ profile: "smartups-3g-230", pacing: true });
      let out = "";
      sim.on("data", (bytes) => {
        out += Buffer.from(bytes).toString("latin1");
      });
      sim.write(Buffer.from("Y", "latin1"));
      vi.advanceTimersByTime(2000);
      out = "";
      sim.write(Buffer.from(command, "latin1"));
      vi.advanceTimersByTime(1000 + 10 * CHAR_MS);
      sim.stop();
      expect(out, command).toBe("OK\r\n!");
    }
  });
});
