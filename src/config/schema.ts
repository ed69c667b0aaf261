// The configuration schema: the source of truth for keys, defaults, ranges, docs, environment names
// and flags. Environment names and flags are derived mechanically from the dotted path (the
// contract's table is a consequence of this file, not a second list).
import { DEFAULT_LINK_OPTIONS, LINK_OPTION_RANGES } from "../link/options.js";
import { CABLES } from "../link/transport.js";
import { LOG_FORMATS, LOG_LEVELS } from "../log.js";
import { describeFormat, type FieldSpec, type NutUserValue, SHUTDOWN_METHODS } from "./formats.js";

/** A group of the schema: leaves (fields) and further groups. */
export type SchemaNode = FieldSpec | { readonly [key: string]: SchemaNode };
type SchemaTree = { readonly [key: string]: SchemaNode };

/** `mqtt.base_topic` → `UPSLINK_MQTT_BASE_TOPIC`. */
export function envNameFor(path: string): string {
  return `UPSLINK_${path.replace(/\./g, "_").toUpperCase()}`;
}

/** `mqtt.base_topic` → `--mqtt.base_topic`. */
export function flagFor(path: string): string {
  return `--${path}`;
}

/** The environment variable and flag naming the configuration file. */
export const CONFIG_FILE_ENV = "UPSLINK_CONFIG";
export const CONFIG_FILE_FLAG = "--config";

/** Per-UPS keys: the single `ups` object and every item of an `ups` list share them. */
const UPS_FIELDS = {
  id: {
    doc: "The UPS's topic id: <base>/<id>/… . Lower-case letters, digits, _ and -; `bridge` is reserved.",
    default: "ups",
    format: "ups_id",
  },
  port: {
    doc: "Where the UPS is: a serial device path (/dev/ttyS0, /dev/serial/by-id/…, COM3), tcp://host:port (ser2net or a terminal server) or sim://PROFILE (the built-in simulator). Required.",
    default: null,
    format: "ups_port",
    nullable: true,
  },
  cable: {
    doc: "The UPS cable. 940-0024C is the standard smart-signalling cable (DTR/RTS untouched); 940-0095B needs DTR=1, RTS=0.",
    default: "940-0024C",
    format: "choice",
    values: CABLES,
  },
  name: {
    doc: "Display name (Home Assistant device name). null: the model name the UPS reports.",
    default: null,
    format: "text",
    nullable: true,
  },
  poll_interval_ms: {
    doc: "Fast-tier poll period for this UPS in milliseconds. null: the top-level poll_interval_ms.",
    default: null,
    format: "int_range",
    nullable: true,
    min: 250,
    max: 60000,
  },
  nominal_power_w: {
    doc: "The UPS's nominal real power in watts (its rating, e.g. 980 for an SUA1500): the load in watts is the load percent of it (a Home Assistant power sensor, NUT's ups.realpower). null: taken from the model name when the bridge knows it, else no load in watts.",
    default: null,
    format: "int_range",
    nullable: true,
    min: 1,
    max: 1000000,
  },
} as const satisfies SchemaTree;

