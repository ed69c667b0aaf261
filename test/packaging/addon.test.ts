// The Home Assistant add-on: every option has a schema entry, every schema key maps to a real
// configuration key with the same allowed values, and the start script's mapping (options-env.mjs,
// run as the add-on runs it and evaluated by a real shell) produces an environment loadConfig accepts.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { envNameFor as addonEnvNameFor, OPTION_KEYS, optionsToEnv } from "../../addon/options-env.mjs";
import { CONFIG_KEYS, envNameFor, loadConfig } from "../../src/config/index.js";
import { SUPPORT_URL } from "../../src/version.js";

const addonDir = fileURLToPath(new URL("../../addon/", import.meta.url));
const read = (name: string) => readFileSync(join(addonDir, name), "utf8");
const manifest = parseYaml(read("config.yaml")) as {
  version: string;
  slug: string;
  homeassistant?: string;
  url: string;
  init: boolean;
  uart: boolean;
  udev: boolean;
  services: string[];
  arch: string[];
  options: Record<string, unknown>;
  schema: Record<string, string>;
};
const packageVersion = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

function configKey(path: string) {
  const key = CONFIG_KEYS.find((candidate) => candidate.path === path);
  if (key === undefined) throw new Error(`no configuration key ${path}`);
  return key;
}

/** `int(250,60000)?` → { type: "int", args: "250,60000", optional: true } */
function schemaType(text: string): { type: string; args: string; optional: boolean } {
  const match = /^(\w+)(?:\((.*)\))?(\?)?$/.exec(text);
  if (match === null) throw new Error(`unreadable schema type ${text}`);
  return { type: match[1] ?? "", args: match[2] ?? "", optional: match[3] === "?" };
}

/** What the Supervisor writes to /data/options.json: the defaults plus what the user chose. */
function supervisorOptions(extra: Record<string, unknown>): Record<string, unknown> {
  return { ...manifest.options, ...extra };
}

const HA_MQTT = {
  host: "core-mosquitto",
  port: "1883",
  ssl: "false",
  username: "addons",
  password: 'p\'w$d "x"',
};

