// The Node-RED examples (examples/node-red/*.json) in a real, headless Node-RED against a real broker
// and the built bridge with a simulated UPS whose id is not the default: the live state arrives in
// the flow, the destructive command runs through the two-step confirmation, the (simulated) power
// failure is notified, the bridge's own state is followed through a restart, and Node-RED logs no
// error at any point (the `+/state` filter also matches `bridge/state`, which is not JSON).
//
// Node-RED is not a dependency of the project: it is installed once into a cache directory outside
// the repository (.ci/run pre-installs it there; this test installs it itself when it is missing).

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectClient,
  freePort,
  startTestBroker,
  type TestBroker,
  waitForMessage,
} from "../helpers/broker.js";
import { waitUntil } from "../helpers/wait.js";
import { type BridgeProcess, ensureBuilt, killBridge, REPO_ROOT, startBridge } from "./bridge-process.js";

const NODE_RED_VERSION = "5";
// CI sets UPSLINK_CI_CACHE (.ci/run); elsewhere the user's own cache directory.
const cacheDir = join(
  process.env.UPSLINK_CI_CACHE ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "upslink2mqtt"),
  "node-red",
);
const redJs = join(cacheDir, "node_modules", "node-red", "red.js");
const examplesDir = join(REPO_ROOT, "examples", "node-red");

type FlowNode = { readonly id: string; readonly type: string; [key: string]: unknown };

function ensureNodeRed(): void {
  if (existsSync(redJs)) return;
  mkdirSync(cacheDir, { recursive: true });
  execFileSync(
    "npm",
    [
      "install",
      "--prefix",
      cacheDir,
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      `node-red@${NODE_RED_VERSION}`,
    ],
    {
      stdio: "pipe",
      timeout: 600_000,
    },
  );
}

/** Every example file's nodes in one flow file, the shared broker node once, pointed at the test broker. */
function exampleFlows(broker: TestBroker): FlowNode[] {
  const nodes = new Map<string, FlowNode>();
  for (const file of readdirSync(examplesDir)
    .filter((name) => name.endsWith(".json"))
    .sort()) {
    for (const node of JSON.parse(readFileSync(join(examplesDir, file), "utf8")) as FlowNode[]) {
      const seen = nodes.get(node.id);
      // The same config node in several files is expected (each file imports on its own); nothing else may clash.
      if (seen !== undefined && JSON.stringify(seen) !== JSON.stringify(node))
        throw new Error(`${file}: node id ${node.id} clashes`);
      nodes.set(node.id, node);
    }
  }
  return [...nodes.values()].map((node) =>
    node.type === "mqtt-broker" ? { ...node, broker: broker.host, port: String(broker.port) } : node,
  );
}

