// The link's state and health on their own (src/link/lifecycle.ts) and the reconnect backoff
// (src/link/reconnect.ts): when the link counts as lost, what a shutdown expectation changes, which
// jobs may still touch the wire, and how the delays between attempts grow and reset.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LinkLifecycle, type LinkState } from "../../src/link/lifecycle.js";
import { Reconnector } from "../../src/link/reconnect.js";
import { Timers } from "../../src/link/timers.js";
import { silentLogger } from "../../src/log.js";
import { isUpsLinkError, UpsLinkError } from "../../src/protocol/errors.js";

function rig(lostAfterFailures = 3) {
  const states: LinkState[] = [];
  const lost: UpsLinkError[] = [];
  let quiet = 0;
  const life = new LinkLifecycle({
    port: "/dev/ttyS9",
    lostAfterFailures,
    log: silentLogger(),
    onState: (state) => states.push(state),
    onLost: (down) => lost.push(down),
    onQuiet: () => {
      quiet++;
    },
  });
  return { life, states, lost, quiet: () => quiet };
}

const silence = new UpsLinkError("timeout", "No reply from the UPS within 1500 ms.");

describe("LinkLifecycle", () => {
  it("is lost after lostAfterFailures unanswered requests in a row, once, naming the port", () => {
    const r = rig(3);
    r.life.begin();
    r.life.connected();
    r.life.failed(silence);
    r.life.failed(silence);
    r.life.succeeded(); // an answer resets the count
    r.life.failed(silence);
    r.life.failed(silence);
    expect(r.life.state).toBe("online");
    r.life.failed(silence);
    expect(r.life.state).toBe("offline");
    expect(r.states).toEqual(["connecting", "online", "offline"]);
    expect(r.lost).toHaveLength(1);
    expect(r.life.lastError?.message).toMatch(/\/dev\/ttyS9 stopped answering \(3 failed requests/);
    r.life.lose(new UpsLinkError("port_closed", "gone"));
    expect(r.lost).toHaveLength(1);
  });

  it("stays up while a shutdown is expected: silence only asks for Y next time", () => {
    const r = rig(1);
    r.life.begin();
    r.life.connected();
    r.life.expectSilence();
    r.life.failed(silence);
    r.life.failed(silence);
    expect(r.life.state).toBe("shutdown_expected");
    expect(r.life.up).toBe(true);
    expect(r.quiet()).toBe(2);
    r.life.succeeded();
    expect(r.states).toEqual(["connecting", "online", "shutdown_expected", "online"]);
  });

  it("ends the turns of a connection when it is lost, and every turn on stop", () => {
    const r = rig();
    r.life.begin();
    r.life.connected();
    const before = r.life.turn();
    expect(before.stale).toBe(false);
    r.life.lose(new UpsLinkError("port_closed", "unplugged"));
    expect(before.stale).toBe(true);
    let error: unknown = null;
    try {
      before.check();
    } catch (e) {
      error = e;
    }
    expect(isUpsLinkError(error) && error.code).toBe("link_down");
    expect(String((error as Error).message)).toContain("unplugged");
    const next = r.life.turn();
    r.life.end();
    expect(next.stale).toBe(true);
    expect(r.life.up).toBe(false);
  });
});

describe("Reconnector", () => {
  let timers: Timers;
  beforeEach(() => {
    vi.useFakeTimers();
    timers = new Timers();
  });
  afterEach(() => {
    timers.clearAll(new Error("test over"));
    vi.useRealTimers();
  });

  it("doubles the delay after each failed attempt up to the maximum, and starts over after success", async () => {
    const attempts: number[] = [];
    let failuresLeft = 5;
    let running = true;
    const start = Date.now();
    const reconnector = new Reconnector(
      timers,
      { reconnectMinMs: 1000, reconnectMaxMs: 5000 },
      silentLogger(),
      {
        running: () => running,
        connect: async () => {
          attempts.push(Date.now() - start);
          if (failuresLeft-- > 0) throw new Error("no port");
          reconnector.reset();
        },
        failed: async () => undefined,
      },
    );
    reconnector.schedule();
    await vi.advanceTimersByTimeAsync(30_000);
    // 1 s, then 2, 4, 5 (capped), 5, 5 after each failure.
    expect(attempts).toEqual([1000, 3000, 7000, 12_000, 17_000, 22_000]);
    // After the success the backoff starts over: the next loss waits the shortest delay again.
    reconnector.schedule();
    await vi.advanceTimersByTimeAsync(1000);
    expect(attempts.at(-1)).toBe(31_000);
    running = false;
    reconnector.schedule();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(attempts).toHaveLength(7);
  });
});
