// Drives a simulator byte by byte under fake timers and collects what it sends.
import { vi } from "vitest";
import { type Profile, type ProfileName, SmartUpsSimulator } from "../../src/simulator/index.js";

export interface Harness {
  readonly sim: SmartUpsSimulator;
  /** Sends text (latin1) to the unit. */
  send(text: string): void;
  /** Everything the unit sent since the last take, as latin1 text. */
  take(): string;
  /** send then take (replies are synchronous without pacing or slow faults). */
  ask(text: string): string;
  advance(ms: number): void;
}

export function harness(profile: ProfileName | Profile = "smartups-3g-120", smart = true): Harness {
  vi.useFakeTimers({ now: new Date("2026-06-16T07:00:00Z") });
  const sim = new SmartUpsSimulator({ profile });
  let out: number[] = [];
  sim.on("data", (bytes) => {
    out.push(...bytes);
  });
  const h: Harness = {
    sim,
    send: (text) => sim.write(Buffer.from(text, "latin1")),
    take: () => {
      const text = Buffer.from(out).toString("latin1");
      out = [];
      return text;
    },
    ask: (text) => {
      h.send(text);
      return h.take();
    },
    advance: (ms) => {
      vi.advanceTimersByTime(ms);
    },
  };
  if (smart) {
    h.advance(200);
    h.take();
    if (h.ask("Y") !== "SM\r\n") throw new Error("no SM");
  }
  return h;
}
