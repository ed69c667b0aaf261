// The configuration reference (docs/CONFIGURATION.md), generated from the convict schema.
import { CONFIG_FILE_ENV, CONFIG_FILE_FLAG, CONFIG_KEYS, type ConfigKey } from "../config/index.js";
import { code, defaultText, GENERATED_NOTE, table } from "./markdown.js";

const GROUP_TITLES: Readonly<Record<string, string>> = {
  mqtt: "MQTT broker",
  homeassistant: "Home Assistant",
  ups: "The UPS",
  commands: "Commands",
  shutdown_policy: "Shutdown policy",
  shutdown: "Shutdown orchestration",
  link: "Serial link",
  nut: "NUT network server",
  log: "Logging",
  health: "Health check",
};

function groupOf(key: ConfigKey): string {
  const [first] = key.path.split(".");
  return first !== undefined && key.path.includes(".") ? first : "";
}

function configRow(key: ConfigKey): string[] {
  const description = key.sensitive ? `${key.doc} Secret: never logged or published.` : key.doc;
  return [code(key.path), code(key.env), defaultText(key.default), key.format, description];
}

export function configurationReference(): string {
  const groups = new Map<string, ConfigKey[]>();
  for (const key of CONFIG_KEYS) {
    const group = groupOf(key);
    groups.set(group, [...(groups.get(group) ?? []), key]);
  }
  const header = ["key", "environment", "default", "allowed", "description"];
  const parts: string[] = [
    "# Configuration reference",
    "",
    GENERATED_NOTE,
    "",
    `Sources, later wins: the defaults below, a YAML or JSON file (${code(`${CONFIG_FILE_FLAG} FILE`)} or ${code(CONFIG_FILE_ENV)}), environment variables, then flags. Every key has an environment variable (${code("UPSLINK_")} + the key in upper snake case) and a flag (${code("--")} + the key, e.g. ${code("--mqtt.url=mqtts://broker:8883")}). An empty environment variable counts as unset; a ${code("UPSLINK_")} variable that names no key is ignored with a warning naming the closest known variable. A wrong value stops the bridge with exit code 2 and a message naming the key and the allowed values. ${code("upslink2mqtt schema")} prints the same keys as JSON Schema (${code("config.schema.json")}), which editors use to check a configuration file.`,
  ];
  for (const [group, keys] of groups) {
    parts.push("", `## ${group === "" ? "Polling" : `${GROUP_TITLES[group] ?? group} (${code(group)})`}`, "");
    if (group === "ups") {
      parts.push(
        "Several UPSes in one process: make `ups` a list in the configuration file, one mapping per UPS with its own `id` and `port` (the `UPSLINK_UPS_*` variables and `--ups.*` flags describe a single UPS and cannot be combined with a list).",
        "",
      );
    }
    parts.push(table(header, keys.map(configRow)));
  }
  parts.push(
    "",
    "## Example file",
    "",
    "```yaml",
    "# /etc/upslink2mqtt/config.yaml (pass with --config or UPSLINK_CONFIG)",
    "mqtt:",
    "  url: mqtts://broker.example:8883",
    "  username: upslink2mqtt",
    "  password: change-me",
    "ups:",
    "  - id: rack",
    "    port: /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1234-if00-port0",
    "  - id: office",
    "    port: tcp://10.0.0.5:4001",
    "    cable: 940-0095B",
    "commands:",
    "  allow_destructive: true",
    "  confirm_timeout_s: 30",
    "```",
    "",
  );
  return parts.join("\n");
}
