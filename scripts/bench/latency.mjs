// Issues 4 and 7: from the moment the simulated unit hands the `!` (or `$`) alert byte to the host
// side, to the moment a subscriber on this machine receives `<base>/<ups>/event` (line_fail /
// return_from_line_fail) and `<base>/<ups>/on_battery_mode` (true / false). Same clock everywhere:
// performance.timeOrigin + performance.now().
import { join } from "node:path";
import { SmartUpsSimulator, startInProcessBridge, tapSimulator } from "./inprocess.mjs";
import {
  now,
  removeDir,
  sleep,
  startBridgeProcess,
  startPtySimulator,
  stopChild,
  subscriber,
  summary,
  tempDir,
  writeJson,
} from "./lib.mjs";

/**
 * Power-fail / restore cycles. `trigger(line)` sends a control line; `alertAt(char, after)` resolves
 * with the time the alert byte left the unit. A random pause (100–500 ms) between steps spreads the
 * alerts over every phase of the 2 s poll cycle (mid-reply, between requests, idle).
 */
async function runCycles({ cycles, base, sub, trigger, alertAt, onProgress = () => undefined }) {
  const steps = [
    { line: "power fail", char: "!", event: "line_fail", ob: "true" },
    { line: "power restore", char: "$", event: "return_from_line_fail", ob: "false" },
  ];
  const out = { fail: { event: [], ob: [], trigger: [] }, restore: { event: [], ob: [], trigger: [] } };
  for (let i = 0; i < cycles; i++) {
    for (const step of steps) {
      const mark = sub.mark();
      const sentAt = trigger(step.line);
      const alert = await alertAt(step.char, sentAt);
      const [event, ob] = await Promise.all([
        sub.waitFor(`${base}/event`, (p) => p.includes(`"event_type":"${step.event}"`), mark),
        sub.waitFor(`${base}/on_battery_mode`, (p) => p === step.ob, mark),
      ]);
      const bucket = step.char === "!" ? out.fail : out.restore;
      bucket.event.push(event.at - alert);
      bucket.ob.push(ob.at - alert);
      bucket.trigger.push(alert - sentAt);
      await sleep(100 + Math.random() * 400);
    }
    onProgress(i + 1);
  }
  const stats = (bucket) => ({
    event: summary(bucket.event),
    ob: summary(bucket.ob),
    trigger: summary(bucket.trigger),
  });
  return { cycles, fail: stats(out.fail), restore: stats(out.restore) };
}

async function waitOnline(sub, base, timeoutMs = 90_000) {
  await sub.waitFor(`${base}/on_battery_mode`, (p) => p === "false", 0, timeoutMs);
  // Let the first full read and discovery publishing settle.
  await sleep(3000);
}

/** Child processes: `simulate --pty --pacing`, the bridge from dist/ on the pty (defaults: 2 s poll). */
export async function latencyPty({ cycles, brokerUrl, onProgress }) {
  const dir = tempDir("upslink-bench-latency-");
  const link = join(dir, "ups0");
  const sim = await startPtySimulator(link, { pacing: true });
  const configFile = join(dir, "bridge.json");
  writeJson(configFile, {
    mqtt: { url: brokerUrl, base_topic: "benchpty" },
    ups: { id: "ups", port: link },
    log: { level: "warn" },
  });
  const base = "benchpty/ups";
  const sub = await subscriber(brokerUrl, [`${base}/event`, `${base}/on_battery_mode`]);
  const bridge = startBridgeProcess(configFile);
  try {
    await waitOnline(sub, base);
    const answers = [];
    const result = await runCycles({
      cycles,
      base,
      sub,
      trigger: (line) => {
        const at = sim.send(line);
        answers.push(sim.answer());
        return at;
      },
      alertAt: (char, after) => sim.stamp(char, after),
      onProgress,
    });
    await Promise.all(answers);
    return { ...result, bridgePid: bridge.pid };
  } finally {
    await sub.close();
    await stopChild(bridge);
    await sim.stop();
    removeDir(dir);
  }
}

/** One process: the bridge built from dist/ over sim:// on a simulator the benchmark owns (pacing on). */
export async function latencyInProcess({ cycles, brokerUrl, onProgress }) {
  const sim = new SmartUpsSimulator({ profile: "smartups-3g-120", pacing: true });
  const alerts = [];
  const waiting = [];
  tapSimulator(sim, {
    onAlert: (char, at) => {
      const index = waiting.findIndex((w) => w.char === char && at >= w.after);
      if (index >= 0) waiting.splice(index, 1)[0].resolve(at);
      else alerts.push({ char, at });
    },
  });
  const base = "benchinproc/ups";
  const sub = await subscriber(brokerUrl, [`${base}/event`, `${base}/on_battery_mode`]);
  const { stop } = await startInProcessBridge({ brokerUrl, baseTopic: "benchinproc", sim });
  try {
    await waitOnline(sub, base);
    alerts.length = 0;
    return await runCycles({
      cycles,
      base,
      sub,
      trigger: (line) => {
        const at = now();
        sim.control(line);
        return at;
      },
      alertAt: (char, after) => {
        const index = alerts.findIndex((a) => a.char === char && a.at >= after);
        if (index >= 0) return Promise.resolve(alerts.splice(index, 1)[0].at);
        return new Promise((resolve) => waiting.push({ char, after, resolve }));
      },
      onProgress,
    });
  } finally {
    await sub.close();
    await stop();
    sim.stop();
  }
}
