// `npm start`: with nothing configured, a simulated Smart-UPS, an embedded MQTT broker on 127.0.0.1
// and the bridge, printing how to watch it. With UPSLINK_UPS_PORT (or a config file) set, the same
// entry point runs the real bridge.
import { createInterface } from "node:readline";
import { createUpsLink } from "../bridge/link-factory.js";
import { loadConfig, type UpsConfig } from "../config/index.js";
import { SimTransport } from "../link/sim.js";
import { createLogger } from "../log.js";
import { DEFAULT_MQTT_PORT, startEmbeddedBroker } from "../mqtt/embedded-broker.js";
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
  // The UPS id stays the default (`ups`), the one the README's mosquitto_pub lines use.
  const env = {
    ...io.env,
    UPSLINK_UPS_PORT: "sim://smartups-3g-120",
    // The demo's UPS is simulated: destructive commands are safe to try, with confirmation.
    UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE: io.env.UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE ?? "true",
    ...(broker === null
      ? {}
      : {
          UPSLINK_MQTT_URL: broker.url,
          // The embedded broker speaks MQTT 3.1.1 only: connect with it from the start rather than be
          // refused MQTT 5 and warn about it on a first run.
          UPSLINK_MQTT_PROTOCOL_VERSION:
            io.env.UPSLINK_MQTT_PROTOCOL_VERSION ?? String(broker.protocolVersion),
        }),
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
  const ups = config.upses[0]?.id ?? "ups";
  // Lines typed on standard input go to the simulated UPS: `power fail`, `power restore`, `battery 20`…
  const simulators: SmartUpsSimulator[] = [];
  const createLink = (ups: UpsConfig) => {
    const link = createUpsLink(ups, config, logger);
    const transport = link.session.transport;
    if (transport instanceof SimTransport) simulators.push(transport.simulator);
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
    writeLine(io.stdout, `  broker: ${config.mqtt.url}${broker === null ? "" : " (embedded, MQTT 3.1.1)"}`);
    if (broker !== null && broker.port !== DEFAULT_MQTT_PORT) {
      writeLine(
        io.stdout,
        `          (port ${DEFAULT_MQTT_PORT} is taken, by your own broker perhaps: to use that one instead, UPSLINK_MQTT_URL=mqtt://127.0.0.1:${DEFAULT_MQTT_PORT} npm start)`,
      );
    }
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
