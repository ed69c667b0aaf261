// As PID 1 in the container the bridge gets SIGTERM from `docker stop` (and the add-on from the
// Supervisor) at any moment, including while the broker is still unreachable at start-up: it must
// stop with exit code 0 then too, not wait for Docker's SIGKILL.
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../helpers/broker.js";
import { waitUntil } from "../helpers/wait.js";
import { type BridgeProcess, ensureBuilt, killBridge, startBridge } from "./bridge-process.js";

async function untilOutput(bridge: BridgeProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  const failure = () => `no ${pattern} in the bridge's output:\n${bridge.output()}`;
  await waitUntil(
    `${pattern} in the bridge's output`,
    () => {
      if (pattern.test(bridge.output())) return true;
      if (bridge.child.exitCode !== null) throw new Error(`the bridge exited; ${failure()}`);
      return false;
    },
    { timeoutMs, intervalMs: 50, context: failure },
  );
}

/** The exit, or a failure naming the hang (bounds a failing test; not a timed assertion). */
async function exitOf(bridge: BridgeProcess, signal: NodeJS.Signals, guardMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still running ${guardMs} ms after ${signal}:\n${bridge.output()}`)),
      guardMs,
    );
  });
  try {
    return await Promise.race([bridge.stop(signal), guard]);
  } finally {
    clearTimeout(timer);
  }
}

describe("stop signals", () => {
  let bridge: BridgeProcess | undefined;
  afterEach(async () => {
    await killBridge(bridge);
  });

  it("SIGTERM while the broker is unreachable stops the bridge with exit code 0", async () => {
    ensureBuilt();
    const port = await freePort(); // nothing listens there
    bridge = startBridge({
      env: { UPSLINK_UPS_PORT: "sim://smartups-3g-120", UPSLINK_MQTT_URL: `mqtt://127.0.0.1:${port}` },
    });
    await untilOutput(bridge, /MQTT broker unreachable/, 20_000);
    expect(await exitOf(bridge, "SIGTERM", 20_000)).toEqual({ code: 0, signal: null });
  }, 90_000);

  it("SIGINT (Ctrl-C) does the same", async () => {
    ensureBuilt();
    const port = await freePort();
    bridge = startBridge({
      env: { UPSLINK_UPS_PORT: "sim://smartups-3g-120", UPSLINK_MQTT_URL: `mqtt://127.0.0.1:${port}` },
    });
    await untilOutput(bridge, /MQTT broker unreachable/, 20_000);
    expect(await exitOf(bridge, "SIGINT", 20_000)).toEqual({ code: 0, signal: null });
  }, 90_000);
});