const TREE = {
  mqtt: {
    url: {
      doc: "MQTT broker URL: mqtt://, mqtts:// (TLS), ws:// or wss:// (WebSocket).",
      default: "mqtt://localhost:1883",
      format: "mqtt_url",
    },
    username: { doc: "MQTT user name. null: anonymous.", default: null, format: "text", nullable: true },
    password: { doc: "MQTT password.", default: null, format: "text", nullable: true, sensitive: true },
    base_topic: {
      doc: "First topic level(s) of everything the bridge publishes and listens to.",
      default: "upslink2mqtt",
      format: "topic_prefix",
    },
    client_id: {
      doc: "MQTT client id. null: upslink2mqtt_<8 random hex digits>, new at every start.",
      default: null,
      format: "text",
      nullable: true,
    },
    protocol_version: {
      doc: "MQTT protocol version: 5 (MQTT 5, response topics) or 4 (MQTT 3.1.1). With 5, a broker that refuses MQTT 5 is retried with 3.1.1.",
      default: 5,
      format: "int_choice",
      values: [4, 5],
    },
    keepalive_s: {
      doc: "MQTT keep-alive in seconds (0 disables).",
      default: 60,
      format: "int_range",
      min: 0,
      max: 65535,
    },
    reconnect_period_ms: {
      doc: "First delay before reconnecting to the broker, in milliseconds; doubles on every failed attempt up to mqtt.reconnect_max_ms.",
      default: 1000,
      format: "int_range",
      min: 100,
      max: 60000,
    },
    reconnect_max_ms: {
      doc: "Longest delay between reconnect attempts to the broker, in milliseconds.",
      default: 30000,
      format: "int_range",
      min: 100,
      max: 600000,
    },
    ca: {
      doc: "PEM file with the CA certificate(s) that sign the broker's certificate (mqtts://, wss://).",
      default: null,
      format: "file_path",
      nullable: true,
    },
    cert: {
      doc: "PEM file with the client certificate (TLS client authentication).",
      default: null,
      format: "file_path",
      nullable: true,
    },
    key: {
      doc: "PEM file with the client certificate's private key.",
      default: null,
      format: "file_path",
      nullable: true,
    },
    key_passphrase: {
      doc: "Passphrase of the client private key, if it is encrypted.",
      default: null,
      format: "text",
      nullable: true,
      sensitive: true,
    },
    reject_unauthorized: {
      doc: "Refuse a broker whose TLS certificate does not verify. Turn off only for testing.",
      default: true,
      format: "bool",
    },
    refresh_interval_s: {
      doc: "Every this many seconds every key is published again even if unchanged (0 disables).",
      default: 300,
      format: "int_range",
      min: 0,
      max: 86400,
    },
    qos: {
      doc: "QoS of the bridge's publications and subscriptions.",
      default: 1,
      format: "int_choice",
      values: [0, 1, 2],
    },
  },
  homeassistant: {
    enabled: { doc: "Publish Home Assistant MQTT device discovery.", default: true, format: "bool" },
    discovery_prefix: {
      doc: "Home Assistant's discovery prefix (its MQTT integration setting).",
      default: "homeassistant",
      format: "topic_prefix",
    },
    birth_topic: {
      doc: "Home Assistant's birth topic (its MQTT integration setting, apart from the discovery prefix): `online` there makes the bridge publish discovery and state again, after a short random delay.",
      default: "homeassistant/status",
      format: "topic_prefix",
    },
  },
  ups: UPS_FIELDS,
  poll_interval_ms: {
    doc: "Fast-tier poll period in milliseconds (status, voltages, load, charge, runtime).",
    default: 2000,
    format: "int_range",
    min: 250,
    max: 60000,
  },
  slow_poll_interval_s: {
    doc: "Slow-tier period in seconds: settings, nominal ratings and identity are read again this often (and after a `|` alert).",
    default: 3600,
    format: "int_range",
    min: 60,
    max: 86400,
  },
  data_dir: {
    doc: "Where the bridge keeps what it must remember across restarts: each UPS's history (transfer count, time on battery, last transfer and self-test) in history-<ups id>.json. null: a per-user directory ($XDG_STATE_HOME/upslink2mqtt, else ~/.local/state/upslink2mqtt; ~/Library/Application Support/upslink2mqtt on macOS, %LOCALAPPDATA%\\upslink2mqtt on Windows); the add-on uses /data. Created if missing; if it cannot be written the bridge warns and runs on without keeping the history.",
    default: null,
    format: "dir_path",
    nullable: true,
  },
  commands: {
    allow_destructive: {
      doc: "Expose and accept destructive actions (turn off, shutdown, calibration, bypass, reset EEPROM), always with two-step confirmation.",
      default: false,
      format: "bool",
    },
    confirm_timeout_s: {
      doc: "How long a pending confirmation of a destructive action lives, in seconds.",
      default: 30,
      format: "int_range",
      min: 5,
      max: 600,
    },
    shutdown_return: {
      order: {
        doc: 'Methods tried in turn by shutdown-and-return (like NUT\'s advorder): "S" shutdown on battery, "@" shutdown with delayed wake, "K" turn off after delay, "Z" turn off immediately, "CS" simulate power failure then S.',
        default: ["S", "@"],
        format: "list_of",
        values: [...SHUTDOWN_METHODS],
      },
      wake_delay_tenths: {
        doc: "The ddd of @ddd: tenths of an hour the UPS waits after the line returns before turning on.",
        default: 0,
        format: "int_range",
        min: 0,
        max: 999,
      },
      cs_delay_ms: {
        doc: 'For "CS": milliseconds between the simulated power failure (U) and S.',
        default: 3500,
        format: "int_range",
        min: 0,
        max: 9900,
      },
    },
  },
  shutdown_policy: {
    charge_below_percent: {
      doc: "On battery, shutdown_recommended turns true when the charge falls below this percentage, even before the UPS signals low battery (NUT's ignorelb idea). null or -1: only the UPS's low-battery signal.",
      default: null,
      format: "threshold",
      nullable: true,
      min: 0,
      max: 100,
    },
    runtime_below_minutes: {
      doc: "On battery, shutdown_recommended turns true when the estimated runtime falls below this many minutes. null or -1: only the UPS's low-battery signal.",
      default: null,
      format: "threshold",
      nullable: true,
      min: 0,
      max: 600,
    },
  },
  shutdown: {
    orchestrate: {
      doc: "Shutdown orchestration (docs/NUT.md): when shutdown_recommended turns true during a real outage (on battery, confirmed by a fresh status read, not a self-test or simulated failure), raise FSD for the UPS's NUT clients, wait until every logged-in client has logged out (or shutdown.wait_s), then run shutdown_return (commands.shutdown_return) so the load comes back when power does. The one destructive command sent without an MQTT confirmation; it does not need commands.allow_destructive, and enables no other destructive command.",
      default: false,
      format: "bool",
    },
    wait_s: {
      doc: "Longest wait, in seconds, for the NUT clients logged in to a UPS to log out after FSD before shutdown_return is sent anyway.",
      default: 120,
      format: "int_range",
      min: 0,
      max: 3600,
    },
  },
  // Defaults and ranges are the link's own (src/link/options.ts): one place for both.
  link: {
    query_timeout_ms: {
      doc: "How long to wait for the reply to one query, in milliseconds (slow replies such as `a` and Ctrl-Z get their own longer allowance).",
      default: DEFAULT_LINK_OPTIONS.queryTimeoutMs,
      format: "int_range",
      min: LINK_OPTION_RANGES.queryTimeoutMs.min,
      max: LINK_OPTION_RANGES.queryTimeoutMs.max,
    },
    query_retries: {
      doc: "How often a query that timed out is sent again before it counts as a failure (never for actions). Not once the UPS has left a query unanswered: until it answers again each query gets one try (see link.lost_after_failures).",
      default: DEFAULT_LINK_OPTIONS.queryRetries,
      format: "int_range",
      min: LINK_OPTION_RANGES.queryRetries.min,
      max: LINK_OPTION_RANGES.queryRetries.max,
    },
    handshake_retries: {
      doc: "How many Y → SM attempts are made to enter smart mode before the link counts as down.",
      default: DEFAULT_LINK_OPTIONS.handshakeRetries,
      format: "int_range",
      min: LINK_OPTION_RANGES.handshakeRetries.min,
      max: LINK_OPTION_RANGES.handshakeRetries.max,
    },
    reconnect_min_ms: {
      doc: "First delay before reopening a lost port, in milliseconds; doubles up to link.reconnect_max_ms.",
      default: DEFAULT_LINK_OPTIONS.reconnectMinMs,
      format: "int_range",
      min: LINK_OPTION_RANGES.reconnectMinMs.min,
      max: LINK_OPTION_RANGES.reconnectMinMs.max,
    },
    reconnect_max_ms: {
      doc: "Longest delay between attempts to reopen a lost port, in milliseconds.",
      default: DEFAULT_LINK_OPTIONS.reconnectMaxMs,
      format: "int_range",
      min: LINK_OPTION_RANGES.reconnectMaxMs.min,
      max: LINK_OPTION_RANGES.reconnectMaxMs.max,
    },
    lost_after_failures: {
      doc: "Consecutive failed queries after which the UPS is reported offline and the link is reopened. Only the first unanswered query is retried (link.query_retries); later ones get one try each until the UPS answers again, so a UPS that falls silent is offline within poll_interval_ms + (link.query_retries + link.lost_after_failures) × link.query_timeout_ms: 2 + (2 + 3) × 1.5 = 9.5 s with the defaults.",
      default: DEFAULT_LINK_OPTIONS.lostAfterFailures,
      format: "int_range",
      min: LINK_OPTION_RANGES.lostAfterFailures.min,
      max: LINK_OPTION_RANGES.lostAfterFailures.max,
    },
  },
  nut: {
    listen: {
      doc: "host:port of the NUT network server (RFC 9271) that upsmon, Synology DSM, Proxmox, QNAP, TrueNAS and WinNUT read; each UPS is a NUT UPS named by its id. Empty: off. NUT's port is 3493.",
      default: "",
      format: "listen_address",
    },
    certfile: {
      doc: "PEM certificate for STARTTLS on the NUT server. null: STARTTLS is answered FEATURE-NOT-CONFIGURED.",
      default: null,
      format: "file_path",
      nullable: true,
    },
    keyfile: {
      doc: "PEM private key of nut.certfile.",
      default: null,
      format: "file_path",
      nullable: true,
    },
    users: {
      doc: "NUT users (configuration file only): username, password, upsmon (primary or secondary: may LOGIN; primary also FSD), instcmds (NUT command names; ALL grants only non-destructive ones, a destructive one must be named and needs commands.allow_destructive, and then runs without the MQTT confirmation) and actions (SET, FSD).",
      default: [],
      format: "nut_users",
      sensitive: true,
    },
    max_clients: {
      doc: "Most NUT clients connected at once; more are refused.",
      default: 32,
      format: "int_range",
      min: 1,
      max: 1024,
    },
    idle_timeout_s: {
      doc: "A NUT client that sends nothing for this many seconds is disconnected (upsd: 60; upsmon polls every 5 s).",
      default: 60,
      format: "int_range",
      min: 5,
      max: 3600,
    },
  },
  nis: {
    listen: {
      doc: "host:port of the apcupsd network information server (NIS) that apcaccess and Home Assistant's apcupsd integration read. Empty: off. apcupsd's port is 3551.",
      default: "",
      format: "listen_address",
    },
    ups: {
      doc: "The id of the UPS the NIS server serves (apcupsd serves one UPS per server). null: the first configured UPS.",
      default: null,
      format: "ups_id",
      nullable: true,
    },
    max_clients: {
      doc: "Most NIS clients connected at once; more are refused.",
      default: 16,
      format: "int_range",
      min: 1,
      max: 1024,
    },
    idle_timeout_s: {
      doc: "A NIS client that sends nothing for this many seconds is disconnected (apcaccess and Home Assistant ask once and close).",
      default: 30,
      format: "int_range",
      min: 5,
      max: 3600,
    },
  },
  log: {
    level: {
      doc: "Log level: trace (wire bytes), debug, info, warn, error, fatal or silent.",
      default: "info",
      format: "choice",
      values: [...LOG_LEVELS],
    },
    format: {
      doc: "Log form: pretty (one readable line a record) or json (one JSON object a line, for log collectors). null: pretty when the log goes to a terminal, else json.",
      default: null,
      format: "choice",
      values: [...LOG_FORMATS],
      nullable: true,
    },
  },
  health: {
    file: {
      doc: "Where the bridge rewrites its health (JSON, every 5 s) for `upslink2mqtt health`, the container health check; the Docker image sets /tmp/upslink2mqtt-health.json. null: no file.",
      default: null,
      format: "file_path",
      nullable: true,
    },
  },
} as const satisfies SchemaTree;

