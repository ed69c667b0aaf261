// `upslink2mqtt health [--file PATH]`: the container health check. Reads the health file the running
// bridge rewrites every few seconds (src/bridge/health.ts) and exits 0 when it is fresh, the broker
// is connected and every UPS link is up; 1 otherwise, printing why. It never touches the serial port
// or the broker itself: a second client on either would disturb the bridge.
import { existsSync } from "node:fs";
import { checkHealthFile, DEFAULT_HEALTH_FILE } from "../bridge/health.js";
import { type Command, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, writeLine } from "./io.js";

const HELP = `Usage: upslink2mqtt health [--file PATH]

Exits 0 when the running bridge is healthy: its health file is fresh, it is connected to the MQTT
broker and every UPS link is online. The bridge writes the file when UPSLINK_HEALTH_FILE is set
(the Docker image and the Home Assistant add-on set it to ${DEFAULT_HEALTH_FILE}); --file overrides
that path.`;

export const healthCommand: Command = async (args, io) => {
  if (args.includes("--help") || args.includes("-h")) {
    writeLine(io.stdout, HELP);
    return EXIT_OK;
  }
  let file = io.env.UPSLINK_HEALTH_FILE || DEFAULT_HEALTH_FILE;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    if (arg.startsWith("--file=")) file = arg.slice("--file=".length);
    else if (arg === "--file" && args[index + 1] !== undefined) file = args[++index] ?? file;
    else {
      writeLine(io.stderr, `upslink2mqtt health: unexpected argument "${arg}" (only --file PATH).`);
      return EXIT_USAGE;
    }
  }
  if (!existsSync(file)) {
    // The usual cause: the bridge runs without a health file (it writes one only when asked to).
    writeLine(
      io.stdout,
      `unhealthy: no health file at ${file}. The bridge writes it only when UPSLINK_HEALTH_FILE is set (the Docker image and the Home Assistant add-on set it to ${DEFAULT_HEALTH_FILE}): start the bridge with UPSLINK_HEALTH_FILE=${file}, or give this command the bridge's file with --file PATH.`,
    );
    return EXIT_FAILURE;
  }
  const verdict = checkHealthFile(file, new Date());
  if (verdict.healthy) {
    writeLine(io.stdout, "healthy");
    return EXIT_OK;
  }
  writeLine(io.stdout, `unhealthy: ${verdict.problems.join("; ")}`);
  return EXIT_FAILURE;
};
