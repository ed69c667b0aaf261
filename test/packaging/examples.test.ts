// The ready-to-copy examples (examples/): the configuration file, the compose file and the two
// systemd units are accepted by what reads them (the bridge's configuration loader, systemd's own
// `systemd-analyze verify`) and name only what the project has.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { CONFIG_FILE_ENV, CONFIG_KEYS, loadConfig } from "../../src/config/index.js";
import { REPO_ROOT } from "./bridge-process.js";

const examples = join(REPO_ROOT, "examples");
const read = (path: string) => readFileSync(join(examples, path), "utf8");
const configEnvNames = new Set([...CONFIG_KEYS.map((key) => key.env), CONFIG_FILE_ENV]);

/** `NAME=value` lines of an environment file, comments and blank lines skipped. */
function envFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(trimmed);
    if (match === null) throw new Error(`not a VARIABLE=value line: ${line}`);
    env[match[1] ?? ""] = match[2] ?? "";
  }
  return env;
}

/** Commented-out `# UPSLINK_X=…` lines: the variables the file offers to set. */
function offeredNames(text: string): string[] {
  return [...text.matchAll(/^#\s*(UPSLINK_[A-Z0-9_]+)=/gm)].map((match) => match[1] ?? "");
}

describe("examples/config.yaml", () => {
  it("is a configuration file the bridge accepts as it stands", () => {
    const config = loadConfig({ argv: ["--config", join(examples, "config.yaml")], env: {} });
    expect(config.upses).toEqual([
      expect.objectContaining({ id: "ups", port: "/dev/ttyUSB0", cable: "940-0024C" }),
    ]);
    expect(config.mqtt.url).toBe("mqtt://localhost:1883");
    expect(config.commands.allow_destructive).toBe(false);
  });

  it("shows a list of several UPSes that the bridge accepts once uncommented", () => {
    const text = read("config.yaml");
    const block = /^# ups:\n((?:#.*\n)+?)\n/m.exec(text)?.[0] ?? "";
    expect(block).not.toBe("");
    const uncommented = block.replace(/^# ?/gm, "");
    const withList = text.replace(/^ups:\n(?: {2}.*\n)+/m, "").replace(block, uncommented);
    const dir = mkdtempSync(join(tmpdir(), "upslink-example-"));
    try {
      const file = join(dir, "config.yaml");
      writeFileSync(file, withList);
      const config = loadConfig({ argv: ["--config", file], env: {} });
      expect(config.upses.map((ups) => ups.id)).toEqual(["rack", "office"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("examples/compose.yaml", () => {
  const compose = parseYaml(read("compose.yaml")) as {
    services: Record<
      string,
      {
        build?: string;
        devices?: string[];
        environment?: Record<string, string>;
        command?: string;
        image: string;
      }
    >;
  };
  const service = compose.services.upslink2mqtt;

  it("builds the project's Dockerfile from the clone", () => {
    expect(service?.build).toBe("..");
    expect(existsSync(join(resolve(examples, service?.build ?? ""), "Dockerfile"))).toBe(true);
  });

  it("passes the serial device it names to the bridge, with variables the bridge knows and accepts", () => {
    const env = service?.environment ?? {};
    for (const name of [...Object.keys(env), ...offeredNames(read("compose.yaml"))])
      expect(configEnvNames.has(name), name).toBe(true);
    const config = loadConfig({ argv: [], env });
    const port = config.upses[0]?.port;
    expect(service?.devices).toContain(`${port}:${port}`);
    expect(new URL(config.mqtt.url).hostname).toBe("mosquitto");
    expect(compose.services.mosquitto?.command).toBe("mosquitto -c /mosquitto-no-auth.conf");
  });
});

describe("examples/systemd", () => {
  const dir = mkdtempSync(join(tmpdir(), "upslink-units-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** `systemd-analyze verify`: exit 0 and nothing to say (it only warns about unknown keys). */
  function verify(unit: string): void {
    copyFileSync(join(examples, "systemd", unit), join(dir, unit));
    const result = spawnSync("systemd-analyze", ["verify", join(dir, unit)], { encoding: "utf8" });
    expect(result.error, "systemd-analyze (Debian: apt-get install systemd)").toBeUndefined();
    expect(`${result.stdout}${result.stderr}`, unit).toBe("");
    expect(result.status, unit).toBe(0);
  }

  it("has units systemd-analyze verify accepts without a remark", () => {
    verify("upslink2mqtt.service");
    verify("upslink2mqtt-env.service");
  });

  it("has an environment-file variant with the same hardening and an example file the bridge accepts", () => {
    const hardening = (unit: string) => read(join("systemd", unit)).split("# --- hardening ---")[1] ?? "";
    expect(hardening("upslink2mqtt-env.service")).not.toBe("");
    expect(hardening("upslink2mqtt-env.service")).toBe(hardening("upslink2mqtt.service"));

    const unit = read("systemd/upslink2mqtt-env.service");
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/upslink2mqtt\/upslink2mqtt\.env$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/env upslink2mqtt run$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
    expect(unit).toMatch(/install -m 0600 upslink2mqtt\.env \/etc\/upslink2mqtt\/upslink2mqtt\.env/);

    const text = read("systemd/upslink2mqtt.env");
    const env = envFile(text);
    for (const name of [...Object.keys(env), ...offeredNames(text)])
      expect(configEnvNames.has(name), name).toBe(true);
    const config = loadConfig({ argv: [], env });
    expect(config.upses[0]?.port).toBe("/dev/ttyUSB0");
  });
});
