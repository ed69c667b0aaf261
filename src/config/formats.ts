// The value formats of the configuration. Each format knows how to read a string (environment,
// flags), how to check a value and say what is allowed, how to describe itself for the docs, and how
// to express itself in JSON Schema. The convict schema names these formats; convict calls them.
import convict from "convict";
import { SHUTDOWN_METHOD_NAMES } from "../protocol/catalogue/index.js";

/** One leaf of the convict schema, with the extra fields our formats read. */
export interface FieldSpec {
  readonly doc: string;
  readonly default: unknown;
  readonly format: FormatName;
  readonly sensitive?: boolean;
  readonly nullable?: boolean;
  /** int_range, threshold */
  readonly min?: number;
  readonly max?: number;
  /** choice, int_choice, list_of */
  readonly values?: readonly (string | number)[];
}

export type JsonSchemaNode = { readonly [key: string]: unknown };

interface Format {
  /** A string from the environment or a flag, turned into the value type; unreadable text stays a string. */
  readonly coerce: (text: string) => unknown;
  /** null when the value is allowed, else "must be …" naming the allowed values. */
  readonly check: (value: unknown, spec: FieldSpec) => string | null;
  /** Short human description for the docs table, e.g. `integer 250..60000`. */
  readonly describe: (spec: FieldSpec) => string;
  readonly jsonSchema: (spec: FieldSpec) => JsonSchemaNode;
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function coerceInteger(text: string): unknown {
  const trimmed = text.trim();
  return INTEGER_TEXT.test(trimmed) ? Number(trimmed) : text;
}

function rangeOf(spec: FieldSpec): { min: number; max: number } {
  return { min: spec.min ?? Number.MIN_SAFE_INTEGER, max: spec.max ?? Number.MAX_SAFE_INTEGER };
}

function valuesOf(spec: FieldSpec): readonly (string | number)[] {
  return spec.values ?? [];
}

function listText(values: readonly (string | number)[]): string {
  return values.map((value) => (typeof value === "string" ? `"${value}"` : String(value))).join(", ");
}

const TRUE_TEXT = new Set(["true", "1", "yes", "on"]);
const FALSE_TEXT = new Set(["false", "0", "no", "off"]);

export const MQTT_URL_SCHEMES = ["mqtt", "mqtts", "ws", "wss"] as const;
/** The shutdown methods are defined by the catalogue's actions (NUT's advorder letters). */
export const SHUTDOWN_METHODS = SHUTDOWN_METHOD_NAMES;

/**
 * The UPS id becomes a topic level next to `bridge` (`<base>/bridge/state`), so `bridge` itself
 * is reserved.
 */
export const UPS_ID_PATTERN = /^[a-z0-9_-]{1,64}$/;
export const RESERVED_UPS_IDS: readonly string[] = ["bridge"];

// A topic prefix: one or more levels, none empty, no wildcards, no NUL.
const TOPIC_PREFIX_PATTERN = /^[^/+#\u0000]+(\/[^/+#\u0000]+)*$/;

function checkTopicPrefix(value: unknown): string | null {
  if (typeof value === "string" && TOPIC_PREFIX_PATTERN.test(value)) return null;
  return "must be a topic prefix without wildcards (+, #), without a leading or trailing / and without empty levels, e.g. upslink2mqtt";
}

function checkMqttUrl(value: unknown): string | null {
  const problem = `must be a URL starting with ${MQTT_URL_SCHEMES.map((s) => `${s}://`).join(", ")} (e.g. mqtt://localhost:1883)`;
  if (typeof value !== "string") return problem;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return problem;
  }
  const scheme = url.protocol.replace(/:$/, "");
  if (!(MQTT_URL_SCHEMES as readonly string[]).includes(scheme) || url.hostname === "") return problem;
  return null;
}

function checkUpsPort(value: unknown): string | null {
  const problem =
    "must be a device path (e.g. /dev/ttyS0), tcp://host:port (e.g. tcp://10.0.0.5:4001) or sim://PROFILE";
  if (typeof value !== "string" || value.trim() === "") return problem;
  if (!value.includes("://")) return null;
  if (value.startsWith("sim://")) return value.length > "sim://".length ? null : problem;
  if (value.startsWith("tcp://")) {
    try {
      const url = new URL(value);
      const port = Number(url.port);
      return url.hostname !== "" && Number.isInteger(port) && port >= 1 && port <= 65535 ? null : problem;
    } catch {
      return problem;
    }
  }
  return problem;
}

function coerceList(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return text;
    }
  }
  return trimmed === "" ? [] : trimmed.split(",").map((item) => item.trim());
}

