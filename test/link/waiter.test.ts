// The reply slot on its own: one waiter at a time, armed before the write, told apart from replies
// nobody asked for, and freed by a timeout, a disarm or a failure. The frame parser's expectation
// follows it.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Timers } from "../../src/link/timers.js";
import { ReplySlot } from "../../src/link/waiter.js";
import { isUpsLinkError } from "../../src/protocol/errors.js";
import type { ReplyMode } from "../../src/protocol/types.js";

let timers: Timers;
let expected: (ReplyMode | null)[];
let slot: ReplySlot;

beforeEach(() => {
  vi.useFakeTimers();
  timers = new Timers();
  expected = [];
  slot = new ReplySlot((mode) => expected.push(mode), timers);
});

afterEach(() => {
  timers.clearAll(new Error("test over"));
  vi.useRealTimers();
});

function codeOf(error: unknown): string {
  return isUpsLinkError(error) ? error.code : String(error);
}

describe("ReplySlot", () => {
  it("hands a reply that comes before anyone awaits to the waiter armed for it", async () => {
    const waiter = slot.arm("runtime");
    expect(expected).toEqual(["runtime"]);
    // The reply arrives during the write, before the caller starts waiting.
    expect(slot.offer("0123")).toBe("taken");
    expect(waiter.settled).toBe(true);
    expect(await slot.wait(waiter, 1000)).toBe("0123");
    expect(timers.active).toBe(0);
    expect(slot.waiting).toBe(false);
  });

  it("calls a reply with no waiter unsolicited", () => {
    expect(slot.offer("120.0")).toBe("unsolicited");
  });

  it("keeps waiting past replies the waiter does not take, expecting the next one", async () => {
    const waiter = slot.arm("line", (text) => text === "SM");
    expect(slot.offer("120.0")).toBe("ignored");
    expect(expected).toEqual(["line", "line"]);
    expect(waiter.settled).toBe(false);
    expect(slot.offer("SM")).toBe("taken");
    expect(await slot.wait(waiter, 1000)).toBe("SM");
  });

  it("refuses a second waiter while one is armed", () => {
    slot.arm("line");
    expect(() => slot.arm("line")).toThrow(/already on the wire/);
  });

  it("times out, frees the slot and stops expecting a reply", async () => {
    const waiter = slot.arm("line");
    const waiting = slot.wait(waiter, 500);
    waiting.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(499);
    expect(waiter.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await waiting.then(
      () => null,
      (e: unknown) => e,
    );
    expect(codeOf(error)).toBe("timeout");
    expect(slot.waiting).toBe(false);
    expect(expected.at(-1)).toBeNull();
    // The late reply is nobody's now.
    expect(slot.offer("120.0")).toBe("unsolicited");
  });

  it("fails the waiter on fail(), and abandon() leaves the parser's framing alone", async () => {
    const first = slot.arm("verbatim");
    slot.fail(new Error("lost"));
    expect(first.settled).toBe(true);
    await expect(first.promise).rejects.toThrow("lost");
    expect(expected).toEqual(["verbatim", null]);
    const second = slot.arm("line");
    slot.abandon(new Error("write failed"));
    await expect(second.promise).rejects.toThrow("write failed");
    expect(expected).toEqual(["verbatim", null, "line"]);
    expect(slot.waiting).toBe(false);
  });

  it("disarm() ends a wait for a reply that is not coming, only for its own waiter", async () => {
    const waiter = slot.arm("line");
    slot.disarm({ mode: "line", promise: Promise.resolve(""), settled: false });
    expect(slot.waiting).toBe(true);
    slot.disarm(waiter);
    expect(slot.waiting).toBe(false);
    expect(codeOf(await waiter.promise.catch((e: unknown) => e))).toBe("timeout");
  });
});
