// Issues 4 and 7: CPU and resident memory of the bridge process, and MQTT messages per minute at
// steady state, with 1 and with N UPSes. The UPSes are simulators on loopback TCP ports in a separate
// process (scripts/bench/sim-farm.mjs, pacing on: 2400 baud, realistic reply latency); the bridge is
// `node dist/main.js run --config FILE` with one `ups` entry per port (`tcp://127.0.0.1:PORT`),
// default poll interval (2 s) and default everything else.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import {
  mb,
  procSample,
  ROOT,
  removeDir,
  sampleProcess,
  sleep,
  startBridgeProcess,
  startSimFarm,
  stopChild,
  subscriber,
  tempDir,
  writeJson,
} from "./lib.mjs";

/**
 * RSS of a bare `node` and of `node` with the bridge's modules loaded (nothing running): the floor the
 * bridge's own figure sits on.
 */
export function rssBaselines() {
  const probe = (code) =>
    Number(
      execFileSync(process.execPath, ["--input-type=module", "-e", code], {
        cwd: ROOT,
        encoding: "utf8",
      }).trim(),
    ) / 1024;
  const report =
    "await new Promise((r) => setTimeout(r, 300)); const s = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8'); console.log(/VmRSS:\\s+(\\d+)/.exec(s)[1]);";
  return {
    emptyNodeMb: probe(report),
    modulesLoadedMb: probe(
      `await import('./dist/cli/run.js'); await import('./dist/link/serial.js'); await import('./dist/link/tcp.js'); ${report}`,
    ),
  };
}

export async function resources({ count, brokerUrl, windowMs, warmupMs, onProgress = () => undefined }) {
  const farm = await startSimFarm(count, { pacing: true });
  const dir = tempDir("upslink-bench-resources-");
  const base = `benchres${count}`;
  const configFile = join(dir, "bridge.json");
  writeJson(configFile, {
    mqtt: { url: brokerUrl, base_topic: base },
    homeassistant: { discovery_prefix: `${base}ha` },
    ups: farm.ports.map((port, i) => ({ id: `ups${i}`, port: `tcp://127.0.0.1:${port}` })),
    log: { level: "warn" },
  });
  const sub = await subscriber(brokerUrl, [`${base}/#`, `${base}ha/#`]);
  const bridge = startBridgeProcess(configFile);
  try {
    const startedAt = Date.now();
    // Every UPS online and read once (its first fast-tier read publishes on_battery_mode).
    for (let i = 0; i < count; i++) {
      await sub.waitFor(`${base}/ups${i}/on_battery_mode`, () => true, 0, 180_000);
    }
    const readyS = (Date.now() - startedAt) / 1000;
    onProgress(`all ${count} online and read after ${readyS.toFixed(1)} s; warming up`);
    await sleep(warmupMs);
    const mark = sub.mark();
    const farmBefore = procSample(farm.child.pid);
    const sampled = await sampleProcess(bridge.pid, windowMs);
    const farmAfter = procSample(farm.child.pid);
    const window = sub.messages.slice(mark);
    const minutes = sampled.seconds / 60;
    const byKind = {};
    for (const m of window) {
      const rest = m.topic.slice(base.length + 1).split("/");
      const kind = rest[0] === "bridge" ? "bridge" : (rest[1] ?? rest[0]);
      const label = ["state", "event", "availability", "info", "pending"].includes(kind) ? kind : "per-key";
      byKind[label] = (byKind[label] ?? 0) + 1;
    }
    const topKeys = {};
    for (const m of window) {
      const key = m.topic.split("/").at(-1);
      topKeys[key] = (topKeys[key] ?? 0) + 1;
    }
    return {
      count,
      readyS,
      windowS: sampled.seconds,
      cpuPercent: sampled.cpuPercent,
      rssMb: { median: mb(sampled.rss.median), max: mb(sampled.rss.max), last: mb(sampled.rssLast) },
      hwmMb: mb(sampled.hwm),
      farmCpuPercent: ((farmAfter.cpuS - farmBefore.cpuS) / ((farmAfter.at - farmBefore.at) / 1000)) * 100,
      messages: window.length,
      perMinute: window.length / minutes,
      perMinutePerUps: window.length / minutes / count,
      byKind: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, v / minutes])),
      topKeys: Object.entries(topKeys)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([k, v]) => [k, v / minutes]),
    };
  } finally {
    await sub.close();
    await stopChild(bridge, 10_000);
    await farm.stop();
    removeDir(dir);
  }
}
