// loadConfig: defaults < file < environment < flags, every value checked, one normalized Config.
//
// Several UPSes: the file's `ups` may be a list. The UPSLINK_UPS_* variables and --ups.* flags
// describe a single UPS, so combining them with a list is refused (config_invalid) rather than
// guessing which list item they were meant for.
import { randomBytes } from "node:crypto";
import { accessSync, constants } from "node:fs";
import convict from "convict";
import { UpsLinkError } from "../protocol/errors.js";
import { checkValue, describeFormat, type NutUserValue, parseListen, registerFormats } from "./formats.js";
import { displayValue } from "./redact.js";
import {
  CONFIG_FILE_ENV,
  CONFIG_KEYS,
  CONFIG_SCHEMA,
  type ConfigKey,
  type ConfigPath,
  type ConfigValues,
  flagFor,
  isFieldSpec,
  type SchemaNode,
  type SchemaValues,
  UPS_KEYS,
  UPS_SCHEMA,
} from "./schema.js";
import { parseArgs, readConfigFile } from "./sources.js";
import type { Config, LoadConfigInput, NutUserConfig, UpsConfig } from "./types.js";

registerFormats();

type Origin =
  | { readonly kind: "default" }
  | { readonly kind: "file"; readonly file: string }
  | { readonly kind: "env"; readonly name: string }
  | { readonly kind: "flag"; readonly name: string };

interface Problem {
  readonly key: string;
  readonly message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function getAt(root: unknown, path: string): unknown {
  let node = root;
  for (const part of path.split(".")) {
    if (!isRecord(node)) return undefined;
    node = node[part];
  }
  return node;
}

function originText(origin: Origin): string {
  switch (origin.kind) {
    case "default":
      return "the default";
    case "file":
      return origin.file;
    case "env":
      return origin.name;
    case "flag":
      return origin.name;
  }
}

/** `ups.port (UPSLINK_UPS_PORT, from config.yaml) must be …; got "x".` */
function problemFor(key: ConfigKey, label: string, origin: Origin, value: unknown, message: string): Problem {
  const shown = key.sensitive ? "" : `; got ${displayValue(key.path, value)}`;
  const where = origin.kind === "env" ? key.env : `${key.env}, from ${originText(origin)}`;
  return { key: label, message: `${label} (${where}) ${message}${shown}.` };
}

/**
 * Checks the file's structure against the schema: unknown keys are errors naming the key, groups
 * must be mappings. Returns the document without an `ups` list, and the list if there is one.
 */
function checkFileShape(
  document: unknown,
  file: string,
): { readonly tree: Record<string, unknown>; readonly upsList: readonly unknown[] | null } {
  if (!isRecord(document)) {
    throw new UpsLinkError(
      "config_invalid",
      `Configuration file ${file} must hold a mapping of keys (mqtt, ups, …).`,
      { file },
    );
  }
  const problems: Problem[] = [];
  const walk = (
    node: Record<string, unknown>,
    schema: { readonly [key: string]: SchemaNode },
    prefix: string,
  ): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(node)) {
      const path = prefix === "" ? name : `${prefix}.${name}`;
      const spec = Object.hasOwn(schema, name) ? schema[name] : undefined;
      if (spec === undefined) {
        problems.push({
          key: path,
          message: `Unknown key "${path}" in ${file}; allowed${prefix === "" ? "" : ` under ${prefix}`}: ${Object.keys(schema).join(", ")}.`,
        });
      } else if (isFieldSpec(spec)) {
        if (isRecord(value)) {
          problems.push({
            key: path,
            message: `${path} in ${file} must be ${describeFormat(spec)}, not a mapping.`,
          });
        } else {
          out[name] = value;
        }
      } else if (value === null) {
        // `mqtt:` with nothing under it in YAML: no settings in that group.
      } else if (isRecord(value)) {
        out[name] = walk(value, spec, path);
      } else {
        problems.push({
          key: path,
          message: `${path} in ${file} must be a mapping of ${Object.keys(spec).join(", ")}.`,
        });
      }
    }
    return out;
  };
  const { ups, ...rest } = document;
  const tree = walk(rest, CONFIG_SCHEMA, "");
  let upsList: unknown[] | null = null;
  if (Array.isArray(ups)) {
    upsList = ups.map((item, index) => {
      const label = `ups[${index}]`;
      if (!isRecord(item)) {
        problems.push({
          key: label,
          message: `${label} in ${file} must be a mapping of ${UPS_KEYS.map((k) => k.path.slice(4)).join(", ")}.`,
        });
        return {};
      }
      return walk({ ups: item }, UPS_SCHEMA, "").ups;
    });
    if (ups.length === 0)
      problems.push({ key: "ups", message: `ups in ${file} is an empty list; list at least one UPS.` });
  } else if (ups !== undefined) {
    Object.assign(tree, walk({ ups }, CONFIG_SCHEMA, ""));
  }
  throwProblems(problems);
  return { tree, upsList };
}

