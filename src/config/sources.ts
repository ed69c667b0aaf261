// Reading the sources of the configuration that convict does not read itself: the command line
// (flags derived from the schema) and the YAML or JSON file.
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { UpsLinkError } from "../protocol/errors.js";
import { CONFIG_FILE_FLAG, CONFIG_KEYS } from "./schema.js";

export interface ParsedArgs {
  readonly configFile: string | null;
  /** dotted path → raw text, in command-line order (a repeated flag: the last wins). */
  readonly flags: ReadonlyMap<string, string>;
}

function usageError(message: string): UpsLinkError {
  return new UpsLinkError(
    "config_invalid",
    `${message} Options are --config FILE and the configuration keys as --dotted.path=value (see \`upslink2mqtt schema\`).`,
  );
}

/**
 * Flags are `--<dotted.path>=value` or `--<dotted.path> value`; a boolean key may stand alone
 * (`--commands.allow_destructive`). Anything else is refused, so a typo never passes silently.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  let configFile: string | null = null;
  const flags = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? "";
    if (!arg.startsWith("--")) throw usageError(`Unexpected argument "${arg}".`);
    const equals = arg.indexOf("=");
    const name = equals === -1 ? arg : arg.slice(0, equals);
    let value: string | undefined = equals === -1 ? undefined : arg.slice(equals + 1);
    const key = name === CONFIG_FILE_FLAG ? null : CONFIG_KEYS.find((candidate) => candidate.flag === name);
    if (key === undefined) throw usageError(`Unknown option ${name}.`);
    if (value === undefined) {
      const next = argv[index + 1];
      if (next !== undefined && !next.startsWith("--")) {
        value = next;
        index++;
      } else if (key !== null && key.spec.format === "bool") {
        value = "true";
      } else {
        throw usageError(`Option ${name} needs a value.`);
      }
    }
    if (key === null) configFile = value;
    else flags.set(key.path, value);
  }
  return { configFile, flags };
}

/** Reads and parses the configuration file: `.yaml`/`.yml` as YAML, `.json` as JSON. */
export function readConfigFile(path: string): unknown {
  const extension = extname(path).toLowerCase();
  if (![".yaml", ".yml", ".json"].includes(extension)) {
    throw new UpsLinkError(
      "config_invalid",
      `Configuration file ${path}: unknown extension "${extension}"; use .yaml, .yml or .json.`,
      { file: path },
    );
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new UpsLinkError(
      "config_invalid",
      `Cannot read configuration file ${path} (${reason}).`,
      { file: path },
      {
        cause: error,
      },
    );
  }
  try {
    const parsed: unknown = extension === ".json" ? JSON.parse(text) : parseYaml(text);
    // An empty YAML file is `null`: no settings, every default.
    return parsed ?? {};
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UpsLinkError(
      "config_invalid",
      `Configuration file ${path} is not valid ${extension === ".json" ? "JSON" : "YAML"}: ${reason}`,
      {
        file: path,
      },
    );
  }
}
