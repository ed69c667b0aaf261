// Maps the add-on's options (/data/options.json, written by the Supervisor) and Home Assistant's MQTT
// service to the bridge's UPSLINK_* environment variables, and prints them as shell `export` lines
// for run.sh. Plain JavaScript with no dependencies: it runs before the bridge, in the add-on image.
//
//   node options-env.mjs /data/options.json
//
// The MQTT service comes in through the environment (run.sh asks bashio for it):
// ADDON_MQTT_HOST, ADDON_MQTT_PORT, ADDON_MQTT_SSL (true/false), ADDON_MQTT_USERNAME, ADDON_MQTT_PASSWORD.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** Add-on option → the bridge's configuration key (docs/CONFIGURATION.md). */
export const OPTION_KEYS = {
  serial_port: "ups.port",
  network_port: "ups.port",
  ups_id: "ups.id",
  cable: "ups.cable",
  poll_interval_ms: "poll_interval_ms",
  allow_destructive: "commands.allow_destructive",
  confirm_timeout_s: "commands.confirm_timeout_s",
  log_level: "log.level",
  base_topic: "mqtt.base_topic",
  mqtt_url: "mqtt.url",
  mqtt_username: "mqtt.username",
  mqtt_password: "mqtt.password",
  nut_listen: "nut.listen",
  nis_listen: "nis.listen",
};

/** The bridge's mechanical rule (src/config/schema.ts envNameFor): `mqtt.base_topic` → `UPSLINK_MQTT_BASE_TOPIC`. */
export function envNameFor(path) {
  return `UPSLINK_${path.replace(/\./g, "_").toUpperCase()}`;
}

function present(value) {
  return value !== undefined && value !== null && !(typeof value === "string" && value.trim() === "");
}

/**
 * Options and MQTT service → environment. Throws an Error with a sentence for the add-on log when the
 * options cannot work (no port, two ports, no broker).
 */
export function optionsToEnv(options, service = {}) {
  const env = {};
  const hasSerial = present(options.serial_port);
  const hasNetwork = present(options.network_port);
  if (hasSerial === hasNetwork) {
    throw new Error(
      hasSerial
        ? "Set either the serial port or the network port, not both."
        : "Set the serial port the UPS cable is plugged into (or a network port tcp://host:port for ser2net).",
    );
  }
  for (const [option, key] of Object.entries(OPTION_KEYS)) {
    const value = options[option];
    if (!present(value)) continue;
    env[envNameFor(key)] = typeof value === "string" ? value.trim() : String(value);
  }
  if (!present(options.mqtt_url)) {
    // No broker of its own: Home Assistant's MQTT service (the Mosquitto add-on or a configured broker).
    if (!present(service.host)) {
      throw new Error(
        "No MQTT broker: install and start the Mosquitto broker add-on (or configure MQTT in Home Assistant), or set the MQTT broker URL option.",
      );
    }
    const scheme = service.ssl === true || service.ssl === "true" ? "mqtts" : "mqtt";
    const host = String(service.host).includes(":") ? `[${service.host}]` : String(service.host);
    const port = present(service.port) ? `:${service.port}` : "";
    env[envNameFor("mqtt.url")] = `${scheme}://${host}${port}`;
    if (present(service.username)) env[envNameFor("mqtt.username")] = String(service.username);
    if (present(service.password)) env[envNameFor("mqtt.password")] = String(service.password);
  }
  // The add-on's log panel shows the log as text: readable lines, not JSON.
  env[envNameFor("log.format")] = "pretty";
  return env;
}

/** `NAME='value'` with single quotes escaped, safe for `eval` in a POSIX shell. */
export function shellExports(env) {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}='${String(value).replace(/'/g, "'\\''")}'`)
    .join("\n");
}

function serviceFromEnv(env) {
  return {
    host: env.ADDON_MQTT_HOST,
    port: env.ADDON_MQTT_PORT,
    ssl: env.ADDON_MQTT_SSL,
    username: env.ADDON_MQTT_USERNAME,
    password: env.ADDON_MQTT_PASSWORD,
  };
}

// Run as a script (not when imported by the test).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2] ?? "/data/options.json";
  try {
    const options = JSON.parse(readFileSync(file, "utf8"));
    process.stdout.write(`${shellExports(optionsToEnv(options, serviceFromEnv(process.env)))}\n`);
  } catch (error) {
    process.stderr.write(`upslink2mqtt add-on: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}
