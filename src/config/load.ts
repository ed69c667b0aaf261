// loadConfig: defaults < file < environment < flags, every value checked, one normalized Config.
//
// Several UPSes: the file's `ups` may be a list. The UPSLINK_UPS_* variables and --ups.* flags
// describe a single UPS, so combining them with a list is refused (config_invalid) rather than
// guessing which list item they were meant for.
import { randomBytes } from "node:crypto";
import { accessSync, constants } from "node:fs";
import convict from "convict";
import type { LogFormat, LogLevel } from "../log.js";
import { UpsLinkError } from "../protocol/errors.js";
import { checkValue, describeFormat, parseListen, registerFormats } from "./formats.js";
import { displayValue } from "./redact.js";
import {
  CONFIG_FILE_ENV,
  CONFIG_KEYS,
  CONFIG_SCHEMA,
  type ConfigKey,
  isFieldSpec,
  type SchemaNode,
  UPS_KEYS,
  UPS_SCHEMA,
} from "./schema.js";
import { parseArgs, readConfigFile } from "./sources.js";
import type {
  Cable,
  Config,
  LoadConfigInput,
  MqttConfig,
  NutUserConfig,
  ShutdownMethod,
  UpsConfig,
} from "./types.js";

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

function keyOf(path: string): ConfigKey {
  const key = CONFIG_KEYS.find((candidate) => candidate.path === path);
  if (key === undefined) throw new Error(`internal: no configuration key ${path}`);
  return key;
}

export function loadConfig(input: LoadConfigInput): Config {
  const args = parseArgs(input.argv);
  const env = presentEnv(input.env);
  const file = args.configFile ?? env[CONFIG_FILE_ENV] ?? null;
  const { tree, upsList } =
    file === null ? { tree: {}, upsList: null } : checkFileShape(readConfigFile(file), file);

  const origins = new Map<string, Origin>();
  const originOf = (path: string): Origin => origins.get(path) ?? { kind: "default" };
  for (const key of CONFIG_KEYS) {
    if (file !== null && getAt(tree, key.path) !== undefined) origins.set(key.path, { kind: "file", file });
    if (env[key.env] !== undefined) origins.set(key.path, { kind: "env", name: key.env });
    if (args.flags.has(key.path)) origins.set(key.path, { kind: "flag", name: key.flag });
  }

  // convict: defaults, then the file (load re-applies the environment after it), then our flags.
  // Its own argv parsing is off (args: []): it turns "0123" into 123, which would corrupt ids and passwords.
  const store = convict(CONFIG_SCHEMA, { env, args: [] });
  store.load(tree);
  for (const [path, text] of args.flags) store.set(path, text);
  const values: unknown = store.getProperties();

  const problems: Problem[] = [];
  for (const key of CONFIG_KEYS) {
    const value = getAt(values, key.path);
    const problem = checkValue(key.spec, value);
    if (problem !== null) problems.push(problemFor(key, key.path, originOf(key.path), value, problem));
  }
  for (const path of ["mqtt.ca", "mqtt.cert", "mqtt.key", "nut.certfile", "nut.keyfile"])
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

  const defaultPoll = getAt(values, "poll_interval_ms");
  let upses: UpsConfig[] = [];
  if (upsList === null) {
    const port = getAt(values, "ups.port");
    if (port === null) {
      problems.push({
        key: "ups.port",
        message:
          "ups.port is required: set UPSLINK_UPS_PORT, --ups.port or ups.port in the configuration file to a device path (e.g. /dev/ttyS0), tcp://host:port or sim://PROFILE.",
      });
    }
    upses = [toUpsConfig(getAt(values, "ups"), defaultPoll)];
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
      if (seen.has(ups.id)) {
        problems.push({
          key: `ups[${index}].id`,
          message: `ups[${index}].id "${ups.id}" is used twice; every UPS needs its own id.`,
        });
      }
      seen.add(ups.id);
    }
  }
  throwProblems(problems);
  return buildConfig(values, upses);
}

function loadUpsItem(
  item: unknown,
  index: number,
  file: string,
  defaultPoll: unknown,
  problems: Problem[],
): UpsConfig {
  // The same per-UPS schema as the single `ups` object, without environment or flags.
  const store = convict(UPS_SCHEMA, { env: {}, args: [] });
  store.load({ ups: item });
  const values: unknown = store.getProperties();
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
  return toUpsConfig(getAt(values, "ups"), defaultPoll);
}

// The readers below run on checked values; their fallbacks only keep the types honest.
function text(root: unknown, path: string): string {
  const value = getAt(root, path);
  return typeof value === "string" ? value : "";
}

function textOrNull(root: unknown, path: string): string | null {
  const value = getAt(root, path);
  return typeof value === "string" ? value : null;
}

