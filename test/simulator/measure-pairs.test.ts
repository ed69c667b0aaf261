// Issue 13 item 6: a Measure-UPS whose limits answer one value per side, as real units do (`55,50`,
// `NO,NO`; test/fixtures/real/matrix5000-measure-ups.json), and `-` stepping each side.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeMeasureLimit } from "../../src/protocol/decoders.js";
import { type Harness, harness } from "./harness.js";

let h: Harness | null = null;
afterEach(() => {
  h?.sim.stop();
  h = null;
  vi.useRealTimers();
});

const LIMITS = ["[", "]", "{", "}"] as const;

interface Exchange {
  readonly send: string;
  readonly reply: string;
}

describe("Measure-UPS limits per side (matrix-ups-measure)", () => {
  it("answers [ ] { } with one value per side, as the recorded Matrix-UPS 5000 does", () => {
    h = harness("matrix-ups-measure");
    const fixture = JSON.parse(
      readFileSync(new URL("../fixtures/real/matrix5000-measure-ups.json", import.meta.url), "utf8"),
    ) as { exchanges: Exchange[] };
    const replies = new Map(fixture.exchanges.map((e) => [e.send, e.reply]));
    expect(h.ask("[")).toBe("55,50\r\n");
    // The other three at NO,NO as the recording shows.
    for (const opcode of ["]", "{", "}"]) expect(h.ask(opcode)).toBe(`${replies.get(opcode)}\r\n`);
    for (const opcode of LIMITS) {
      const text = h.ask(opcode).slice(0, -2);
      expect(text).toMatch(/^[0-9NO.]+,[0-9NO.]+$/);
      expect(decodeMeasureLimit(text)).toMatchObject({ ok: true, value: text });
    }
    expect(h.ask("J")).toBe("00,00\r\n");
  });

  it("- steps the first side, and the second when the first comes round (an odometer)", () => {
    h = harness("matrix-ups-measure");
    expect(h.ask("[")).toBe("55,50\r\n");
    const seen: string[] = [];
    for (let step = 0; step < 16; step++) {
      expect(h.ask("-")).toBe("OK\r\n");
      seen.push(h.ask("[").slice(0, -2));
    }
    expect(seen.slice(0, 5)).toEqual(["NO,55", "45,55", "50,55", "55,55", "NO,NO"]);
    // Every combination of the sides' rings once, then back where it started.
    expect(new Set(seen).size).toBe(16);
    expect(seen.at(-1)).toBe("55,50");
    // Stepping another limit leaves this one alone.
    expect(h.ask("{")).toBe("NO,NO\r\n");
    expect(h.ask("-")).toBe("OK\r\n");
    expect(h.ask("{")).toBe("70,NO\r\n");
    expect(h.ask("[")).toBe("55,50\r\n");
  });

  it("raises the alarm from the side with the sensors; NO on that side never does", () => {
    h = harness("matrix-ups-measure");
    h.sim.control("ambient 52");
    // 52 °C is under 55 (the first side), over 50 (the second, which has no sensor).
    expect(h.take()).toBe("");
    expect(h.ask("J")).toBe("00,00\r\n");
    h.sim.control("ambient 57");
    expect(h.take()).toBe("&");
    expect(h.ask("J")).toBe("80,00\r\n");
    // `-` once: NO,55, no upper limit on the first side any more.
    h.ask("[");
    expect(h.ask("-")).toBe("OK\r\n");
    expect(h.ask("[")).toBe("NO,55\r\n");
    expect(h.ask("J")).toBe("00,00\r\n");
  });
});