interface NodeRed {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

async function startNodeRed(flows: readonly FlowNode[]): Promise<NodeRed> {
  const userDir = mkdtempSync(join(tmpdir(), "upslink-node-red-"));
  const port = await freePort();
  writeFileSync(join(userDir, "flows.json"), JSON.stringify(flows));
  // Headless: no editor, the admin API on loopback only (it triggers the inject buttons and reads context).
  writeFileSync(
    join(userDir, "settings.js"),
    `module.exports = {
  uiHost: "127.0.0.1",
  uiPort: ${port},
  flowFile: "flows.json",
  credentialSecret: false,
  disableEditor: true,
  telemetry: { enabled: false },
  diagnostics: { enabled: false },
  runtimeState: { enabled: false },
  logging: { console: { level: "warn", metrics: false, audit: false } },
  functionExternalModules: false,
};\n`,
  );
  const child = spawn(
    process.execPath,
    [redJs, "--userDir", userDir, "--settings", join(userDir, "settings.js"), "--no-telemetry"],
    {
      cwd: userDir,
      env: { PATH: process.env.PATH ?? "", HOME: userDir },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(userDir, { recursive: true, force: true });
  };
  try {
    await until(
      async () => (await fetch(`${url}/flows`).catch(() => null))?.ok === true,
      90_000,
      () => output,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, child, output: () => output, stop };
}

/** Polls a condition; the timeout only bounds a failing test, it is not what is tested. */
function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  context: () => string = () => "",
): Promise<void> {
  return waitUntil("the flow's condition", check, { timeoutMs, intervalMs: 100, context });
}

/** A value from Node-RED's context admin API (`{store: {msg, format}}` or `{msg, format}`). */
async function globalContext(nodeRed: NodeRed, key: string): Promise<unknown> {
  const response = await fetch(`${nodeRed.url}/context/global/${key}`);
  if (!response.ok) return undefined;
  const body = (await response.json()) as Record<string, unknown>;
  const entry = (typeof body.msg === "string" ? body : Object.values(body)[0]) as
    | { msg?: unknown }
    | undefined;
  if (typeof entry?.msg !== "string") return undefined;
  try {
    return JSON.parse(entry.msg) as unknown;
  } catch {
    return entry.msg;
  }
}

async function press(nodeRed: NodeRed, injectId: string): Promise<void> {
  const response = await fetch(`${nodeRed.url}/inject/${injectId}`, { method: "POST" });
  expect(response.status, `inject ${injectId}`).toBe(200);
}

describe("Node-RED example files", () => {
  it("name no UPS id: topics use `+`, the bridge's own topics, or the tab's UPS_ID", () => {
    for (const file of readdirSync(examplesDir).filter((name) => name.endsWith(".json"))) {
      const nodes = JSON.parse(readFileSync(join(examplesDir, file), "utf8")) as FlowNode[];
      for (const node of nodes) {
        const topic = typeof node.topic === "string" ? node.topic : "";
        if (topic.startsWith("upslink2mqtt/"))
          expect(topic, `${file} ${node.id}`).toMatch(/^upslink2mqtt\/(\+|bridge)\//);
        if (typeof node.func === "string")
          expect(node.func, `${file} ${node.id}`).not.toMatch(/upslink2mqtt\/ups\//);
      }
      const tab = nodes.find((node) => node.type === "tab");
      if (file === "confirmed-command.json")
        expect(tab?.env).toEqual([{ name: "UPS_ID", value: "", type: "str" }]);
    }
  });
});

/** Node-RED's console lines at level error (`… - [error] [node type:name] message`). */
function errorLines(output: string): string[] {
  return output.split("\n").filter((line) => /\[error\]/.test(line));
}

// Not the default id `ups`: the flows must work with whatever id the bridge has.
const UPS = "rack_1";

describe("Node-RED examples", () => {
  let broker: TestBroker;
  let client: MqttClient;
  let bridge: BridgeProcess | undefined;
  let nodeRed: NodeRed | undefined;

  const startTheBridge = () =>
    startBridge({
      env: {
        UPSLINK_UPS_PORT: "sim://smartups-3g-120",
        UPSLINK_UPS_ID: UPS,
        UPSLINK_MQTT_URL: broker.url,
        UPSLINK_COMMANDS_ALLOW_DESTRUCTIVE: "true",
      },
    });

  beforeAll(async () => {
    ensureBuilt();
    ensureNodeRed();
    broker = await startTestBroker();
    client = await connectClient(broker.url);
    bridge = startTheBridge();
    await waitForMessage(client, `upslink2mqtt/${UPS}/availability`, (m) => m.payload === "online", 30_000);
    nodeRed = await startNodeRed(exampleFlows(broker));
  }, 720_000);

  afterAll(async () => {
    await nodeRed?.stop();
    await killBridge(bridge);
    await client?.endAsync();
    await broker?.stop();
  });

  it("shows the live UPS state", async () => {
    const red = nodeRed as NodeRed;
    let summary: Record<string, Record<string, unknown>> = {};
    await until(
      async () => {
        summary = ((await globalContext(red, "upslink2mqtt")) ?? {}) as typeof summary;
        const ups = summary[UPS];
        return ups?.power_state === "on_line" && ups.availability === "online";
      },
      60_000,
      () => `${JSON.stringify(summary)}\n${red.output()}`,
    );
    expect(summary[UPS]?.battery_capacity_percent).toEqual(expect.any(Number));
    expect(summary[UPS]?.line_voltage_vac).toEqual(expect.any(Number));
    // The bridge's own state topic is not a UPS.
    expect(summary).not.toHaveProperty("bridge");
    expect(errorLines(red.output())).toEqual([]);
  }, 120_000);

  it("runs a destructive command through the confirmation, and notifies the power failure it causes", async () => {
    const red = nodeRed as NodeRed;
    const responseTopic = `upslink2mqtt/${UPS}/response/simulate_power_failure`;
    const pending = waitForMessage(client, responseTopic, (m) => m.payload.includes('"pending"'), 30_000);
    const executed = waitForMessage(client, responseTopic, (m) => m.payload.includes('"ok"'), 60_000);
    const notified = waitForMessage(
      client,
      "nodered/upslink2mqtt/notification",
      (m) => m.payload.includes("on battery"),
      60_000,
    );
    // Awaited below; marked handled so a failure earlier in the test does not also leave rejections behind.
    for (const promise of [pending, executed, notified]) promise.catch(() => {});

    await press(red, "confirm_request");
    const request = JSON.parse((await pending).payload) as { data: { token: string }; transaction: unknown };
    expect(request.transaction).toBe("node-red");
    expect(request.data.token).toMatch(/\S/);

    // The flow keeps the token when the pending response reaches it; Confirm does nothing until then.
    let done = false;
    void executed.then(() => {
      done = true;
    });
    await until(
      async () => {
        if (!done) await press(red, "confirm_confirm");
        return done;
      },
      30_000,
      red.output,
    );
    const result = JSON.parse((await executed).payload) as { status: string; action: string; error: unknown };
    expect(result).toMatchObject({ status: "ok", action: "simulate_power_failure", error: null });

    const notification = await notified;
    expect(notification.payload).toMatch(new RegExp(`^UPS ${UPS}: on battery: power failure \\(test\\)`));
    expect(errorLines(red.output())).toEqual([]);
  }, 180_000);

  it("follows the bridge's own state through a restart, and Node-RED logs no error at any point", async () => {
    const red = nodeRed as NodeRed;
    const bridgeState = async (wanted: string) =>
      until(async () => (await globalContext(red, "upslink2mqtt_bridge")) === wanted, 60_000, red.output);
    await bridgeState("online");
    const stopped = await (bridge as BridgeProcess).stop("SIGTERM");
    expect(stopped).toEqual({ code: 0, signal: null });
    await bridgeState("offline");
    bridge = startTheBridge();
    await waitForMessage(client, `upslink2mqtt/${UPS}/availability`, (m) => m.payload === "online", 30_000);
    await bridgeState("online");
    expect(errorLines(red.output())).toEqual([]);
  }, 180_000);
});