describe("add-on manifest", () => {
  it("follows the current add-on conventions", () => {
    expect(manifest.init).toBe(false);
    expect(manifest.uart).toBe(true);
    expect(manifest.udev).toBe(true);
    expect(manifest.services).toEqual(["mqtt:need"]);
    expect([...manifest.arch].sort()).toEqual(["aarch64", "amd64"]);
    expect(manifest.schema.serial_port).toBe("device(subsystem=tty)?");
  });

  it("has the package's version, in the manifest and the image", () => {
    expect(manifest.version).toBe(packageVersion);
    const dockerfile = read("Dockerfile");
    expect(dockerfile).toContain(`ARG UPSLINK2MQTT_VERSION=${packageVersion}`);
    expect(dockerfile).toContain(`io.hass.version="${packageVersion}"`);
    // An explicit base image: the Supervisor no longer passes BUILD_FROM.
    expect(dockerfile).not.toMatch(/^\s*(ARG|FROM).*BUILD_FROM/m);
    expect(dockerfile).toMatch(/^FROM ghcr\.io\/home-assistant\/base:\S+$/m);
  });

  it("passes the add-on linter's rules: no `boot: auto`, a minimum Home Assistant version", () => {
    expect(manifest).not.toHaveProperty("boot");
    expect(manifest.homeassistant).toBe("2025.10.0");
  });

  it("asks for the Home Assistant release that understands its discovery payload", () => {
    // Device-based discovery with `components` came in 2024.11; `default_entity_id` in 2025.10.
    const golden = JSON.parse(
      readFileSync(new URL("../homeassistant/golden/smartups-3g-120.golden.json", import.meta.url), "utf8"),
    ) as { payload?: { components?: Record<string, Record<string, unknown>> } };
    const components = Object.values(golden.payload?.components ?? {});
    expect(components.length).toBeGreaterThan(0);
    expect(components.every((component) => typeof component.default_entity_id === "string")).toBe(true);
    const [year = 0, month = 0] = (manifest.homeassistant ?? "").split(".").map(Number);
    expect(year * 100 + month).toBeGreaterThanOrEqual(202510);
  });

  it("refuses the UPS ids the bridge refuses, `bridge` included", () => {
    const { type, args } = schemaType(manifest.schema.ups_id ?? "");
    expect(type).toBe("match");
    const pattern = new RegExp(args);
    const samples = [
      "ups",
      "rack_1",
      "my-bridge",
      "bridge2",
      "bridge",
      "Bridge",
      "",
      "a".repeat(64),
      "a".repeat(65),
    ];
    for (const id of samples) {
      let bridgeAccepts = true;
      try {
        loadConfig({ argv: [], env: { UPSLINK_UPS_PORT: "/dev/ttyS0", UPSLINK_UPS_ID: id } });
      } catch {
        bridgeAccepts = false;
      }
      // An empty option is "not set" for the Supervisor and the bridge alike (the default `ups`).
      if (id === "") continue;
      expect(pattern.test(id), id).toBe(bridgeAccepts);
    }
    expect(pattern.test("bridge")).toBe(false);
  });

  it("gives the serial ports the lock permission serialport's flock needs", () => {
    expect(read("apparmor.txt")).toMatch(/^\s*\/dev\/tty\* rwk,$/m);
  });

  it("keeps the history in the add-on's data folder, which the bridge's profile may write", () => {
    expect(read("run.sh")).toMatch(/^export UPSLINK_DATA_DIR=\/data$/m);
    const nodeProfile = read("apparmor.txt").split("profile upslink2mqtt_node")[1] ?? "";
    // history-<ups>.json, its temporary copy while written, a damaged one set aside (.corrupt).
    expect(nodeProfile).toMatch(/^\s*\/data\/history-\* rw,$/m);
  });

  it("has a health check, and builds on the same Alpine release as its base image", () => {
    const dockerfile = read("Dockerfile");
    expect(dockerfile).toMatch(
      /^HEALTHCHECK [^\n]*\\\n\s*CMD \["node", "\/opt\/upslink2mqtt\/dist\/main\.js", "health"\]$/m,
    );
    expect(dockerfile).toMatch(/^ENV UPSLINK_HEALTH_FILE=\/tmp\/upslink2mqtt-health\.json$/m);
    const node = /^FROM node:24-alpine(\d+\.\d+) AS build$/m.exec(dockerfile)?.[1];
    const base = /^FROM ghcr\.io\/home-assistant\/base:(\d+\.\d+)$/m.exec(dockerfile)?.[1];
    expect(node).toBeDefined();
    expect(node).toBe(base);
  });

  it("has every option in the schema", () => {
    for (const option of Object.keys(manifest.options))
      expect(manifest.schema, option).toHaveProperty(option);
  });

  it("has a translation for every schema key, and the AppArmor profile is named after the slug", () => {
    const translations = parseYaml(read("translations/en.yaml")) as {
      configuration: Record<string, { name: string }>;
    };
    for (const key of Object.keys(manifest.schema))
      expect(translations.configuration[key]?.name, key).toBeTruthy();
    expect(read("apparmor.txt")).toMatch(new RegExp(`^profile ${manifest.slug} `, "m"));
  });

  it("maps every schema key to a real configuration key with the same allowed values", () => {
    expect(Object.keys(OPTION_KEYS).sort()).toEqual(Object.keys(manifest.schema).sort());
    for (const [option, text] of Object.entries(manifest.schema)) {
      const path = OPTION_KEYS[option] ?? "";
      const key = configKey(path);
      expect(addonEnvNameFor(path), option).toBe(envNameFor(path));
      const { type, args } = schemaType(text);
      const spec = key.spec;
      if (type === "int") {
        expect(args, option).toBe(`${spec.min},${spec.max}`);
        expect(spec.format, option).toBe("int_range");
      }
      if (type === "list") {
        const values = args.split("|");
        // The add-on may offer fewer choices (no `fatal`/`silent` log levels), never others.
        for (const value of values) expect(spec.values, option).toContain(value);
        if (spec.format === "choice" && path !== "log.level") expect(values, option).toEqual(spec.values);
      }
      if (type === "bool") expect(spec.format, option).toBe("bool");
      if (type === "password") expect(key.sensitive, option).toBe(true);
    }
  });

  it("defaults every option to the bridge's own default", () => {
    for (const [option, value] of Object.entries(manifest.options)) {
      expect(configKey(OPTION_KEYS[option] ?? "").default, option).toEqual(value);
    }
  });
});