function coerceThreshold(text: string): unknown {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === "null" || trimmed === "off" || trimmed === "none") return null;
  return NUMBER_TEXT.test(trimmed) ? Number(trimmed) : text;
}

const identity = (text: string): unknown => text;

/** `host:port`, the host an IPv4 or IPv6 address (in brackets) or a name; empty means off. */
export const LISTEN_PATTERN = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/** The host and port of a `host:port` listen address, or null for empty (off) or malformed text. */
export function parseListen(text: string): { readonly host: string; readonly port: number } | null {
  const match = LISTEN_PATTERN.exec(text.trim());
  if (match === null) return null;
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: match[1] ?? match[2] ?? "", port };
}

function checkListen(value: unknown): string | null {
  if (value === "" || (typeof value === "string" && parseListen(value) !== null)) return null;
  return "must be host:port (e.g. 0.0.0.0:3493, 127.0.0.1:3493 or [::]:3493), or empty for off";
}

export const NUT_USER_FIELDS = ["username", "password", "upsmon", "instcmds", "actions"] as const;
export const NUT_USERNAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
const NUT_COMMAND_PATTERN = /^[A-Za-z0-9.]{1,64}$/;
export const NUT_ACTIONS = ["SET", "FSD"] as const;
export const UPSMON_ROLES = ["primary", "secondary"] as const;

/** One `nut.users` item as the file gives it, once checked (actions in any case). */
export interface NutUserValue {
  readonly username: string;
  readonly password: string;
  readonly upsmon?: (typeof UPSMON_ROLES)[number] | null;
  readonly instcmds?: readonly string[];
  readonly actions?: readonly string[];
}

const NUT_USERS_EXAMPLE =
  '[{username: monuser, password: "…", upsmon: secondary}, {username: admin, password: "…", instcmds: [test.battery.start], actions: [SET]}]';

/**
 * NUT users, from the configuration file only: a list of `{username, password, upsmon?, instcmds?,
 * actions?}`. The problem names the item and field, never the password.
 */
function checkNutUsers(value: unknown): string | null {
  if (!Array.isArray(value)) {
    return `must be a list of users in the configuration file (it cannot come from the environment or a flag), e.g. ${NUT_USERS_EXAMPLE}`;
  }
  const seen = new Set<string>();
  for (const [index, item] of value.entries()) {
    const at = `item ${index}`;
    if (typeof item !== "object" || item === null || Array.isArray(item))
      return `must hold mappings; ${at} is not one (e.g. ${NUT_USERS_EXAMPLE})`;
    const user = item as Record<string, unknown>;
    const unknown = Object.keys(user).find((key) => !(NUT_USER_FIELDS as readonly string[]).includes(key));
    if (unknown !== undefined)
      return `${at} has an unknown field "${unknown}"; allowed: ${NUT_USER_FIELDS.join(", ")}`;
    if (typeof user.username !== "string" || !NUT_USERNAME_PATTERN.test(user.username))
      return `${at} needs a username of 1 to 64 letters, digits, . _ @ -`;
    if (seen.has(user.username)) return `${at} repeats the username "${user.username}"`;
    seen.add(user.username);
    const password = user.password;
    if (
      typeof password !== "string" ||
      password === "" ||
      password.length > 256 ||
      /[\u0000-\u001f\u007f]/.test(password)
    )
      return `user "${user.username}" needs a password: 1 to 256 characters, no control characters`;
    if (
      user.upsmon !== undefined &&
      user.upsmon !== null &&
      !(UPSMON_ROLES as readonly unknown[]).includes(user.upsmon)
    )
      return `user "${user.username}": upsmon must be "primary" or "secondary" (or left out)`;
    const commands = user.instcmds ?? [];
    if (
      !Array.isArray(commands) ||
      !commands.every((c) => typeof c === "string" && NUT_COMMAND_PATTERN.test(c))
    )
      return `user "${user.username}": instcmds must be a list of NUT command names (e.g. [test.battery.start, shutdown.return]) or [ALL]`;
    const actions = user.actions ?? [];
    if (
      !Array.isArray(actions) ||
      !actions.every(
        (a) => typeof a === "string" && (NUT_ACTIONS as readonly string[]).includes(a.toUpperCase()),
      )
    )
      return `user "${user.username}": actions must be a list of ${listText(NUT_ACTIONS)}`;
  }
  return null;
}