function int(root: unknown, path: string): number {
  const value = getAt(root, path);
  return typeof value === "number" ? value : 0;
}

function flag(root: unknown, path: string): boolean {
  return getAt(root, path) === true;
}

function threshold(root: unknown, path: string): number | null {
  const value = getAt(root, path);
  return typeof value === "number" && value !== -1 ? value : null;
}

function toUpsConfig(ups: unknown, defaultPoll: unknown): UpsConfig {
  const poll = getAt(ups, "poll_interval_ms");
  return {
    id: text(ups, "id"),
    port: text(ups, "port"),
    cable: text(ups, "cable") as Cable,
    name: textOrNull(ups, "name"),
    poll_interval_ms: typeof poll === "number" ? poll : typeof defaultPoll === "number" ? defaultPoll : 0,
  };
}

function buildConfig(values: unknown, upses: readonly UpsConfig[]): Config {
  const mqtt: MqttConfig = {
    url: text(values, "mqtt.url"),
    username: textOrNull(values, "mqtt.username"),
    password: textOrNull(values, "mqtt.password"),
    base_topic: text(values, "mqtt.base_topic"),
    client_id: textOrNull(values, "mqtt.client_id") ?? randomClientId(),
    protocol_version: int(values, "mqtt.protocol_version") === 4 ? 4 : 5,
    keepalive_s: int(values, "mqtt.keepalive_s"),
    reconnect_period_ms: int(values, "mqtt.reconnect_period_ms"),
    reconnect_max_ms: int(values, "mqtt.reconnect_max_ms"),
    ca: textOrNull(values, "mqtt.ca"),
    cert: textOrNull(values, "mqtt.cert"),
    key: textOrNull(values, "mqtt.key"),
    key_passphrase: textOrNull(values, "mqtt.key_passphrase"),
    reject_unauthorized: flag(values, "mqtt.reject_unauthorized"),
    refresh_interval_s: int(values, "mqtt.refresh_interval_s"),
    qos: int(values, "mqtt.qos") as 0 | 1 | 2,
  };
  return {
    mqtt,
    homeassistant: {
      enabled: flag(values, "homeassistant.enabled"),
      discovery_prefix: text(values, "homeassistant.discovery_prefix"),
    },
    upses,
    poll_interval_ms: int(values, "poll_interval_ms"),
    slow_poll_interval_s: int(values, "slow_poll_interval_s"),
    commands: {
      allow_destructive: flag(values, "commands.allow_destructive"),
      confirm_timeout_s: int(values, "commands.confirm_timeout_s"),
      shutdown_return: {
        order: [...((getAt(values, "commands.shutdown_return.order") as ShutdownMethod[] | undefined) ?? [])],
        wake_delay_tenths: int(values, "commands.shutdown_return.wake_delay_tenths"),
        cs_delay_ms: int(values, "commands.shutdown_return.cs_delay_ms"),
      },
    },
    shutdown_policy: {
      charge_below_percent: threshold(values, "shutdown_policy.charge_below_percent"),
      runtime_below_minutes: threshold(values, "shutdown_policy.runtime_below_minutes"),
    },
    link: {
      query_timeout_ms: int(values, "link.query_timeout_ms"),
      query_retries: int(values, "link.query_retries"),
      handshake_retries: int(values, "link.handshake_retries"),
      reconnect_min_ms: int(values, "link.reconnect_min_ms"),
      reconnect_max_ms: int(values, "link.reconnect_max_ms"),
      lost_after_failures: int(values, "link.lost_after_failures"),
    },
    nut: {
      listen: parseListen(text(values, "nut.listen")),
      certfile: textOrNull(values, "nut.certfile"),
      keyfile: textOrNull(values, "nut.keyfile"),
      users: nutUsers(getAt(values, "nut.users")),
      max_clients: int(values, "nut.max_clients"),
      idle_timeout_s: int(values, "nut.idle_timeout_s"),
    },
    log: {
      level: text(values, "log.level") as LogLevel,
      format: textOrNull(values, "log.format") as LogFormat | null,
    },
  };
}

/** The checked `nut.users` list with its optional fields filled in. */
function nutUsers(value: unknown): NutUserConfig[] {
  if (!Array.isArray(value)) return [];
  return value.map((item: Record<string, unknown>) => ({
    username: String(item.username),
    password: String(item.password),
    upsmon: item.upsmon === "primary" || item.upsmon === "secondary" ? item.upsmon : null,
    instcmds: Array.isArray(item.instcmds) ? item.instcmds.map(String) : [],
    actions: Array.isArray(item.actions)
      ? item.actions
          .map((a) => String(a).toUpperCase())
          .filter((a): a is "SET" | "FSD" => a === "SET" || a === "FSD")
      : [],
  }));
}
