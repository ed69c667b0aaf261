// As PID 1 in the container the bridge gets SIGTERM from `docker stop` (and the add-on from the
// Supervisor) at any moment, including while the broker is still unreachable at start-up: it must
// stop with exit code 0 then too, not wait for Docker's SIGKILL.
import { afterEach, describe, expect, it } from "vitest";
import { collect, connectClient, freePort, startTestBroker, waitInRecorded } from "../helpers/broker.js";
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

  // Issue 17, item 7: a terminal closing (or `kill -HUP`) used to kill the bridge without a clean
  // stop, leaving `online` retained. SIGHUP is a stop signal like SIGTERM.
  it("SIGHUP stops a running bridge cleanly: offline published, exit code 0", async () => {
    ensureBuilt();
    const broker = await startTestBroker();
    const client = await connectClient(broker.url);
    try {
      const base = `hup${Math.random().toString(16).slice(2, 8)}`;
      const seen = await collect(client, `${base}/#`);
      bridge = startBridge({
        env: {
          UPSLINK_UPS_PORT: "sim://smartups-3g-120",
          UPSLINK_MQTT_URL: broker.url,
          UPSLINK_MQTT_BASE_TOPIC: base,
        },
      });
      const wait = (topic: string, payload: string, since = 0) =>
        waitInRecorded(seen.messages, topic, (p) => p === payload, {
          since,
          timeoutMs: 20_000,
          context: () => bridge?.output() ?? "",
        });
      await wait(`${base}/bridge/state`, "online");
      await wait(`${base}/ups/availability`, "online");
      const since = seen.messages.length;
      expect(await exitOf(bridge, "SIGHUP", 20_000)).toEqual({ code: 0, signal: null });
      expect(bridge.output()).toMatch(/"signal":"SIGHUP","msg":"stopping"/);
      // The UPS's availability has no last will: only a clean stop publishes it offline.
      await wait(`${base}/ups/availability`, "offline", since);
      await wait(`${base}/bridge/state`, "offline", since);
      await seen.stop();
    } finally {
      await client.endAsync(true);
      await broker.stop();
    }
  }, 90_000);
});