describe("start script mapping", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs options-env.mjs as run.sh does and evaluates its output in bash; returns UPSLINK_* only. */
  function runMapping(options: Record<string, unknown>, service: Partial<typeof HA_MQTT> | null) {
    const dir = mkdtempSync(join(tmpdir(), "upslink-addon-"));
    dirs.push(dir);
    const file = join(dir, "options.json");
    writeFileSync(file, JSON.stringify(options));
    const serviceEnv: Record<string, string> = {};
    if (service !== null) {
      for (const [name, value] of Object.entries(service))
        serviceEnv[`ADDON_MQTT_${name.toUpperCase()}`] = value;
    }
    const script = `set -euo pipefail; exports="$(node ${JSON.stringify(join(addonDir, "options-env.mjs"))} ${JSON.stringify(file)})"; eval "$exports"; node -e 'process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("UPSLINK_")))))'`;
    const result = spawnSync("bash", ["-c", script], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", ...serviceEnv },
    });
    return {
      status: result.status,
      stderr: result.stderr,
      env: result.status === 0 ? (JSON.parse(result.stdout) as Record<string, string>) : {},
    };
  }

  it("turns the default options and a serial port, with Home Assistant's broker, into a configuration the bridge accepts", () => {
    const { status, env, stderr } = runMapping(
      supervisorOptions({ serial_port: "/dev/serial/by-id/usb-FTDI_A10K-if00-port0" }),
      HA_MQTT,
    );
    expect(status, stderr).toBe(0);
    const config = loadConfig({ argv: [], env });
    expect(config.upses).toHaveLength(1);
    expect(config.upses[0]).toMatchObject({
      id: "ups",
      port: "/dev/serial/by-id/usb-FTDI_A10K-if00-port0",
      cable: "940-0024C",
    });
    expect(config.mqtt.url).toBe("mqtt://core-mosquitto:1883");
    expect(config.mqtt.username).toBe("addons");
    // Quotes and `$` survive the shell round trip.
    expect(config.mqtt.password).toBe(HA_MQTT.password);
    expect(config.commands.allow_destructive).toBe(false);
    expect(config.log.level).toBe("info");
    // The add-on's log panel shows text: readable lines, not JSON.
    expect(config.log.format).toBe("pretty");
  });

  it("maps every option to its key, and prefers the user's own broker", () => {
    const options = supervisorOptions({
      network_port: "tcp://10.0.0.5:4001",
      ups_id: "rack_1",
      cable: "940-0095B",
      poll_interval_ms: 1000,
      allow_destructive: true,
      confirm_timeout_s: 45,
      log_level: "debug",
      base_topic: "home/ups",
      mqtt_url: "mqtts://broker.example:8883",
      mqtt_username: "me",
      mqtt_password: "secret",
    });
    const { status, env, stderr } = runMapping(options, HA_MQTT);
    expect(status, stderr).toBe(0);
    const config = loadConfig({ argv: [], env });
    expect(config.upses[0]).toMatchObject({
      id: "rack_1",
      port: "tcp://10.0.0.5:4001",
      cable: "940-0095B",
      poll_interval_ms: 1000,
    });
    expect(config.commands).toMatchObject({ allow_destructive: true, confirm_timeout_s: 45 });
    expect(config.log.level).toBe("debug");
    expect(config.mqtt).toMatchObject({
      base_topic: "home/ups",
      url: "mqtts://broker.example:8883",
      username: "me",
      password: "secret",
    });
  });

  it("uses TLS when Home Assistant's broker does", () => {
    const env = optionsToEnv(supervisorOptions({ serial_port: "/dev/ttyS0" }), {
      ...HA_MQTT,
      ssl: "true",
      port: "8883",
    });
    expect(loadConfig({ argv: [], env }).mqtt.url).toBe("mqtts://core-mosquitto:8883");
  });

  it("refuses options that cannot work, with a sentence for the add-on log", () => {
    const noPort = runMapping(supervisorOptions({}), HA_MQTT);
    expect(noPort.status).toBe(2);
    expect(noPort.stderr).toMatch(/serial port/);
    const twoPorts = runMapping(
      supervisorOptions({ serial_port: "/dev/ttyS0", network_port: "tcp://h:1" }),
      HA_MQTT,
    );
    expect(twoPorts.status).toBe(2);
    const noBroker = runMapping(supervisorOptions({ serial_port: "/dev/ttyS0" }), null);
    expect(noBroker.status).toBe(2);
    expect(noBroker.stderr).toMatch(/Mosquitto/);
  });

  it("is what run.sh runs, from where the add-on image puts it", () => {
    const run = read("run.sh");
    execFileSync("bash", ["-n", join(addonDir, "run.sh")]);
    expect(run).toContain("node /opt/upslink2mqtt/addon/options-env.mjs /data/options.json");
    // Node flags may precede the script (the bin's V8 settings, see src/main.ts).
    expect(run).toMatch(/^exec node (?:--[\w-]+(?:=\S+)? )*\/opt\/upslink2mqtt\/dist\/main\.js run$/m);
    const dockerfile = read("Dockerfile");
    expect(dockerfile).toContain("COPY run.sh options-env.mjs /opt/upslink2mqtt/addon/");
    expect(dockerfile).toContain('CMD ["/opt/upslink2mqtt/addon/run.sh"]');
    // bashio's MQTT service keys are the ones options-env.mjs reads.
    for (const name of ["HOST", "PORT", "SSL", "USERNAME", "PASSWORD"])
      expect(run).toContain(`ADDON_MQTT_${name}=`);
  });
});

describe("add-on store", () => {
  const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

  it("finds a repository.yaml at the repository's root, naming this repository", () => {
    const repository = parseYaml(readFileSync(join(repoRoot, "repository.yaml"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(repository).toEqual({ name: "upslink2mqtt", url: SUPPORT_URL, maintainer: expect.any(String) });
    expect(manifest.url).toBe(SUPPORT_URL);
  });

  it("is told in the add-on's docs why the root config.schema.json stays and what the store says about it", () => {
    expect(read("DOCS.md")).toMatch(/## A warning about `config\.schema\.json`/);
    expect(readFileSync(join(repoRoot, "config.schema.json"), "utf8")).toContain('"$schema"');
  });
});
