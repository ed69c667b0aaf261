// Issues 7 and 16, side by side: NUT (Debian nut-server: /lib/nut/apcsmart + /lib/nut/upsd) and the
// bridge, each on its own `upslink2mqtt simulate --pty --pacing` unit, the same power failures fired
// at both in the same instant. NUT: time from the `!` byte to `OB` in ups.status as upsd serves it
// (asked every 20 ms over upsd's TCP protocol, the `GET VAR` request `upsc` makes, on a kept
// connection). Bridge, two ways: the same GET VAR to its own NUT server (nut.listen), asked the same
// way at the same rate, and `<ups>/on_battery_mode` = true at an MQTT subscriber.
import { existsSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import {
  freePort,
  lineReader,
  now,
  removeDir,
  sleep,
  spawnTracked,
  startBridgeProcess,
  startPtySimulator,
  stopChild,
  subscriber,
  summary,
  tempDir,
  writeJson,
} from "./lib.mjs";

const APCSMART = "/lib/nut/apcsmart";
const UPSD = "/lib/nut/upsd";

export function nutAvailable() {
  return existsSync(APCSMART) && existsSync(UPSD);
}

/** A persistent upsd client: `status()` resolves with ups.status (e.g. `OL`, `OB`). */
async function upsdClient(port, name) {
  const socket = createConnection({ host: "127.0.0.1", port });
  await new Promise((done, fail) => {
    socket.once("connect", done);
    socket.once("error", fail);
  });
  socket.setNoDelay(true);
  const lines = lineReader(socket);
  return {
    async status() {
      socket.write(`GET VAR ${name} ups.status\n`);
      const line = await lines.next(() => true, 5000, "an upsd answer");
      const match = /^VAR \S+ ups\.status "(.*)"$/.exec(line);
      return match === null ? line : match[1];
    },
    close: () => socket.destroy(),
  };
}

async function pollUntil(client, predicate, everyMs, timeoutMs) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const status = await client.status();
    const at = now();
    if (predicate(status)) return at;
    if (at > deadline) throw new Error(`upsd still says '${status}' after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

export async function nutVersusBridge({ cycles, brokerUrl, pollEveryMs = 20, onProgress = () => undefined }) {
  const dir = tempDir("upslink-bench-nut-");
  const conf = join(dir, "conf");
  const state = join(dir, "state");
  const { mkdirSync, chmodSync } = await import("node:fs");
  mkdirSync(conf);
  mkdirSync(state);
  chmodSync(state, 0o777);
  const nutLink = join(dir, "nut-ups");
  const bridgeLink = join(dir, "bridge-ups");
  const upsdPort = await freePort();
  const bridgeNutPort = await freePort();
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(conf, "ups.conf"), `[bench]\n  driver = apcsmart\n  port = ${nutLink}\n`);
  writeFileSync(join(conf, "upsd.conf"), `LISTEN 127.0.0.1 ${upsdPort}\n`);
  writeFileSync(join(conf, "upsd.users"), "");
  writeFileSync(join(conf, "nut.conf"), "MODE=standalone\n");
  const env = { ...process.env, NUT_CONFPATH: conf, NUT_STATEPATH: state };

  const nutSim = await startPtySimulator(nutLink, { pacing: true });
  const bridgeSim = await startPtySimulator(bridgeLink, { pacing: true });
  const driver = spawnTracked(APCSMART, ["-a", "bench", "-u", "root", "-F"], { env });
  const upsd = spawnTracked(UPSD, ["-F", "-u", "root"], { env });
  const configFile = join(dir, "bridge.json");
  writeJson(configFile, {
    mqtt: { url: brokerUrl, base_topic: "benchnut" },
    ups: { id: "ups", port: bridgeLink },
    nut: { listen: `127.0.0.1:${bridgeNutPort}` },
    log: { level: "warn" },
  });
  const base = "benchnut/ups";
  const sub = await subscriber(brokerUrl, [`${base}/on_battery_mode`]);
  const bridge = startBridgeProcess(configFile);
  let client = null;
  let bridgeNut = null;
  try {
    // upsd answers once the driver has read the unit.
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        client ??= await upsdClient(upsdPort, "bench");
        if ((await client.status()) === "OL") break;
      } catch {
        client?.close();
        client = null;
      }
      if (Date.now() > deadline)
        throw new Error(`NUT never reported OL: ${driver.log().slice(-800)} ${upsd.log().slice(-800)}`);
      await sleep(250);
    }
    await sub.waitFor(`${base}/on_battery_mode`, (p) => p === "false", 0, 90_000);
    for (const deadlineNut = Date.now() + 30_000; ; ) {
      try {
        bridgeNut ??= await upsdClient(bridgeNutPort, "ups");
        if ((await bridgeNut.status()) === "OL") break;
      } catch {
        bridgeNut?.close();
        bridgeNut = null;
      }
      if (Date.now() > deadlineNut)
        throw new Error(`the bridge's NUT server never said OL: ${bridge.log().slice(-800)}`);
      await sleep(250);
    }
    await sleep(3000);
    const nut = { fail: [], restore: [] };
    const ours = { fail: [], restore: [] };
    const oursNut = { fail: [], restore: [] };
    for (let i = 0; i < cycles; i++) {
      for (const step of [
        { line: "power fail", char: "!", nut: (s) => s.split(" ").includes("OB"), ob: "true", key: "fail" },
        {
          line: "power restore",
          char: "$",
          nut: (s) => s.split(" ").includes("OL"),
          ob: "false",
          key: "restore",
        },
      ]) {
        // A random phase against both pollers' 2 s cycles.
        await sleep(300 + Math.random() * 2000);
        const mark = sub.mark();
        const sentNut = nutSim.send(step.line);
        const sentBridge = bridgeSim.send(step.line);
        const [alertNut, alertBridge] = await Promise.all([
          nutSim.stamp(step.char, sentNut),
          bridgeSim.stamp(step.char, sentBridge),
        ]);
        const [nutSeen, bridgeNutSeen, mqttSeen] = await Promise.all([
          pollUntil(client, step.nut, pollEveryMs, 30_000),
          pollUntil(bridgeNut, step.nut, pollEveryMs, 30_000),
          sub.waitFor(`${base}/on_battery_mode`, (p) => p === step.ob, mark, 30_000),
        ]);
        await Promise.all([nutSim.answer(), bridgeSim.answer()]);
        nut[step.key].push(nutSeen - alertNut);
        oursNut[step.key].push(bridgeNutSeen - alertBridge);
        ours[step.key].push(mqttSeen.at - alertBridge);
      }
      onProgress(i + 1);
    }
    const ratio = (a, b) => summary(a).median / summary(b).median;
    return {
      cycles,
      pollEveryMs,
      nut: { fail: summary(nut.fail), restore: summary(nut.restore) },
      bridge: { fail: summary(ours.fail), restore: summary(ours.restore) },
      bridgeNut: { fail: summary(oursNut.fail), restore: summary(oursNut.restore) },
      ratioFail: ratio(nut.fail, ours.fail),
      ratioRestore: ratio(nut.restore, ours.restore),
      ratioNutFail: ratio(nut.fail, oursNut.fail),
      ratioNutRestore: ratio(nut.restore, oursNut.restore),
    };
  } finally {
    client?.close();
    bridgeNut?.close();
    await sub.close();
    await stopChild(bridge);
    await stopChild(upsd);
    await stopChild(driver);
    await nutSim.stop();
    await bridgeSim.stop();
    removeDir(dir);
  }
}
