// `upslink2mqtt [run]`: the bridge, configured by file, environment and flags.
import { Bridge } from "../bridge/bridge.js";
import { startHealthWriter } from "../bridge/health.js";
import { createUpsLink } from "../bridge/link-factory.js";
import { createMqttConnection } from "../bridge/mqtt-factory.js";
import { describeUnknownVariable, unknownVariables } from "../config/environment.js";
import { type Config, loadConfig, resolveDataDir, type UpsConfig } from "../config/index.js";
import { createLogger, type Logger } from "../log.js";
import { createNisServer, type NisServer, nisUpsId } from "../nis/index.js";
import { createNutServer, type NutServer } from "../nut/index.js";
import { isUpsLinkError } from "../protocol/errors.js";
import { startShutdownOrchestration } from "../shutdown/index.js";
import type { UpsLink } from "../ups/link.js";
import { VERSION } from "../version.js";
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, writeLine } from "./io.js";

const HELP = `Usage: upslink2mqtt [run] [--config FILE] [--<key>=<value> ...]

Runs the bridge. Configuration, later wins: defaults, the file (--config FILE or UPSLINK_CONFIG),
UPSLINK_* environment variables, then flags named after the keys (e.g. --mqtt.url=mqtt://host).
\`upslink2mqtt schema --table\` lists every key with its variable, default and allowed values.

SIGINT, SIGTERM and SIGHUP stop it cleanly: \`offline\` is published, the ports are closed, exit 0.
A new configuration takes a restart (SIGHUP does not reload it).`;

export const runCommand: Command = async (args, io) => {
  if (args.includes("--help") || args.includes("-h")) {
    writeLine(io.stdout, HELP);
    return EXIT_OK;
  }
  let config: Config;
  try {
    config = loadConfig({ argv: args, env: io.env });
  } catch (error) {
    writeLine(io.stderr, `upslink2mqtt: ${error instanceof Error ? error.message : String(error)}`);
    writeLine(
      io.stderr,
      "Run `upslink2mqtt --help` for the commands, `upslink2mqtt schema --table` for every configuration key.",
    );
    return isUpsLinkError(error) && error.code !== "config_invalid" && error.code !== "usage"
      ? EXIT_FAILURE
      : EXIT_USAGE;
  }
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  return runBridge(config, logger, io);
};

/** Runs the bridge until a stop signal; publishes `offline` and closes the ports on the way out. */
export interface RunHooks {
  readonly onReady?: () => void;
  /** Builds each UPS's link (the demo keeps hold of its simulator). */
  readonly createLink?: (ups: UpsConfig) => UpsLink;
}

export async function runBridge(
  config: Config,
  logger: Logger,
  io: CliIo,
  hooks: RunHooks = {},
): Promise<number> {
  const log = logger.child({ module: "main" });
  for (const variable of unknownVariables(io.env)) log.warn(describeUnknownVariable(variable));
  const mqtt = createMqttConnection(config.mqtt, logger);
  const bridge = new Bridge({
    // Unset, the history goes to the per-user data directory.
    config: { ...config, data_dir: resolveDataDir(config.data_dir, { env: io.env }) },
    logger,
    mqtt,
    createLink: hooks.createLink ?? ((ups) => createUpsLink(ups, config, logger)),
  });
  // The container health check reads this file (Dockerfile HEALTHCHECK → `upslink2mqtt health`).
  const healthFile = config.health.file;
  const health =
    healthFile === null
      ? null
      : startHealthWriter({
          path: healthFile,
          status: () => bridge.health(),
          onError: (error) => log.warn({ err: String(error) }, "cannot write the health file"),
        });
  try {
    // Not awaited: the bridge runs (and queues its publications) while the broker is unreachable.
    void mqtt.start().catch(() => undefined);
    // A stop signal during start-up (a broker that never answers) still stops the bridge cleanly.
    const started = await Promise.race([bridge.start().then(() => "started" as const), io.stopSignal]);
    if (started !== "started") {
      log.info({ signal: started }, "stopping during start-up");
      health?.stop();
      await bridge.stop();
      return EXIT_OK;
    }
  } catch (error) {
    log.error({ err: error instanceof Error ? error.message : String(error) }, "the bridge could not start");
    writeLine(io.stderr, `upslink2mqtt: ${error instanceof Error ? error.message : String(error)}`);
    health?.stop();
    await bridge.stop().catch(() => undefined);
    return EXIT_FAILURE;
  }
  let nut: NutServer | null = null;
  try {
    nut = await startNut(config, bridge, logger);
  } catch (error) {
    const message = `the NUT server could not listen on ${config.nut.listen?.host}:${config.nut.listen?.port}: ${error instanceof Error ? error.message : String(error)}`;
    log.error(message);
    writeLine(io.stderr, `upslink2mqtt: ${message}`);
    health?.stop();
    await bridge.stop().catch(() => undefined);
    return EXIT_FAILURE;
  }
  let nis: NisServer | null = null;
  try {
    nis = await startNis(config, bridge, logger);
  } catch (error) {
    const message = `the apcupsd NIS server could not listen on ${config.nis.listen?.host}:${config.nis.listen?.port}: ${error instanceof Error ? error.message : String(error)}`;
    log.error(message);
    writeLine(io.stderr, `upslink2mqtt: ${message}`);
    health?.stop();
    await nut?.stop();
    await bridge.stop().catch(() => undefined);
    return EXIT_FAILURE;
  }
  // After the NUT server: the orchestration raises FSD on its UPSes and follows their clients.
  const stopOrchestration = startShutdownOrchestration({
    config,
    runtimes: bridge.runtimes,
    nut,
    publish: (ups, event) => bridge.publishUpsEvent(ups, event),
    logger,
  });
  log.info(
    { upses: config.upses.map((u) => ({ id: u.id, port: u.port })), mqtt: config.mqtt.base_topic },
    "bridge running",
  );
  hooks.onReady?.();
  const signal = await io.stopSignal;
  log.info({ signal }, "stopping");
  health?.stop();
  stopOrchestration();
  await nis?.stop();
  await nut?.stop();
  await bridge.stop();
  return EXIT_OK;
}

/** The NUT network server when `nut.listen` is set: it reads the bridge's UPSes, its events go to MQTT. */
async function startNut(config: Config, bridge: Bridge, logger: Logger): Promise<NutServer | null> {
  const listen = config.nut.listen;
  if (listen === null) return null;
  const upses = config.upses.flatMap((ups) => {
    const runtime = bridge.runtimes.get(ups.id);
    return runtime === undefined ? [] : [{ config: ups, model: runtime.model, commands: runtime.commands }];
  });
  const server = createNutServer({
    nut: config.nut,
    listen,
    upses,
    allowDestructive: config.commands.allow_destructive,
    version: VERSION,
    logger,
  });
  server.on("event", ({ ups, ...event }) => bridge.publishUpsEvent(ups, event));
  await server.start();
  return server;
}

/** The apcupsd NIS server when `nis.listen` is set: one UPS, `nis.ups` or the first. */
async function startNis(config: Config, bridge: Bridge, logger: Logger): Promise<NisServer | null> {
  const listen = config.nis.listen;
  const id = nisUpsId(config);
  if (listen === null || id === null) return null;
  const upsConfig = config.upses.find((ups) => ups.id === id);
  const runtime = bridge.runtimes.get(id);
  if (upsConfig === undefined || runtime === undefined) return null;
  const server = createNisServer({
    config,
    listen,
    ups: { config: upsConfig, model: runtime.model },
    version: VERSION,
    logger,
  });
  await server.start();
  return server;
}
