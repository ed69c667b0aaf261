// `upslink2mqtt schema [--table]`: the configuration's JSON Schema (the same text as
// config.schema.json), or with --table a reference to read on a terminal: every key with its
// environment variable, default, allowed values and description (docs/CONFIGURATION.md in short).
import { CONFIG_KEYS, type ConfigKey, configJsonSchemaText } from "../config/index.js";
import { type Command, EXIT_OK, EXIT_USAGE, writeLine } from "./io.js";

const HELP = `Usage: upslink2mqtt schema [--table]

Prints the configuration's JSON Schema (draft 2020-12), as in config.schema.json.
  --table   every key to read on a terminal instead: its environment variable, default, allowed
            values and what it does. Flags are --<key>=<value> (e.g. --mqtt.url=mqtt://host).`;

/** Line width of the table's descriptions. */
const WIDTH = 100;

function defaultText(key: ConfigKey): string {
  const value = key.default;
  if (value === null) return "none";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** Words wrapped to lines of at most `width` characters, each line indented. */
function wrap(text: string, indent: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(`${indent}${line}`);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(`${indent}${line}`);
  return lines;
}

/**
 * The readable reference, one block per key, within 100 columns:
 *
 *   mqtt.url  (UPSLINK_MQTT_URL)
 *       default: mqtt://localhost:1883  ·  allowed: URL: mqtt://, mqtts://, ws:// or wss://
 *       MQTT broker URL: mqtt://, mqtts:// (TLS), ws:// or wss:// (WebSocket).
 */
export function configurationTable(keys: readonly ConfigKey[] = CONFIG_KEYS): string {
  const out = [
    "Configuration keys: nested in a YAML or JSON file (--config FILE or UPSLINK_CONFIG), as the",
    "environment variables in brackets, or as flags --<key>=<value>; later sources win.",
  ];
  for (const key of keys) {
    out.push("", `${key.path}  (${key.env})`);
    out.push(...wrap(`default: ${defaultText(key)}  ·  allowed: ${key.format}`, "    ", WIDTH));
    const doc = key.sensitive ? `${key.doc} Secret: never logged or published.` : key.doc;
    out.push(...wrap(doc, "    ", WIDTH));
  }
  out.push("", "Several UPSes in one process: a list under `ups:` in the file, one mapping per UPS.");
  return out.join("\n");
}

export const schemaCommand: Command = async (args, io) => {
  if (args.includes("--help") || args.includes("-h")) {
    writeLine(io.stdout, HELP);
    return EXIT_OK;
  }
  if (args.length === 1 && args[0] === "--table") {
    writeLine(io.stdout, configurationTable());
    return EXIT_OK;
  }
  if (args.length > 0) {
    writeLine(
      io.stderr,
      `upslink2mqtt schema takes no arguments other than --table (got ${args.join(" ")}).`,
    );
    return EXIT_USAGE;
  }
  io.stdout.write(configJsonSchemaText());
  return EXIT_OK;
};