/**
 * The convict schema. Environment variables are not in it: loadConfig applies them by their
 * mechanical names (envNameFor), so there is one list of keys and no second spelling of a name.
 */
export const CONFIG_SCHEMA = TREE;

/** The per-UPS part of the schema: used for `ups` and for every item of an `ups` list. */
export const UPS_SCHEMA = { ups: UPS_FIELDS } as const;

export function isFieldSpec(node: SchemaNode): node is FieldSpec {
  return "default" in node && "format" in node && "doc" in node;
}

/** The checked value of a field: its format's type, or null where the field is nullable. */
type FieldValue<F> = F extends { readonly nullable: true } ? FormatValue<F> | null : FormatValue<F>;
type FormatValue<F> = F extends { readonly format: "int_range" | "threshold" }
  ? number
  : F extends { readonly format: "int_choice" | "choice"; readonly values: readonly (infer V)[] }
    ? V
    : F extends { readonly format: "list_of"; readonly values: readonly (infer V)[] }
      ? readonly V[]
      : F extends { readonly format: "bool" }
        ? boolean
        : F extends {
              readonly format:
                | "text"
                | "file_path"
                | "dir_path"
                | "mqtt_url"
                | "topic_prefix"
                | "ups_id"
                | "ups_port"
                | "listen_address";
            }
          ? string
          : F extends { readonly format: "nut_users" }
            ? readonly NutUserValue[]
            : never;