function throwProblems(problems: readonly Problem[]): void {
  if (problems.length === 0) return;
  const message =
    problems.length === 1
      ? (problems[0]?.message ?? "")
      : `Invalid configuration:\n${problems.map((problem) => `  - ${problem.message}`).join("\n")}`;
  throw new UpsLinkError("config_invalid", message, { keys: problems.map((problem) => problem.key) });
}

/** Empty variables count as unset, as in most compose files (`UPSLINK_MQTT_PASSWORD=`). */
function presentEnv(env: LoadConfigInput["env"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== "") out[name] = value;
  }
  return out;
}

function randomClientId(): string {
  return `upslink2mqtt_${randomBytes(4).toString("hex")}`;
}

function checkReadable(problems: Problem[], key: ConfigKey, path: unknown): void {
  if (typeof path !== "string") return;
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : "unreadable";
    problems.push({
      key: key.path,
      message: `${key.path} (${key.env}): cannot read file ${path} (${reason}).`,
    });
  }
}

function keyOf(path: ConfigPath): ConfigKey {
  const key = CONFIG_KEYS.find((candidate) => candidate.path === path);
  if (key === undefined) throw new Error(`internal: no configuration key ${path}`);
  return key;
}

interface Sources {
  /** Every key's value (defaults < file < environment < flags); checked by the caller. */
  readonly values: ConfigValues;
  readonly originOf: (path: string) => Origin;
}

/**
 * convict: defaults, then the file, then the environment and our flags, each variable by its
 * mechanical name (convict's own env and argv parsing are off: it would turn "0123" into 123,
 * which would corrupt ids and passwords).
 */
/** A flag's value and the name the user typed it under. */
interface FlagValue {
  readonly value: string;
  readonly flag: string;
}

function readSources(
  tree: Record<string, unknown>,
  file: string | null,
  env: Readonly<Record<string, string>>,
  flags: ReadonlyMap<string, FlagValue>,
): Sources {
  const origins = new Map<string, Origin>();
  const store = convict<ConfigValues>(CONFIG_SCHEMA, { env: {}, args: [] });
  store.load(tree);
  for (const key of CONFIG_KEYS) {
    if (file !== null && getAt(tree, key.path) !== undefined) origins.set(key.path, { kind: "file", file });
    const text = env[key.env];
    if (text !== undefined) {
      store.set(key.path, text);
      origins.set(key.path, { kind: "env", name: key.env });
    }
  }
  for (const [path, { value, flag }] of flags) {
    store.set(path, value);
    origins.set(path, { kind: "flag", name: flag });
  }
  return { values: store.getProperties(), originOf: (path) => origins.get(path) ?? { kind: "default" } };
}

function checkKeys(sources: Sources, keys: readonly ConfigKey[], problems: Problem[]): void {
  for (const key of keys) {
    const value = getAt(sources.values, key.path);
    const problem = checkValue(key.spec, value);
    if (problem !== null)
      problems.push(problemFor(key, key.path, sources.originOf(key.path), value, problem));
  }
}

/**
 * Some keys only, from the environment and the given flags (no file): for the one-shot commands
 * (probe, health) that need a few settings and must not fail on the bridge's other keys. Only the
 * listed keys are checked: read no others from the result.
 */
export function loadKeys(
  input: { readonly env: LoadConfigInput["env"]; readonly flags?: ReadonlyMap<ConfigPath, FlagValue> },
  paths: readonly ConfigPath[],
): ConfigValues {
  const sources = readSources({}, null, presentEnv(input.env), input.flags ?? new Map());
  const problems: Problem[] = [];
  checkKeys(sources, paths.map(keyOf), problems);
  throwProblems(problems);
  return sources.values;
}

