// The bridge built in this process from dist/ (the same classes `upslink2mqtt run` wires), around a
// simulator instance the benchmark owns, so it can stamp the simulator's bytes directly.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bridge } from "../../dist/bridge/bridge.js";
import { loadConfig } from "../../dist/config/index.js";
import { LinkSession } from "../../dist/link/session.js";
import { SimTransport } from "../../dist/link/sim.js";
import { silentLogger } from "../../dist/log.js";
import { MqttConnection } from "../../dist/mqtt/connection.js";
import { CATALOGUE } from "../../dist/protocol/catalogue/index.js";
import { CHAR_MS, SmartUpsSimulator } from "../../dist/simulator/simulator.js";
import { CatalogueLink } from "../../dist/ups/catalogue-link.js";
import { UpsModel } from "../../dist/ups/model.js";
import { now, onCleanup, removeDir, tempDir } from "./lib.mjs";

export { CHAR_MS };

/** Loads a configuration the way `upslink2mqtt run --config FILE` does. */
export function configFrom(document) {
  const dir = tempDir("upslink-bench-config-");
  const file = join(dir, "config.json");
  writeFileSync(file, JSON.stringify(document));
  try {
    return loadConfig({ argv: ["--config", file], env: {} });
  } finally {
    removeDir(dir);
  }
}

/**
 * Records what crosses the simulated wire: `>` bytes from the host, `<` chunks to the host, each
 * with the time; `onAlert(char, at)` for one-byte alert chunks.
 */
export function tapSimulator(sim, { onAlert = () => undefined } = {}) {
  const wire = [];
  let recording = false;
  const write = sim.write.bind(sim);
  sim.write = (bytes) => {
    if (recording) {
      const at = now();
      for (const byte of bytes) wire.push({ dir: ">", bytes: Uint8Array.of(byte), at });
    }
    write(bytes);
  };
  sim.on("data", (bytes) => {
    const at = now();
    if (bytes.length === 1 && (bytes[0] === 0x21 || bytes[0] === 0x24))
      onAlert(String.fromCharCode(bytes[0]), at);
    if (recording) wire.push({ dir: "<", bytes: Uint8Array.from(bytes), at });
  });
  return {
    wire,
    record(on) {
      recording = on;
    },
  };
}

/** The full bridge (MQTT included) on one in-process simulator. */
export async function startInProcessBridge({ brokerUrl, baseTopic, sim, pollIntervalMs = 2000 }) {
  const config = configFrom({
    mqtt: { url: brokerUrl, base_topic: baseTopic },
    ups: { id: "ups", port: "sim://smartups-3g-120" },
    poll_interval_ms: pollIntervalMs,
    log: { level: "silent" },
  });
  const logger = silentLogger();
  const mqtt = new MqttConnection({ mqtt: config.mqtt, logger });
  void mqtt.start().catch(() => undefined);
  const bridge = new Bridge({
    config,
    logger,
    mqtt,
    createLink: () =>
      new CatalogueLink(new LinkSession({ transport: new SimTransport({ simulator: sim }), logger })),
  });
  await bridge.start();
  const stop = async () => {
    await bridge.stop().catch(() => undefined);
  };
  onCleanup(stop);
  return { bridge, stop };
}

/** Link + UPS model only (no MQTT) on one in-process simulator. */
export async function startInProcessModel({ sim, pollIntervalMs }) {
  const logger = silentLogger();
  const link = new CatalogueLink(
    new LinkSession({ transport: new SimTransport({ simulator: sim }), logger }),
  );
  const model = new UpsModel(link, {
    id: "ups",
    pollIntervalMs,
    minmaxIntervalMs: 60_000,
    slowIntervalS: 3600,
    thresholds: { chargeBelowPercent: null, runtimeBelowMinutes: null, honourLowBatteryFlag: true },
    logger,
  });
  await model.start();
  const stop = () => model.stop().catch(() => undefined);
  onCleanup(stop);
  return { link, model, stop };
}

/** The fast-tier opcodes this profile answers, in the order the UPS model reads them. */
export async function fastTierOpcodes(profile = "smartups-3g-120") {
  const sim = new SmartUpsSimulator({ profile });
  const link = new CatalogueLink(
    new LinkSession({ transport: new SimTransport({ simulator: sim }), logger: silentLogger() }),
  );
  try {
    await link.start();
    const caps = await link.discover();
    return CATALOGUE.filter(
      (row) => row.kind === "query" && row.tier === "fast" && caps.supported.has(row.id),
    ).map((row) => ({ id: row.id, byte: row.wire.bytes[0], length: row.wire.bytes.length }));
  } finally {
    await link.stop();
    sim.stop();
  }
}

export { SmartUpsSimulator };