const FORMATS = {
  int_range: {
    coerce: coerceInteger,
    check: (value, spec) => {
      const { min, max } = rangeOf(spec);
      return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
        ? null
        : `must be an integer from ${min} to ${max}`;
    },
    describe: (spec) => `integer ${rangeOf(spec).min}..${rangeOf(spec).max}`,
    jsonSchema: (spec) => ({ type: "integer", minimum: rangeOf(spec).min, maximum: rangeOf(spec).max }),
  },
  int_choice: {
    coerce: coerceInteger,
    check: (value, spec) =>
      typeof value === "number" && valuesOf(spec).includes(value)
        ? null
        : `must be one of ${listText(valuesOf(spec))}`,
    describe: (spec) => `one of ${listText(valuesOf(spec))}`,
    jsonSchema: (spec) => ({ type: "integer", enum: [...valuesOf(spec)] }),
  },
  choice: {
    coerce: (text) => text.trim(),
    check: (value, spec) =>
      typeof value === "string" && valuesOf(spec).includes(value)
        ? null
        : `must be one of ${listText(valuesOf(spec))}`,
    describe: (spec) => `one of ${listText(valuesOf(spec))}`,
    jsonSchema: (spec) => ({ type: "string", enum: [...valuesOf(spec)] }),
  },
  bool: {
    coerce: (text) => {
      const lower = text.trim().toLowerCase();
      if (TRUE_TEXT.has(lower)) return true;
      if (FALSE_TEXT.has(lower)) return false;
      return text;
    },
    check: (value) => (typeof value === "boolean" ? null : "must be true or false"),
    describe: () => "boolean",
    jsonSchema: () => ({ type: "boolean" }),
  },
  text: {
    coerce: identity,
    check: (value) => (typeof value === "string" ? null : "must be a string"),
    describe: () => "string",
    jsonSchema: () => ({ type: "string" }),
  },
  file_path: {
    coerce: identity,
    check: (value) =>
      typeof value === "string" && value !== "" ? null : "must be the path of a readable file",
    describe: () => "file path",
    jsonSchema: () => ({ type: "string", minLength: 1 }),
  },
  dir_path: {
    coerce: identity,
    check: (value) => (typeof value === "string" && value !== "" ? null : "must be the path of a directory"),
    describe: () => "directory path",
    jsonSchema: () => ({ type: "string", minLength: 1 }),
  },
  mqtt_url: {
    coerce: (text) => text.trim(),
    check: checkMqttUrl,
    describe: () => "URL: mqtt://, mqtts://, ws:// or wss://",
    jsonSchema: () => ({ type: "string", format: "uri", pattern: `^(${MQTT_URL_SCHEMES.join("|")})://` }),
  },
  topic_prefix: {
    coerce: (text) => text.trim(),
    check: checkTopicPrefix,
    describe: () => "topic prefix (no wildcards, no leading or trailing /)",
    jsonSchema: () => ({ type: "string", pattern: TOPIC_PREFIX_PATTERN.source }),
  },
  ups_id: {
    coerce: (text) => text.trim(),
    check: (value) =>
      typeof value === "string" && UPS_ID_PATTERN.test(value) && !RESERVED_UPS_IDS.includes(value)
        ? null
        : `must match [a-z0-9_-]+ (1 to 64 lower-case letters, digits, _ and -) and not be ${listText(RESERVED_UPS_IDS)}`,
    describe: () => "id [a-z0-9_-]+",
    jsonSchema: () => ({
      type: "string",
      pattern: UPS_ID_PATTERN.source,
      not: { enum: [...RESERVED_UPS_IDS] },
    }),
  },
  ups_port: {
    coerce: (text) => text.trim(),
    check: checkUpsPort,
    describe: () => "device path, tcp://host:port or sim://PROFILE",
    jsonSchema: () => ({ type: "string", minLength: 1 }),
  },
  list_of: {
    coerce: coerceList,
    check: (value, spec) => {
      const allowed = valuesOf(spec);
      const problem = `must be a non-empty list of distinct values from ${listText(allowed)} (e.g. ${JSON.stringify(spec.default)})`;
      if (!Array.isArray(value) || value.length === 0) return problem;
      if (new Set(value).size !== value.length) return problem;
      return value.every((item) => allowed.includes(item as string)) ? null : problem;
    },
    describe: (spec) => `list of ${listText(valuesOf(spec))}`,
    jsonSchema: (spec) => ({
      type: "array",
      items: { enum: [...valuesOf(spec)] },
      minItems: 1,
      uniqueItems: true,
    }),
  },
  listen_address: {
    coerce: (text) => text.trim(),
    check: checkListen,
    describe: () => "host:port, or empty for off",
    jsonSchema: () => ({ type: "string", pattern: `^$|${LISTEN_PATTERN.source}` }),
  },
  nut_users: {
    // File only: text from the environment or a flag is kept as text, which the check refuses.
    coerce: identity,
    check: checkNutUsers,
    describe: () => "list of {username, password, upsmon, instcmds, actions} (configuration file only)",
    jsonSchema: () => ({
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["username", "password"],
        properties: {
          username: { type: "string", pattern: NUT_USERNAME_PATTERN.source },
          password: { type: "string", minLength: 1, maxLength: 256 },
          upsmon: { enum: [...UPSMON_ROLES, null] },
          instcmds: { type: "array", items: { type: "string", pattern: NUT_COMMAND_PATTERN.source } },
          actions: { type: "array", items: { enum: [...NUT_ACTIONS] } },
        },
      },
    }),
  },
  threshold: {
    coerce: coerceThreshold,
    check: (value, spec) => {
      const { min, max } = rangeOf(spec);
      if (value === null || value === -1) return null;
      return typeof value === "number" && Number.isFinite(value) && value >= min && value <= max
        ? null
        : `must be a number from ${min} to ${max}, or null (or -1) to disable`;
    },
    describe: (spec) => `number ${rangeOf(spec).min}..${rangeOf(spec).max}, null or -1 = off`,
    jsonSchema: (spec) => ({
      anyOf: [
        { type: "number", minimum: rangeOf(spec).min, maximum: rangeOf(spec).max },
        { const: -1 },
        { type: "null" },
      ],
    }),
  },
} as const satisfies Record<string, Format>;

