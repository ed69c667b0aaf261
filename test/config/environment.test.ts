// Issue 17, item 7: a misspelt UPSLINK_* variable was silently ignored (the bridge ran on the
// default). Each unknown one is now named in a warning, with the closest known name when one is
// close.
import { afterEach, describe, expect, it } from "vitest";
import { describeUnknownVariable, unknownVariables } from "../../src/config/environment.js";
import { CONFIG_KEYS } from "../../src/config/index.js";
import { freePort } from "../helpers/broker.js";
import { waitUntil } from "../helpers/wait.js";
import { type BridgeProcess, ensureBuilt, killBridge, startBridge } from "../packaging/bridge-process.js";

describe("unknownVariables", () => {
  it("ignores known names, the configuration file's and other prefixes", () => {
    const env: Record<string, string> = { UPSLINK_CONFIG: "/etc/x.yaml", PATH: "/bin", MQTT_URL: "x" };
    for (const key of CONFIG_KEYS) env[key.env] = "x";
    expect(unknownVariables(env)).toEqual([]);
  });

  it.each([
    ["UPSLINK_MQTT_URI", "UPSLINK_MQTT_URL"],
    ["UPSLINK_UPS_POTR", "UPSLINK_UPS_PORT"],
    ["UPSLINK_MQTT_PASSWROD", "UPSLINK_MQTT_PASSWORD"],
    ["UPSLINK_POLL_INTERVAL", "UPSLINK_POLL_INTERVAL_MS"],
    ["UPSLINK_LOGLEVEL", "UPSLINK_LOG_LEVEL"],
    ["UPSLINK_HEALTHFILE", "UPSLINK_HEALTH_FILE"],
  ])("%s: suggests %s", (name, suggestion) => {
    expect(unknownVariables({ [name]: "x" })).toEqual([{ name, suggestion }]);
  });

  it("suggests nothing when no name is close", () => {
    expect(unknownVariables({ UPSLINK_BROKER: "x", UPSLINK_TIMEZONE: "" })).toEqual([
      { name: "UPSLINK_BROKER", suggestion: null },
      { name: "UPSLINK_TIMEZONE", suggestion: null },
    ]);
    expect(describeUnknownVariable({ name: "UPSLINK_BROKER", suggestion: null })).toContain(
      "upslink2mqtt schema",
    );
  });
});

describe("the bridge process", () => {
  let bridge: BridgeProcess | undefined;
  afterEach(async () => {
    await killBridge(bridge);
  });

  it("warns about each unknown UPSLINK_* variable, naming the closest known one", async () => {
    ensureBuilt();
    const port = await freePort(); // no broker needed: the warnings come first
    bridge = startBridge({
      env: {
        UPSLINK_UPS_PORT: "sim://smartups-3g-120",
        UPSLINK_MQTT_URL: `mqtt://127.0.0.1:${port}`,
        UPSLINK_MQTT_BASE_TOPC: "home/ups",
        UPSLINK_BROKER: "mqtt://elsewhere",
      },
    });
    const started = bridge;
    await waitUntil(
      "the bridge to report the broker unreachable",
      () => {
        if (started.child.exitCode !== null) throw new Error(`the bridge exited:\n${started.output()}`);
        return /MQTT broker unreachable/.test(started.output());
      },
      { timeoutMs: 20_000, context: () => started.output() },
    );
    const warnings = bridge
      .output()
      .split("\n")
      .filter((line) => line.includes("is not a configuration key"))
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(warnings.map((w) => w.msg)).toEqual([
      "Environment variable UPSLINK_BROKER is not a configuration key and is ignored: no configuration key has this name (`upslink2mqtt schema` lists them)",
      "Environment variable UPSLINK_MQTT_BASE_TOPC is not a configuration key and is ignored: did you mean UPSLINK_MQTT_BASE_TOPIC?",
    ]);
    expect(warnings.every((w) => w.level === 40)).toBe(true);
    expect(await bridge.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  }, 60_000);
});