/** The values of a schema tree, once every field is checked: the types come from the schema itself. */
export type SchemaValues<T> = {
  readonly [K in keyof T]: T[K] extends FieldSpec ? FieldValue<T[K]> : SchemaValues<T[K]>;
};

/** Every key's values as convict holds them after loading and checking. */
export type ConfigValues = SchemaValues<typeof CONFIG_SCHEMA>;

/** The dotted path of every key (`mqtt.url`, `ups.port`, …). */
type LeafPaths<T, Prefix extends string> = {
  [K in keyof T & string]: T[K] extends FieldSpec ? `${Prefix}${K}` : LeafPaths<T[K], `${Prefix}${K}.`>;
}[keyof T & string];
export type ConfigPath = LeafPaths<typeof CONFIG_SCHEMA, "">;

export interface ConfigKey {
  readonly path: string;
  readonly env: string;
  readonly flag: string;
  readonly default: unknown;
  readonly doc: string;
  readonly sensitive: boolean;
  /** Human description of the allowed values, e.g. `integer 250..60000`. */
  readonly format: string;
  readonly spec: FieldSpec;
}

function collectKeys(tree: SchemaTree, prefix = ""): ConfigKey[] {
  const keys: ConfigKey[] = [];
  for (const [name, node] of Object.entries(tree)) {
    const path = prefix === "" ? name : `${prefix}.${name}`;
    if (isFieldSpec(node)) {
      keys.push({
        path,
        env: envNameFor(path),
        flag: flagFor(path),
        default: node.default,
        doc: node.doc,
        sensitive: node.sensitive === true,
        format: describeFormat(node),
        spec: node,
      });
    } else {
      keys.push(...collectKeys(node, path));
    }
  }
  return keys;
}

/** Every configuration key, in schema order (for docs, flags and validation). */
export const CONFIG_KEYS: readonly ConfigKey[] = collectKeys(CONFIG_SCHEMA);

export const UPS_KEYS: readonly ConfigKey[] = CONFIG_KEYS.filter((key) => key.path.startsWith("ups."));

export function configKey(path: string): ConfigKey | undefined {
  return CONFIG_KEYS.find((key) => key.path === path);
}
