// `npm start`: with nothing configured, a simulated Smart-UPS, an embedded MQTT broker on 127.0.0.1
// and the bridge, printing how to watch it. With UPSLINK_UPS_PORT (or a config file) set, the same
// entry point runs the real bridge.
import { createInterface } from "node:readline";
import { createUpsLink } from "../bridge/link-factory.js";
import { loadConfig, type UpsConfig } from "../config/index.js";
import { SimTransport } from "../link/sim.js";
import { createLogger } from "../log.js";
import { startEmbeddedBroker } from "../mqtt/embedded-broker.js";
import type { SmartUpsSimulator } from "../simulator/index.js";
import { type Command, EXIT_OK, EXIT_USAGE, writeLine } from "./io.js";
import { runBridge, runCommand } from "./run.js";

export const demoCommand: Command = async (args, io) => {
  const configured =
    io.env.UPSLINK_UPS_PORT !== undefined ||
    io.env.UPSLINK_CONFIG !== undefined ||
    args.some((a) => a.startsWith("--config"));
  if (configured) return runCommand(args, io);
  if (args.includes("--help")) {
    writeLine(
      io.stdout,
      "Usage: upslink2mqtt demo   (simulated UPS + embedded broker + bridge; Ctrl-C stops)",
    );
    return EXIT_OK;
  }

  const useOwnBroker = io.env.UPSLINK_MQTT_URL === undefined;
  const broker = useOwnBroker ? await startEmbeddedBroker({ host: "127.0.0.1" }) : null;
  const env = {
    ...io.env,
    UPSLINK_UPS_PORT: "sim://smartups-3g-120",
    UPSLINK_UPS_ID: io.env.UPSLINK_UPS_ID ?? "demo",
    // The demo's UPS is simulated: destructive commands are safe to try, with confirmation.
    UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE: io.env.UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE ?? "true",
    ...(broker === null ? {} : { UPSLINK_MQTT_URL: broker.url }),
  };
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ argv: args, env });
  } catch (error) {
    await broker?.close();
    writeLine(io.stderr, `upslink2mqtt: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_USAGE;
  }
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  const host = new URL(config.mqtt.url);
  const base = config.mqtt.base_topic;
  const ups = config.upses[0]?.id ?? "demo";
  // Lines typed on standard input go to the simulated UPS: `power fail`, `power restore`, `battery 20`…
  const simulators: SmartUpsSimulator[] = [];
  const createLink = (ups: UpsConfig) => {
    const link = createUpsLink(ups, config, logger);
    if (link.transport instanceof SimTransport) simulators.push(link.transport.simulator);
    return link;
  };
  const lines = createInterface({ input: io.stdin, terminal: false });
  lines.on("line", (line) => {
    const text = line.trim();
    if (text === "") return;
    for (const simulator of simulators) writeLine(io.stdout, `ups: ${simulator.control(text)}`);
  });
  const onReady = () => {
    writeLine(io.stdout, "");
    writeLine(io.stdout, "upslink2mqtt demo: a simulated Smart-UPS 1500 (120 V) bridged to MQTT.");
    writeLine(io.stdout, `  broker: ${config.mqtt.url}${broker === null ? "" : " (embedded)"}`);
    writeLine(
      io.stdout,
      `  watch:  mosquitto_sub -h ${host.hostname} -p ${host.port || "1883"} -v -t '${base}/#'`,
    );
    writeLine(
      io.stdout,
      `  try:    mosquitto_pub -h ${host.hostname} -p ${host.port || "1883"} -t '${base}/${ups}/command/battery_test' -m PRESS`,
    );
    writeLine(
      io.stdout,
      "  type:   power fail | power restore | battery 20 | help   (lines go to the simulated UPS)",
    );
    writeLine(io.stdout, "  stop:   Ctrl-C");
    writeLine(io.stdout, "");
  };
  const code = await runBridge(config, logger, io, { onReady, createLink });
  lines.close();
  await broker?.close();
  return code;
};