export type FormatName = keyof typeof FORMATS;

function formatOf(spec: FieldSpec): Format {
  return FORMATS[spec.format];
}

/** null when the value is allowed, else the sentence naming what is allowed. */
export function checkValue(spec: FieldSpec, value: unknown): string | null {
  if (value === null && spec.nullable === true) return null;
  return formatOf(spec).check(value, spec);
}

export function describeFormat(spec: FieldSpec): string {
  const description = formatOf(spec).describe(spec);
  return spec.nullable === true ? `${description} or null` : description;
}

export function formatJsonSchema(spec: FieldSpec): JsonSchemaNode {
  const node = formatOf(spec).jsonSchema(spec);
  if (spec.nullable !== true || spec.format === "threshold") return node;
  return { anyOf: [node, { type: "null" }] };
}

let registered = false;

/** Teaches convict our formats (once per process: convict's format table is global). */
export function registerFormats(): void {
  if (registered) return;
  registered = true;
  for (const [name, format] of Object.entries(FORMATS) as [FormatName, Format][]) {
    convict.addFormat({
      name,
      // convict calls validate with the field's schema node as `this`-like second argument.
      validate: (value: unknown, spec: FieldSpec) => {
        const problem = format.check(value, spec);
        if (problem !== null) throw new Error(problem);
      },
      coerce: (value: unknown) => (typeof value === "string" ? format.coerce(value) : value),
    });
  }
}
