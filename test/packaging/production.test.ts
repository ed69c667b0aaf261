// The Docker image's production tree, built without Docker (CI has no engine): the same
// `npm ci --omit=dev …` command the Dockerfile's deps stage runs, in a temporary directory, plus
// dist/; then the bridge runs from it against the simulator and a real broker, answers the image's
// HEALTHCHECK command, and stops cleanly on SIGTERM as it does as PID 1 in the container.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, startTestBroker, type TestBroker, waitForMessage } from "../helpers/broker.js";
import { waitForValue } from "../helpers/wait.js";
import { type BridgeProcess, ensureBuilt, killBridge, REPO_ROOT, startBridge } from "./bridge-process.js";

const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");

/** The deps stage's install command, word by word, as the image runs it. */
function imageInstallCommand(): string[] {
  const match = /^RUN (npm ci --omit=dev[^&\n]*?)\s*(&&|$)/m.exec(dockerfile);
  if (match?.[1] === undefined) throw new Error("the Dockerfile has no `RUN npm ci --omit=dev` line");
  return match[1].trim().split(/\s+/);
}

/** The image's HEALTHCHECK command (exec form), with /app standing for the production tree. */
function imageHealthCommand(): string[] {
  const match = /HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/.exec(dockerfile);
  if (match?.[1] === undefined) throw new Error("the Dockerfile has no exec-form HEALTHCHECK CMD");
  return JSON.parse(match[1]) as string[];
}

describe("production install (what the Docker image contains)", () => {
  let app: string;
  let broker: TestBroker;
  let client: MqttClient;
  let bridge: BridgeProcess | undefined;

  beforeAll(async () => {
    ensureBuilt();
    app = mkdtempSync(join(tmpdir(), "upslink-production-"));
    cpSync(join(REPO_ROOT, "package.json"), join(app, "package.json"));
    cpSync(join(REPO_ROOT, "package-lock.json"), join(app, "package-lock.json"));
    const [npm, ...args] = imageInstallCommand();
    expect(npm).toBe("npm");
    // npm from PATH, as `npm test` finds it; its `#!/usr/bin/env node` runs it with the test's node.
    execFileSync("npm", args, { cwd: app, stdio: "pipe", timeout: 600_000 });
    cpSync(join(REPO_ROOT, "dist"), join(app, "dist"), { recursive: true });
    broker = await startTestBroker();
    client = await connectClient(broker.url);
  }, 660_000);

  afterAll(async () => {
    await killBridge(bridge);
    await client?.endAsync();
    await broker?.stop();
    if (app !== undefined) rmSync(app, { recursive: true, force: true });
  });

  it("holds the production dependencies and none of the development ones", () => {
    // The lock file marks what only development needs (`dev: true`); serialport's own dependency on
    // @serialport/binding-mock, for instance, is production.
    const lock = JSON.parse(readFileSync(join(app, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean; optional?: boolean }>;
    };
    const entries = Object.entries(lock.packages).filter(([path]) => path.startsWith("node_modules/"));
    expect(entries.length).toBeGreaterThan(0);
    for (const [path, entry] of entries) {
      if (entry.dev === true) expect(existsSync(join(app, path)), path).toBe(false);
      else if (entry.optional !== true) expect(existsSync(join(app, path)), path).toBe(true);
    }
  });

  it("loads serialport's prebuilt native binding without install scripts", () => {
    const script =
      "const { autoDetect } = await import('@serialport/bindings-cpp'); const ports = await autoDetect().list(); process.stdout.write(String(Array.isArray(ports)));";
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: app,
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("true");
  });

  it("runs the bridge against the simulator and a broker, reports healthy, and stops cleanly on SIGTERM", async () => {
    const base = "prod";
    const healthFile = join(app, "health.json");
    const online = waitForMessage(client, `${base}/bridge/state`, (m) => m.payload === "online", 30_000);
    online.catch(() => {});
    bridge = startBridge({
      mainJs: join(app, "dist", "main.js"),
      cwd: app,
      args: ["run"],
      env: {
        NODE_ENV: "production",
        UPSLINK_UPS_PORT: "sim://smartups-3g-120",
        UPSLINK_MQTT_URL: broker.url,
        UPSLINK_MQTT_BASE_TOPIC: base,
        UPSLINK_HEALTH_FILE: healthFile,
      },
    });
    await online;
    // Each value is awaited until it is known (not the `null` of a key not read yet), then checked.
    const charge = await waitForMessage(
      client,
      `${base}/ups/battery_capacity_percent`,
      (m) => m.payload !== "" && m.payload !== "null",
      30_000,
    );
    expect(Number(charge.payload)).toBeGreaterThan(0);
    const state = await waitForMessage(
      client,
      `${base}/ups/state`,
      (m) => (JSON.parse(m.payload) as { power_state?: unknown }).power_state != null,
      30_000,
    );
    expect(JSON.parse(state.payload)).toMatchObject({ power_state: "on_line" });

    // The image's HEALTHCHECK, pointed at the production tree instead of /app.
    const [node, mainJs, ...healthArgs] = imageHealthCommand();
    expect(node).toBe("node");
    expect(mainJs).toBe("/app/dist/main.js");
    // The bridge writes its first health once the link is up.
    let last = "";
    const healthy = await waitForValue(
      "the health check to pass",
      () => {
        const result = spawnSync(process.execPath, [join(app, "dist", "main.js"), ...healthArgs], {
          cwd: app,
          encoding: "utf8",
          env: { PATH: process.env.PATH ?? "", UPSLINK_HEALTH_FILE: healthFile },
        });
        last = `${result.status} ${result.stdout}${result.stderr}`;
        return result.status === 0 ? result : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 250, context: () => `last health check: ${last}` },
    );
    expect(healthy.stdout.trim()).toBe("healthy");

    const offline = waitForMessage(client, `${base}/bridge/state`, (m) => m.payload === "offline", 30_000);
    const exit = await bridge.stop("SIGTERM");
    await offline;
    expect(exit, bridge.output()).toEqual({ code: 0, signal: null });
  }, 180_000);
});