export function loadConfig(input: LoadConfigInput): Config {
  const args = parseArgs(input.argv);
  const env = presentEnv(input.env);
  const file = args.configFile ?? env[CONFIG_FILE_ENV] ?? null;
  const { tree, upsList } =
    file === null ? { tree: {}, upsList: null } : checkFileShape(readConfigFile(file), file);
  const flags = new Map([...args.flags].map(([path, value]) => [path, { value, flag: flagFor(path) }]));
  const sources = readSources(tree, file, env, flags);
  const { values } = sources;

  const problems: Problem[] = [];
  checkKeys(sources, CONFIG_KEYS, problems);
  for (const path of ["mqtt.ca", "mqtt.cert", "mqtt.key", "nut.certfile", "nut.keyfile"] as const)
    checkReadable(problems, keyOf(path), getAt(values, path));
  for (const [cert, key] of [
    ["mqtt.cert", "mqtt.key"],
    ["nut.certfile", "nut.keyfile"],
  ] as const) {
    if ((getAt(values, cert) === null) !== (getAt(values, key) === null)) {
      problems.push({
        key: cert,
        message: `${cert} and ${key} (${keyOf(cert).env}, ${keyOf(key).env}) go together: set both or neither.`,
      });
    }
  }
  for (const [min, max] of [
    ["mqtt.reconnect_period_ms", "mqtt.reconnect_max_ms"],
    ["link.reconnect_min_ms", "link.reconnect_max_ms"],
  ] as const) {
    const low = getAt(values, min);
    const high = getAt(values, max);
    if (typeof low === "number" && typeof high === "number" && low > high) {
      problems.push({
        key: max,
        message: `${max} (${keyOf(max).env}) must be at least ${min} (${low}); got ${high}.`,
      });
    }
  }

  const defaultPoll = values.poll_interval_ms;
  let upses: (UpsConfig | null)[] = [];
  if (upsList === null) {
    if (values.ups.port === null) {
      problems.push({
        key: "ups.port",
        message:
          "ups.port is required: set UPSLINK_UPS_PORT, --ups.port or ups.port in the configuration file to a device path (e.g. /dev/ttyS0), tcp://host:port or sim://PROFILE.",
      });
    }
    upses = [toUpsConfig(values.ups, defaultPoll)];
  } else {
    const single = UPS_KEYS.filter((key) => args.flags.has(key.path) || env[key.env] !== undefined);
    if (single.length > 0) {
      problems.push({
        key: "ups",
        message: `${single.map((key) => (args.flags.has(key.path) ? key.flag : key.env)).join(", ")} describe a single UPS but ${file ?? "the configuration file"} lists several under ups: set them in the list instead.`,
      });
    }
    upses = upsList.map((item, index) => loadUpsItem(item, index, file ?? "", defaultPoll, problems));
    const seen = new Set<string>();
    for (const [index, ups] of upses.entries()) {
      if (ups === null) continue;
      if (seen.has(ups.id)) {
        problems.push({
          key: `ups[${index}].id`,
          message: `ups[${index}].id "${ups.id}" is used twice; every UPS needs its own id.`,
        });
      }
      seen.add(ups.id);
    }
  }
  const nisUps = values.nis.ups;
  if (nisUps !== null && !upses.some((ups) => ups?.id === nisUps)) {
    problems.push({
      key: "nis.ups",
      message: `nis.ups (${keyOf("nis.ups").env}) is "${nisUps}", which is not the id of a configured UPS; allowed: ${upses.flatMap((ups) => (ups === null ? [] : [ups.id])).join(", ")}.`,
    });
  }
  throwProblems(problems);
  return buildConfig(
    values,
    upses.filter((ups) => ups !== null),
  );
}

function loadUpsItem(
  item: unknown,
  index: number,
  file: string,
  defaultPoll: number,
  problems: Problem[],
): UpsConfig | null {
  // The same per-UPS schema as the single `ups` object, without environment or flags.
  const store = convict<SchemaValues<typeof UPS_SCHEMA>>(UPS_SCHEMA, { env: {}, args: [] });
  store.load({ ups: item });
  const values = store.getProperties();
  for (const key of UPS_KEYS) {
    const value = getAt(values, key.path);
    const label = `ups[${index}].${key.path.slice("ups.".length)}`;
    const set = getAt({ ups: item }, key.path) !== undefined;
    const problem = checkValue(key.spec, value);
    if (problem !== null) {
      const shown = key.sensitive ? "" : `; got ${displayValue(key.path, value)}`;
      const where = set ? `in ${file}` : "by default";
      problems.push({ key: label, message: `${label} (${where}) ${problem}${shown}.` });
    } else if (key.path === "ups.port" && value === null) {
      problems.push({
        key: label,
        message: `${label} is required in ${file}: a device path (e.g. /dev/ttyS0), tcp://host:port or sim://PROFILE.`,
      });
    }
  }
  return toUpsConfig(values.ups, defaultPoll);
}

/** A checked UPS; null when it has no port (reported as a problem by the caller). */
function toUpsConfig(ups: ConfigValues["ups"], defaultPoll: number): UpsConfig | null {
  const { port, poll_interval_ms: poll, ...rest } = ups;
  if (port === null) return null;
  return { ...rest, port, poll_interval_ms: poll ?? defaultPoll };
}

/** A threshold of -1 means "off", as null does. */
function offWhenMinusOne(value: number | null): number | null {
  return value === -1 ? null : value;
}

/** A checked `nut.users` item with its optional fields filled in. */
function nutUser(user: NutUserValue): NutUserConfig {
  return {
    username: user.username,
    password: user.password,
    upsmon: user.upsmon ?? null,
    instcmds: user.instcmds ?? [],
    actions: (user.actions ?? []).flatMap((action) => {
      const upper = action.toUpperCase();
      return upper === "SET" || upper === "FSD" ? [upper] : [];
    }),
  };
}

function buildConfig(values: ConfigValues, upses: readonly UpsConfig[]): Config {
  const { ups: _single, mqtt, nut, nis, shutdown_policy: policy, ...rest } = values;
  return {
    ...rest,
    mqtt: { ...mqtt, client_id: mqtt.client_id ?? randomClientId() },
    upses,
    nut: { ...nut, listen: parseListen(nut.listen), users: nut.users.map(nutUser) },
    nis: { ...nis, listen: parseListen(nis.listen) },
    shutdown_policy: {
      charge_below_percent: offWhenMinusOne(policy.charge_below_percent),
      runtime_below_minutes: offWhenMinusOne(policy.runtime_below_minutes),
    },
  };
}
