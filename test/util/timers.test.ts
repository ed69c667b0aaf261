// The timer registry and the typed emitter every long-lived object uses (src/util).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TypedEmitter } from "../../src/util/emitter.js";
import { Timers, TimersCleared } from "../../src/util/timers.js";

describe("Timers", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs timeouts and intervals until cleared, and clears them all at once", () => {
    const timers = new Timers();
    const calls: string[] = [];
    timers.after(100, () => calls.push("after"));
    timers.every(40, () => calls.push("every"));
    const cancelled = timers.after(50, () => calls.push("cancelled"));
    cancelled();
    expect(timers.active).toBe(2);
    vi.advanceTimersByTime(100);
    expect(calls).toEqual(["every", "every", "after"]);
    expect(timers.active).toBe(1);
    timers.clearAll();
    expect(timers.active).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual(["every", "every", "after"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects pending sleeps on clearAll, with the given error or TimersCleared", async () => {
    const timers = new Timers();
    const given = timers.sleep(1000);
    const plain = new Timers();
    const defaulted = plain.sleep(1000);
    const error = new Error("session stopped");
    timers.clearAll(error);
    plain.clearAll();
    await expect(given).rejects.toBe(error);
    await expect(defaulted).rejects.toBeInstanceOf(TimersCleared);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("within: true when the work settles in time (even failing), false on timeout or clearAll", async () => {
    const timers = new Timers();
    await expect(timers.within(Promise.resolve(), 100)).resolves.toBe(true);
    await expect(timers.within(Promise.reject(new Error("x")), 100)).resolves.toBe(true);
    expect(timers.active).toBe(0);

    const late = timers.within(new Promise(() => undefined), 100);
    await vi.advanceTimersByTimeAsync(100);
    await expect(late).resolves.toBe(false);

    const cleared = timers.within(new Promise(() => undefined), 10_000);
    timers.clearAll();
    await expect(cleared).resolves.toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});

interface Events {
  ping: (n: number) => void;
}

class Pinger extends TypedEmitter<Events> {
  ping(n: number): void {
    this.emit("ping", n);
  }
  reset(): void {
    this.clearListeners();
  }
}

describe("TypedEmitter", () => {
  it("calls listeners in order, once() only for the next event, and drops all on clearListeners", () => {
    const pinger = new Pinger();
    const seen: string[] = [];
    const a = (n: number) => seen.push(`a${n}`);
    pinger.on("ping", a);
    pinger.once("ping", (n) => seen.push(`once${n}`));
    const cancel = pinger.once("ping", (n) => seen.push(`cancelled${n}`));
    cancel();
    pinger.ping(1);
    pinger.ping(2);
    expect(seen).toEqual(["a1", "once1", "a2"]);
    expect(pinger.listenerCount("ping")).toBe(1);
    pinger.off("ping", a);
    pinger.ping(3);
    expect(seen).toEqual(["a1", "once1", "a2"]);
    pinger.on("ping", a);
    pinger.reset();
    expect(pinger.listenerCount("ping")).toBe(0);
  });
});
