// `upslink2mqtt schema`: prints the configuration's JSON Schema (the same text as config.schema.json).
import { configJsonSchemaText } from "../config/json-schema.js";
import { type Command, EXIT_OK, EXIT_USAGE, writeLine } from "./io.js";

export const schemaCommand: Command = async (args, io) => {
  if (args.includes("--help") || args.includes("-h")) {
    writeLine(
      io.stdout,
      "Usage: upslink2mqtt schema\n\nPrints the configuration's JSON Schema (draft 2020-12), as in config.schema.json.",
    );
    return EXIT_OK;
  }
  if (args.length > 0) {
    writeLine(io.stderr, `upslink2mqtt schema takes no arguments (got ${args.join(" ")}).`);
    return EXIT_USAGE;
  }
  io.stdout.write(configJsonSchemaText());
  return EXIT_OK;
};
