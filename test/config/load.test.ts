import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CONFIG_KEYS, type Config, envNameFor, loadConfig, redactConfig } from "../../src/config/index.js";
import { isUpsLinkError, type UpsLinkError } from "../../src/protocol/errors.js";

const THIS_FILE = fileURLToPath(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), "upslink-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function writeConfig(extension: string, text: string): string {
  fileCounter += 1;
  const path = join(dir, `config-${fileCounter}${extension}`);
  writeFileSync(path, text);
  return path;
}

const PORT_ENV = { UPSLINK_UPS_PORT: "/dev/ttyS0" };

function load(argv: readonly string[] = [], env: Record<string, string | undefined> = PORT_ENV): Config {
  return loadConfig({ argv, env });
}

function loadError(argv: readonly string[], env: Record<string, string | undefined>): UpsLinkError {
  try {
    loadConfig({ argv, env });
  } catch (error) {
    if (isUpsLinkError(error)) return error;
    throw error;
  }
  throw new Error("loadConfig accepted an invalid configuration");
}

function getAt(root: unknown, path: string): unknown {
  let node = root;
  for (const part of path.split(".")) {
    node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node;
}

describe("defaults", () => {
  it("fills every documented default and derives a client id", () => {
    const config = load();
    expect(config.mqtt.url).toBe("mqtt://localhost:1883");
    expect(config.mqtt.base_topic).toBe("upslink2mqtt");
    expect(config.mqtt.protocol_version).toBe(5);
    expect(config.mqtt.qos).toBe(1);
    expect(config.mqtt.refresh_interval_s).toBe(300);
    expect(config.mqtt.reject_unauthorized).toBe(true);
    expect(config.mqtt.username).toBeNull();
    expect(config.mqtt.password).toBeNull();
    expect(config.mqtt.client_id).toMatch(/^upslink2mqtt_[0-9a-f]{8}$/);
    expect(config.homeassistant).toEqual({
      enabled: true,
      discovery_prefix: "homeassistant",
      birth_topic: "homeassistant/status",
    });
    expect(config.upses).toEqual([
      {
        id: "ups",
        port: "/dev/ttyS0",
        cable: "940-0024C",
        name: null,
        poll_interval_ms: 2000,
        nominal_power_w: null,
      },
    ]);
    expect(config.poll_interval_ms).toBe(2000);
    expect(config.slow_poll_interval_s).toBe(3600);
    expect(config.commands).toEqual({
      allow_destructive: false,
      confirm_timeout_s: 30,
      shutdown_return: { order: ["S", "@"], wake_delay_tenths: 0, cs_delay_ms: 3500 },
    });
    expect(config.shutdown_policy).toEqual({ charge_below_percent: null, runtime_below_minutes: null });
    expect(config.log.level).toBe("info");
  });

  it("derives a fresh client id per load unless one is configured", () => {
    expect(load().mqtt.client_id).not.toBe(load().mqtt.client_id);
    expect(load([], { ...PORT_ENV, UPSLINK_MQTT_CLIENT_ID: "bridge-1" }).mqtt.client_id).toBe("bridge-1");
  });
});

describe("environment names", () => {
  it("are derived mechanically from the dotted path", () => {
    expect(envNameFor("mqtt.base_topic")).toBe("UPSLINK_MQTT_BASE_TOPIC");
    expect(envNameFor("commands.shutdown_return.cs_delay_ms")).toBe(
      "UPSLINK_COMMANDS_SHUTDOWN_RETURN_CS_DELAY_MS",
    );
    for (const key of CONFIG_KEYS) {
      expect(key.env).toBe(envNameFor(key.path));
      expect(key.flag).toBe(`--${key.path}`);
    }
    expect(new Set(CONFIG_KEYS.map((key) => key.env)).size).toBe(CONFIG_KEYS.length);
  });

  // The contract's table: each variable, a non-default value, and where it must land.
  const CONTRACT: readonly [string, string, (config: Config) => unknown, unknown][] = [
    ["UPSLINK_MQTT_URL", "mqtts://broker.lan:8883", (c) => c.mqtt.url, "mqtts://broker.lan:8883"],
    ["UPSLINK_MQTT_USERNAME", "ups-bridge", (c) => c.mqtt.username, "ups-bridge"],
    ["UPSLINK_MQTT_PASSWORD", "s3cret", (c) => c.mqtt.password, "s3cret"],
    ["UPSLINK_MQTT_BASE_TOPIC", "home/ups", (c) => c.mqtt.base_topic, "home/ups"],
    ["UPSLINK_HOMEASSISTANT_ENABLED", "false", (c) => c.homeassistant.enabled, false],
    ["UPSLINK_HOMEASSISTANT_DISCOVERY_PREFIX", "ha", (c) => c.homeassistant.discovery_prefix, "ha"],
    ["UPSLINK_HOMEASSISTANT_BIRTH_TOPIC", "hass/birth", (c) => c.homeassistant.birth_topic, "hass/birth"],
    ["UPSLINK_UPS_PORT", "tcp://10.0.0.5:4001", (c) => c.upses[0]?.port, "tcp://10.0.0.5:4001"],
    ["UPSLINK_UPS_ID", "rack-1", (c) => c.upses[0]?.id, "rack-1"],
    ["UPSLINK_UPS_CABLE", "940-0095B", (c) => c.upses[0]?.cable, "940-0095B"],
    ["UPSLINK_POLL_INTERVAL_MS", "750", (c) => c.poll_interval_ms, 750],
    ["UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE", "true", (c) => c.commands.allow_destructive, true],
    ["UPSLINK_COMMANDS_CONFIRM_TIMEOUT_S", "120", (c) => c.commands.confirm_timeout_s, 120],
    ["UPSLINK_LOG_LEVEL", "debug", (c) => c.log.level, "debug"],
    ["UPSLINK_NUT_LISTEN", "0.0.0.0:3493", (c) => c.nut.listen, { host: "0.0.0.0", port: 3493 }],
    ["UPSLINK_NIS_LISTEN", "0.0.0.0:3551", (c) => c.nis.listen, { host: "0.0.0.0", port: 3551 }],
  ];
  it.each(CONTRACT)("%s=%s sets its key", (name, value, read, expected) => {
    const defaults = load();
    expect(read(defaults)).not.toEqual(expected);
    expect(read(load([], { ...PORT_ENV, [name]: value }))).toEqual(expected);
  });

  it("every key has a working variable", () => {
    const samples: Record<string, string> = {
      "mqtt.ca": THIS_FILE,
      "mqtt.cert": THIS_FILE,
      "mqtt.key": THIS_FILE,
      "ups.port": "sim://smart-ups",
      "ups.name": "Rack UPS",
      "mqtt.url": "ws://example.org:9001",
      "mqtt.client_id": "cid",
      "mqtt.reconnect_max_ms": "60000",
      "link.reconnect_max_ms": "60000",
      "commands.shutdown_return.order": "K,Z",
      "shutdown_policy.charge_below_percent": "25",
      "shutdown_policy.runtime_below_minutes": "7.5",
      "nut.listen": "[::1]:3493",
      "nut.certfile": THIS_FILE,
      "nut.keyfile": THIS_FILE,
      "nis.listen": "[::1]:3551",
      // It must name a configured UPS: the one UPS there is.
      "nis.ups": "ups",
    };
    for (const key of CONFIG_KEYS) {
      const spec = key.spec;
      if (key.path === "nut.users") {
        // The one key that lives in the configuration file only: the variable is refused by name.
        expect(() => loadConfig({ argv: [], env: { ...PORT_ENV, [key.env]: "[]" } })).toThrow(
          /nut\.users \(UPSLINK_NUT_USERS\) must be a list of users in the configuration file/,
        );
        continue;
      }
      let text = samples[key.path];
      if (text === undefined) {
        if (spec.format === "int_range") text = String(spec.min === key.default ? spec.max : spec.min);
        else if (spec.format === "int_choice" || spec.format === "choice")
          text = String(spec.values?.find((v) => v !== key.default));
        else if (spec.format === "bool") text = String(key.default !== true);
        else text = `x${key.path.replace(/\./g, "_")}`;
      }
      const env: Record<string, string> = { ...PORT_ENV, [key.env]: text };
      // cert and key go together
      if (key.path === "mqtt.cert") env.UPSLINK_MQTT_KEY = THIS_FILE;
      if (key.path === "mqtt.key") env.UPSLINK_MQTT_CERT = THIS_FILE;
      if (key.path === "nut.certfile") env.UPSLINK_NUT_KEYFILE = THIS_FILE;
      if (key.path === "nut.keyfile") env.UPSLINK_NUT_CERTFILE = THIS_FILE;
      const config = loadConfig({ argv: [], env });
      const configured = key.path.startsWith("ups.")
        ? getAt(config.upses[0], key.path.slice(4))
        : getAt(config, key.path);
      expect(configured, key.env).not.toEqual(key.default);
    }
  });

  it("treats an empty variable as unset", () => {
    expect(load([], { ...PORT_ENV, UPSLINK_MQTT_PASSWORD: "", UPSLINK_POLL_INTERVAL_MS: "" })).toMatchObject({
      mqtt: { password: null },
      poll_interval_ms: 2000,
    });
  });

  it("reads lists and thresholds from text", () => {
    const config = load([], {
      ...PORT_ENV,
      UPSLINK_COMMANDS_SHUTDOWN_RETURN_ORDER: '["CS","K"]',
      UPSLINK_SHUTDOWN_POLICY_CHARGE_BELOW_PERCENT: "-1",
      UPSLINK_SHUTDOWN_POLICY_RUNTIME_BELOW_MINUTES: "5",
    });
    expect(config.commands.shutdown_return.order).toEqual(["CS", "K"]);
    expect(config.shutdown_policy).toEqual({ charge_below_percent: null, runtime_below_minutes: 5 });
  });
});

describe("files and precedence", () => {
  const yaml = `
mqtt:
  url: mqtt://file-broker:1883
  base_topic: from-file
  password: file-secret
ups:
  port: /dev/ttyUSB0
  name: Office
poll_interval_ms: 1000
commands:
  shutdown_return:
    order: [Z]
log:
  level: warn
`;

  it("reads YAML", () => {
    const config = load([], { UPSLINK_CONFIG: writeConfig(".yaml", yaml) });
    expect(config.mqtt.url).toBe("mqtt://file-broker:1883");
    expect(config.mqtt.base_topic).toBe("from-file");
    expect(config.upses).toEqual([
      {
        id: "ups",
        port: "/dev/ttyUSB0",
        cable: "940-0024C",
        name: "Office",
        poll_interval_ms: 1000,
        nominal_power_w: null,
      },
    ]);
    expect(config.commands.shutdown_return.order).toEqual(["Z"]);
    expect(config.log.level).toBe("warn");
  });

  it("reads JSON", () => {
    const file = writeConfig(
      ".json",
      JSON.stringify({
        mqtt: { protocol_version: 4 },
        ups: { port: "sim://smart-ups", id: "lab" },
        homeassistant: { enabled: false },
      }),
    );
    const config = load(["--config", file], {});
    expect(config.mqtt.protocol_version).toBe(4);
    expect(config.upses[0]?.id).toBe("lab");
    expect(config.homeassistant.enabled).toBe(false);
  });

  it("an empty YAML file means every default", () => {
    expect(load([`--config=${writeConfig(".yml", "")}`]).mqtt.base_topic).toBe("upslink2mqtt");
  });

  it("file < environment < flags", () => {
    const file = writeConfig(".yaml", yaml);
    const fromEnv = load([], {
      UPSLINK_CONFIG: file,
      UPSLINK_MQTT_BASE_TOPIC: "from-env",
      UPSLINK_POLL_INTERVAL_MS: "3000",
    });
    expect(fromEnv.mqtt.base_topic).toBe("from-env");
    expect(fromEnv.poll_interval_ms).toBe(3000);
    expect(fromEnv.mqtt.url).toBe("mqtt://file-broker:1883");

    const fromFlags = load(
      ["--mqtt.base_topic=from-flag", "--poll_interval_ms", "4000", "--commands.allow_destructive"],
      {
        UPSLINK_CONFIG: file,
        UPSLINK_MQTT_BASE_TOPIC: "from-env",
        UPSLINK_POLL_INTERVAL_MS: "3000",
      },
    );
    expect(fromFlags.mqtt.base_topic).toBe("from-flag");
    expect(fromFlags.poll_interval_ms).toBe(4000);
    expect(fromFlags.commands.allow_destructive).toBe(true);
    expect(fromFlags.log.level).toBe("warn");
  });

  it("--config wins over UPSLINK_CONFIG", () => {
    const a = writeConfig(".yaml", "mqtt: {base_topic: a}\nups: {port: /dev/a}\n");
    const b = writeConfig(".yaml", "mqtt: {base_topic: b}\nups: {port: /dev/b}\n");
    expect(load(["--config", b], { UPSLINK_CONFIG: a }).mqtt.base_topic).toBe("b");
  });

  it("keeps flag text verbatim (no number guessing)", () => {
    const config = load(["--mqtt.password", "0123", "--mqtt.client_id=007"]);
    expect(config.mqtt.password).toBe("0123");
    expect(config.mqtt.client_id).toBe("007");
  });
});

describe("the nominal real power (issue 14 item 10)", () => {
  it("comes from UPSLINK_UPS_NOMINAL_POWER_W, and a bad value is refused naming the key", () => {
    const env = { UPSLINK_UPS_PORT: "/dev/ttyS0" };
    expect(load([], { ...env, UPSLINK_UPS_NOMINAL_POWER_W: "980" }).upses[0]?.nominal_power_w).toBe(980);
    expect(load([], env).upses[0]?.nominal_power_w).toBeNull();
    expect(() => load([], { ...env, UPSLINK_UPS_NOMINAL_POWER_W: "0" })).toThrow(/nominal_power_w/);
  });
});

describe("several UPSes", () => {
  it("reads a list, each item with the per-UPS schema and defaults", () => {
    const file = writeConfig(
      ".yaml",
      `
poll_interval_ms: 1500
ups:
  - id: rack-a
    port: /dev/ttyS0
  - id: rack-b
    port: tcp://10.0.0.9:4001
    cable: 940-0095B
    name: Rack B
    poll_interval_ms: 500
    nominal_power_w: 980
`,
    );
    expect(load([], { UPSLINK_CONFIG: file }).upses).toEqual([
      {
        id: "rack-a",
        port: "/dev/ttyS0",
        cable: "940-0024C",
        name: null,
        poll_interval_ms: 1500,
        nominal_power_w: null,
      },
      {
        id: "rack-b",
        port: "tcp://10.0.0.9:4001",
        cable: "940-0095B",
        name: "Rack B",
        poll_interval_ms: 500,
        nominal_power_w: 980,
      },
    ]);
  });

  it("refuses duplicate ids, missing ports and bad items", () => {
    const file = writeConfig(
      ".yaml",
      "ups:\n  - {id: a, port: /dev/a}\n  - {id: a, port: /dev/b}\n  - {id: c}\n  - {id: d, port: /dev/d, cable: 940-9999}\n",
    );
    const error = loadError([], { UPSLINK_CONFIG: file });
    expect(error.code).toBe("config_invalid");
    expect(error.message).toContain('ups[1].id "a" is used twice');
    expect(error.message).toContain("ups[2].port is required");
    expect(error.message).toMatch(
      /ups\[3\]\.cable .*must be one of "940-0024C", "940-0095B"; got "940-9999"/,
    );
  });

  it("refuses UPSLINK_UPS_* and --ups.* next to a list", () => {
    const file = writeConfig(".yaml", "ups:\n  - {id: a, port: /dev/a}\n");
    const error = loadError(["--ups.cable=940-0095B"], { UPSLINK_CONFIG: file, UPSLINK_UPS_PORT: "/dev/x" });
    expect(error.message).toContain("UPSLINK_UPS_PORT");
    expect(error.message).toContain("--ups.cable");
    expect(error.message).toContain("describe a single UPS");
  });

  it("refuses unknown keys inside an item", () => {
    const file = writeConfig(".yaml", "ups:\n  - {id: a, port: /dev/a, baud: 9600}\n");
    expect(loadError([], { UPSLINK_CONFIG: file }).message).toContain('Unknown key "ups.baud"');
  });
});

describe("validation errors name the key and what is allowed", () => {
  const cases: readonly [string, Record<string, string>, RegExp][] = [
    [
      "bad url scheme",
      { UPSLINK_MQTT_URL: "http://broker:1883" },
      /mqtt\.url \(UPSLINK_MQTT_URL\) must be a URL starting with mqtt:\/\/, mqtts:\/\/, ws:\/\/, wss:\/\//,
    ],
    [
      "bad cable",
      { UPSLINK_UPS_CABLE: "940-1524C" },
      /ups\.cable \(UPSLINK_UPS_CABLE\) must be one of "940-0024C", "940-0095B"; got "940-1524C"/,
    ],
    ["bad id", { UPSLINK_UPS_ID: "Rack 1" }, /ups\.id \(UPSLINK_UPS_ID\) must match \[a-z0-9_-\]\+/],
    ["reserved id", { UPSLINK_UPS_ID: "bridge" }, /ups\.id .* not be "bridge"/],
    [
      "poll too fast",
      { UPSLINK_POLL_INTERVAL_MS: "100" },
      /poll_interval_ms \(UPSLINK_POLL_INTERVAL_MS\) must be an integer from 250 to 60000; got 100/,
    ],
    [
      "poll not a number",
      { UPSLINK_POLL_INTERVAL_MS: "2s" },
      /must be an integer from 250 to 60000; got "2s"/,
    ],
    [
      "confirm timeout",
      { UPSLINK_COMMANDS_CONFIRM_TIMEOUT_S: "1" },
      /commands\.confirm_timeout_s .* from 5 to 600/,
    ],
    [
      "boolean",
      { UPSLINK_HOMEASSISTANT_ENABLED: "maybe" },
      /homeassistant\.enabled .* must be true or false; got "maybe"/,
    ],
    ["wildcard base topic", { UPSLINK_MQTT_BASE_TOPIC: "ups/#" }, /mqtt\.base_topic .* without wildcards/],
    [
      "leading slash",
      { UPSLINK_MQTT_BASE_TOPIC: "/ups" },
      /mqtt\.base_topic .* without a leading or trailing \//,
    ],
    [
      "protocol version",
      { UPSLINK_MQTT_PROTOCOL_VERSION: "3" },
      /mqtt\.protocol_version .* must be one of 4, 5/,
    ],
    [
      "log level",
      { UPSLINK_LOG_LEVEL: "verbose" },
      /log\.level .* must be one of "trace", "debug", "info", "warn", "error", "fatal", "silent"/,
    ],
    [
      "shutdown order",
      { UPSLINK_COMMANDS_SHUTDOWN_RETURN_ORDER: "S,X" },
      /commands\.shutdown_return\.order .* from "S", "@", "K", "Z", "CS"/,
    ],
    [
      "wake delay",
      { UPSLINK_COMMANDS_SHUTDOWN_RETURN_WAKE_DELAY_TENTHS: "1000" },
      /wake_delay_tenths .* from 0 to 999/,
    ],
    [
      "charge threshold",
      { UPSLINK_SHUTDOWN_POLICY_CHARGE_BELOW_PERCENT: "150" },
      /charge_below_percent .* from 0 to 100, or null \(or -1\) to disable/,
    ],
    [
      "bad port scheme",
      { UPSLINK_UPS_PORT: "udp://10.0.0.1:1" },
      /ups\.port .* device path .*tcp:\/\/host:port .*sim:\/\/PROFILE/,
    ],
    ["tcp port without port number", { UPSLINK_UPS_PORT: "tcp://10.0.0.1" }, /ups\.port/],
    [
      "reconnect range",
      { UPSLINK_LINK_RECONNECT_MIN_MS: "5000", UPSLINK_LINK_RECONNECT_MAX_MS: "1000" },
      /link\.reconnect_max_ms .* at least link\.reconnect_min_ms/,
    ],
    [
      "missing CA file",
      { UPSLINK_MQTT_CA: "/nonexistent/ca.pem" },
      /mqtt\.ca \(UPSLINK_MQTT_CA\): cannot read file \/nonexistent\/ca\.pem/,
    ],
    ["cert without key", { UPSLINK_MQTT_CERT: THIS_FILE }, /mqtt\.cert and mqtt\.key .* set both or neither/],
  ];
  it.each(cases)("%s", (_name, env, pattern) => {
    const error = loadError([], { ...PORT_ENV, ...env });
    expect(error.code).toBe("config_invalid");
    expect(error.message).toMatch(pattern);
  });

  it("a missing port names UPSLINK_UPS_PORT", () => {
    const error = loadError([], {});
    expect(error.code).toBe("config_invalid");
    expect(error.message).toContain("UPSLINK_UPS_PORT");
  });

  it("names the flag a bad value came from", () => {
    expect(loadError(["--poll_interval_ms=70000"], PORT_ENV).message).toMatch(
      /poll_interval_ms \(UPSLINK_POLL_INTERVAL_MS, from --poll_interval_ms\)/,
    );
  });

  it("refuses unknown keys in a file, naming them", () => {
    const file = writeConfig(".yaml", "mqtt:\n  ulr: mqtt://x\nups: {port: /dev/a}\nextra: 1\n");
    const error = loadError([], { UPSLINK_CONFIG: file });
    expect(error.message).toContain('Unknown key "mqtt.ulr"');
    expect(error.message).toContain("allowed under mqtt: url, username");
    expect(error.message).toContain('Unknown key "extra"');
  });

  it("refuses a value where a group belongs, and a group where a value belongs", () => {
    const file = writeConfig(".yaml", "mqtt: mqtt://x\nups: {port: {path: /dev/a}}\n");
    const error = loadError([], { UPSLINK_CONFIG: file });
    expect(error.message).toContain("mqtt in");
    expect(error.message).toContain("must be a mapping");
    expect(error.message).toContain("ups.port in");
  });

  it("refuses unknown flags, stray arguments and unreadable files", () => {
    expect(loadError(["--mqtt.ulr=x"], PORT_ENV).message).toContain("Unknown option --mqtt.ulr");
    expect(loadError(["run"], PORT_ENV).message).toContain('Unexpected argument "run"');
    expect(loadError(["--poll_interval_ms"], PORT_ENV).message).toContain("needs a value");
    expect(loadError(["--config", join(dir, "absent.yaml")], PORT_ENV).message).toContain(
      "Cannot read configuration file",
    );
    expect(loadError(["--config", writeConfig(".toml", "")], PORT_ENV).message).toContain(
      "use .yaml, .yml or .json",
    );
    expect(loadError(["--config", writeConfig(".json", "{nope")], PORT_ENV).message).toContain(
      "is not valid JSON",
    );
    expect(loadError(["--config", writeConfig(".yaml", "a: [")], PORT_ENV).message).toContain(
      "is not valid YAML",
    );
  });
});

describe("secrets", () => {
  const env = {
    ...PORT_ENV,
    UPSLINK_MQTT_PASSWORD: "hunter2-password",
    UPSLINK_MQTT_KEY_PASSPHRASE: "hunter2-passphrase",
    UPSLINK_MQTT_URL: "mqtts://user:hunter2-url@broker:8883",
  };

  it("are absent from redactConfig", () => {
    const config = load([], env);
    expect(config.mqtt.password).toBe("hunter2-password");
    const text = JSON.stringify(redactConfig(config));
    expect(text).not.toContain("hunter2");
    expect(text).toContain("[redacted]");
    expect(redactConfig(load())).toMatchObject({ mqtt: { password: null } });
  });

  it("are absent from error messages", () => {
    const bad = loadError([], {
      ...env,
      UPSLINK_MQTT_URL: "http://user:hunter2-url@broker",
      UPSLINK_MQTT_PASSWORD: "hunter2-password",
    });
    expect(bad.message).toContain("mqtt.url");
    expect(bad.message).not.toContain("hunter2");
    expect(JSON.stringify(bad.context)).not.toContain("hunter2");
  });
});
