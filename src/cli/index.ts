// The command table: each subcommand lives in its own module and is loaded only when used, so
// `upslink2mqtt commands` does not load MQTT or serial code.
import { type CliIo, type Command, EXIT_USAGE, writeLine } from "./io.js";

interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  run: {
    summary: "run the bridge (the default), configured by file, environment and flags",
    load: async () => (await import("./run.js")).runCommand,
  },
  demo: {
    summary: "simulated UPS + embedded MQTT broker on 127.0.0.1 + the bridge (what `npm start` runs)",
    load: async () => (await import("./demo.js")).demoCommand,
  },
  probe: {
    summary: "identify a UPS and print every supported reading and setting: probe --port P [--json]",
    load: async () => (await import("./probe.js")).probeCommand,
  },
  simulate: {
    summary: "a simulated Smart-UPS: simulate (--pty LINK | --tcp PORT) [--profile NAME]",
    load: async () => (await import("./simulate.js")).simulateCommand,
  },
  schema: {
    summary:
      "every configuration key, readable: schema --table; without it the JSON Schema (config.schema.json)",
    load: async () => (await import("./schema.js")).schemaCommand,
  },
  health: {
    summary: "container health check: 0 while the running bridge is healthy (reads UPSLINK_HEALTH_FILE)",
    load: async () => (await import("./health.js")).healthCommand,
  },
  commands: {
    summary: "list the UPS-Link catalogue the bridge knows: commands [--json]",
    load: async () => (await import("./commands.js")).commandsCommand,
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = [
    "upslink2mqtt: APC Smart-UPS (UPS-Link over RS-232) to MQTT bridge with Home Assistant discovery",
    "",
    "Usage: upslink2mqtt [command] [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`),
    "",
    "With no command, `run` is assumed. `upslink2mqtt <command> --help` describes a command.",
    "Configuration: --config FILE (or UPSLINK_CONFIG), UPSLINK_* environment variables, flags.",
  ];
  return lines.join("\n");
}

/** Dispatches argv (without node and script) to a command; returns the exit code. */
export async function dispatch(io: CliIo): Promise<number> {
  const [first, ...rest] = io.argv;
  if (first === "--help" || first === "-h" || first === "help") {
    writeLine(io.stdout, usage());
    return 0;
  }
  if (first === "--version" || first === "-V") {
    const { VERSION } = await import("../version.js");
    writeLine(io.stdout, VERSION);
    return 0;
  }
  // No command, or an option first: the bridge (`upslink2mqtt --config x.yaml` runs it).
  const name = first === undefined || first.startsWith("-") ? "run" : first;
  const args = name === first ? rest : io.argv;
  const entry = COMMANDS[name];
  if (entry === undefined) {
    writeLine(io.stderr, `Unknown command '${name}'.`);
    writeLine(io.stderr, "");
    writeLine(io.stderr, usage());
    return EXIT_USAGE;
  }
  const command = await entry.load();
  return command(args, io);
}
