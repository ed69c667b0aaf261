// The Home Assistant add-on's image, built without Docker (there is no engine here): the commands of
// addon/Dockerfile run as written, in order, with the image's directories under a temporary root.
// The source archive the Dockerfile fetches (the release tag's archive) is replaced, as a
// `--build-arg UPSLINK2MQTT_SOURCE=…` would, by an archive of this working tree served on loopback.
// Then the add-on starts as the Supervisor starts it (run.sh with the options the Supervisor writes,
// bashio answered by a small stand-in), bridges a simulated UPS to a real broker, passes the image's
// HEALTHCHECK, and stops cleanly on SIGTERM.
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUPPORT_URL } from "../../src/version.js";
import { connectClient, startTestBroker, type TestBroker, waitForMessage } from "../helpers/broker.js";
import { REPO_ROOT } from "./bridge-process.js";

const addonDir = join(REPO_ROOT, "addon");
const version = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string })
  .version;

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile's instructions per stage, continuation lines joined, comments dropped. */
function dockerfileStages(text: string): { from: string; instructions: Instruction[] }[] {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = "";
  }
  const stages: { from: string; instructions: Instruction[] }[] = [];
  for (const line of logical) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (keyword.toUpperCase() === "FROM") stages.push({ from: args, instructions: [] });
    else stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

/** `${NAME}` and `$NAME` from `vars`, as Docker expands ARG and ENV values. */
function expand(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? "";
    return vars[name] ?? "";
  });
}

/** An archive like the one GitHub serves for a tag: the repository's files under `<name>-<version>/`. */
function sourceArchive(target: string): void {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  })
    .split("\0")
    .filter((path) => path !== "" && existsSync(join(REPO_ROOT, path)));
  const list = join(dirname(target), "files.txt");
  writeFileSync(list, `${listed.join("\0")}\0`);
  execFileSync("tar", [
    "-czf",
    target,
    "-C",
    REPO_ROOT,
    "--null",
    "--transform",
    `s,^,upslink2mqtt-${version}/,`,
    "-T",
    list,
  ]);
}

/** `sh -c command`, without blocking this process (it serves the source archive meanwhile). */
function shell(
  command: string,
  cwd: string,
  env: Readonly<Record<string, string>>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.once("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

/** A hard-linked copy of the machine's npm cache (its content files are never rewritten, only added). */
function seedNpmCache(target: string): void {
  const source = spawnSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).stdout.trim();
  const cacache = join(source || join(homedir(), ".npm"), "_cacache");
  mkdirSync(target, { recursive: true });
  if (!existsSync(cacache)) return;
  // Content files are immutable and linked; the index is appended to, so it is copied.
  execFileSync("cp", ["-al", join(cacache, "content-v2"), join(target, "content-v2")]);
  if (existsSync(join(cacache, "index-v5")))
    cpSync(join(cacache, "index-v5"), join(target, "index-v5"), { recursive: true });
}

describe("the add-on's install steps (addon/Dockerfile without Docker)", () => {
  const dockerfile = readFileSync(join(addonDir, "Dockerfile"), "utf8");
  const stages = dockerfileStages(dockerfile);
  let root: string;
  let server: Server | undefined;
  let broker: TestBroker | undefined;
  let client: MqttClient | undefined;
  let simulator: ChildProcess | undefined;
  let addon: ChildProcess | undefined;
  let addonLog = "";
  /** The image's environment (ENV), with paths under the temporary root. */
  const imageEnv: Record<string, string> = {};
  let healthCommand: string[] = [];
  let startScript = "";

  /** An absolute path of the image, under the temporary root. */
  const inRoot = (path: string) => join(root, path);
  /** The image's absolute directories in a command, moved under the temporary root. */
  const rooted = (text: string) =>
    text.replace(
      /(^|[\s"'=])(\/(?:src|opt\/upslink2mqtt|data|tmp))(?=[/\s"']|$)/g,
      (_, before: string, path: string) => {
        return `${before}${inRoot(path)}`;
      },
    );

  /**
   * The environment the image's commands run with: this machine's (its registry settings and CA
   * certificates reach npm as they reach a builder's), node 24 first on PATH, a private npm cache
   * (the Dockerfile's `npm cache clean --force` must not empty the machine's).
   */
  const commandEnv = (): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && !name.startsWith("UPSLINK_") && !name.startsWith("npm_")) env[name] = value;
    }
    return {
      ...env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
      npm_config_cache: inRoot("/root/.npm"),
    };
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "upslink-addon-image-"));
    mkdirSync(inRoot("/root"), { recursive: true });
    seedNpmCache(inRoot("/root/.npm/_cacache"));

    // The tag's source archive, served where the Dockerfile fetches it, on loopback.
    const archive = join(root, "source.tar.gz");
    sourceArchive(archive);
    const archivePath = `/upslink2mqtt/upslink2mqtt/archive/refs/tags/v${version}.tar.gz`;
    server = createServer((request, response) => {
      if (request.url !== archivePath) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, {
        "content-type": "application/gzip",
        "content-length": statSync(archive).size,
      });
      createReadStream(archive).pipe(response);
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;

    // ---- the build stage, instruction by instruction -------------------------------------------
    const [build, runtime] = stages;
    if (build === undefined || runtime === undefined) throw new Error("addon/Dockerfile needs two stages");
    const args: Record<string, string> = {};
    let cwd = root;
    for (const { keyword, args: text } of build.instructions) {
      if (keyword === "ARG") {
        const [name = "", value = ""] = text.split(/=(.*)/s);
        args[name] = expand(value, args);
        if (name === "UPSLINK2MQTT_SOURCE") {
          // What the real build fetches: the release tag's archive on the project's repository.
          expect(args[name]).toBe(`${SUPPORT_URL}/archive/refs/tags/v${version}.tar.gz`);
          expect(new URL(args[name] ?? "").pathname).toBe(archivePath);
          // docker build --build-arg UPSLINK2MQTT_SOURCE=<the same archive of this working tree>
          args[name] = `http://127.0.0.1:${port}${archivePath}`;
        }
      } else if (keyword === "WORKDIR") {
        cwd = inRoot(text);
        mkdirSync(cwd, { recursive: true });
      } else if (keyword === "RUN") {
        // Asynchronously: the archive is served from this process.
        const result = await shell(rooted(text), cwd, { ...commandEnv(), ...args });
        expect(result.status, `RUN ${text}\n${result.stdout}\n${result.stderr}`).toBe(0);
      } else {
        throw new Error(`the build stage has an instruction this test does not know: ${keyword} ${text}`);
      }
    }
    expect(args.UPSLINK2MQTT_VERSION).toBe(version);

    // ---- the add-on stage: only what the build stage made is copied; /src and the cache are gone --
    rmSync(inRoot("/src"), { recursive: true, force: true });
    rmSync(inRoot("/root"), { recursive: true, force: true });
    for (const { keyword, args: text } of runtime.instructions) {
      if (keyword === "COPY" && text.startsWith("--from=build ")) {
        const [from = "", to = ""] = text.slice("--from=build ".length).split(/\s+/);
        // The node binary of the build image: this test's own Node.js 24 (checked below).
        if (from === "/usr/local/bin/node") continue;
        expect(from, "copied to the same place").toBe(to);
        expect(existsSync(inRoot(from)), from).toBe(true);
      } else if (keyword === "COPY") {
        const words = text.split(/\s+/);
        const target = inRoot(words.at(-1) ?? "");
        mkdirSync(target, { recursive: true });
        for (const source of words.slice(0, -1)) cpSync(join(addonDir, source), join(target, source));
      } else if (keyword === "RUN" && text.startsWith("apk ")) {
        // Alpine packages of the base image (Node's C++ runtime); the test machine has its own.
      } else if (keyword === "RUN") {
        execFileSync("sh", ["-c", rooted(text)], { env: commandEnv() });
      } else if (keyword === "ENV") {
        for (const [, name = "", value = ""] of text.matchAll(/(\w+)=(\S+)/g)) imageEnv[name] = rooted(value);
      } else if (keyword === "HEALTHCHECK") {
        healthCommand = JSON.parse(/CMD (\[.*\])$/.exec(text)?.[1] ?? "[]") as string[];
      } else if (keyword === "CMD") {
        startScript = (JSON.parse(text) as string[])[0] ?? "";
      }
    }
    mkdirSync(inRoot("/tmp"), { recursive: true });
    mkdirSync(inRoot("/data"), { recursive: true });

    broker = await startTestBroker();
    client = await connectClient(broker.url);
  }, 1_200_000);

  afterAll(async () => {
    for (const child of [addon, simulator]) {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    await client?.endAsync();
    await broker?.stop();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it("builds on Node.js 24 on the add-on base's Alpine release, from the tagged source, never from the npm registry", () => {
    const [build, runtime] = stages;
    expect(build?.from).toBe("node:24-alpine3.22 AS build");
    expect(runtime?.from).toBe("ghcr.io/home-assistant/base:3.22");
    expect(process.versions.node.split(".")[0]).toBe("24");
    expect(dockerfile).not.toMatch(/npm (install|i|add)\b[^\n]*upslink2mqtt@/);
  });

  it("leaves the production tree only: the build, the lock file's runtime dependencies, the start files", () => {
    const app = inRoot("/opt/upslink2mqtt");
    for (const file of ["dist/main.js", "package.json", "LICENSE", "addon/run.sh", "addon/options-env.mjs"])
      expect(existsSync(join(app, file)), file).toBe(true);
    expect(statSync(join(app, "addon/run.sh")).mode & 0o111).not.toBe(0);
    const modules = readdirSync(join(app, "node_modules"));
    for (const runtimeDependency of ["mqtt", "pino", "pino-pretty", "serialport", "convict", "aedes"])
      expect(modules, runtimeDependency).toContain(runtimeDependency);
    for (const devDependency of ["vitest", "typescript", "testcontainers", "@biomejs"])
      expect(modules, devDependency).not.toContain(devDependency);
    expect(readdirSync(join(app, "dist")).some((file) => file.endsWith(".map"))).toBe(false);
  });

  it("starts as the Supervisor starts it, bridges the UPS with readable logs, is healthy, and stops cleanly", async () => {
    const app = inRoot("/opt/upslink2mqtt");
    const mqtt = client as MqttClient;
    const testBroker = broker as TestBroker;

    // A simulated Smart-UPS on TCP, from the add-on's own tree (as ser2net would serve a real one).
    simulator = spawn(process.execPath, [join(app, "dist/main.js"), "simulate", "--tcp", "0"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let simulatorOut = "";
    const simulatorPort = await new Promise<number>((resolve, reject) => {
      simulator?.stdout?.on("data", (chunk: Buffer) => {
        simulatorOut += chunk.toString("utf8");
        const match = /ready: tcp [\d.]+:(\d+)/.exec(simulatorOut);
        if (match?.[1] !== undefined) resolve(Number(match[1]));
      });
      simulator?.once("exit", (code) => reject(new Error(`simulator exited (${code}): ${simulatorOut}`)));
    });

    // /data/options.json as the Supervisor writes it: the manifest's defaults and the user's choice.
    const manifest = readFileSync(join(addonDir, "config.yaml"), "utf8");
    const { parse } = await import("yaml");
    const options = {
      ...(parse(manifest) as { options: Record<string, unknown> }).options,
      network_port: `tcp://127.0.0.1:${simulatorPort}`,
    };
    writeFileSync(inRoot("/data/options.json"), JSON.stringify(options));

    // bashio, as far as run.sh uses it: the options file and Home Assistant's MQTT service.
    const shim = join(root, "bashio-shim.sh");
    writeFileSync(
      shim,
      `bashio::config.has_value() { node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = o[process.argv[2]]; process.exit(v === undefined || v === null || v === "" ? 1 : 0)' ${JSON.stringify(inRoot("/data/options.json"))} "$1"; }
bashio::services.available() { [ "$1" = mqtt ]; }
bashio::services() { case "$2" in host) echo 127.0.0.1 ;; port) echo ${testBroker.port} ;; ssl) echo false ;; *) echo "" ;; esac; }
bashio::log.info() { echo "[bashio info] $*" >&2; }
bashio::log.warning() { echo "[bashio warning] $*" >&2; }
bashio::exit.nok() { echo "[bashio fatal] $*" >&2; exit 1; }
`,
    );
    expect(startScript).toBe("/opt/upslink2mqtt/addon/run.sh");
    const runScript = rooted(readFileSync(inRoot(startScript), "utf8"));
    writeFileSync(join(root, "run-rooted.sh"), runScript);

    const online = waitForMessage(mqtt, "upslink2mqtt/bridge/state", (m) => m.payload === "online", 60_000);
    online.catch(() => {});
    addon = spawn(
      "bash",
      ["-c", `source ${JSON.stringify(shim)}; source ${JSON.stringify(join(root, "run-rooted.sh"))}`],
      {
        env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`, HOME: root, ...imageEnv },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const collectLog = (chunk: Buffer) => {
      addonLog += chunk.toString("utf8");
    };
    addon.stdout?.on("data", collectLog);
    addon.stderr?.on("data", collectLog);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      addon?.once("exit", (code, signal) => resolve({ code, signal })),
    );

    await online;
    const state = await waitForMessage(
      mqtt,
      "upslink2mqtt/ups/state",
      (m) => m.payload.includes(`"power_state":"on_line"`),
      60_000,
    );
    expect(JSON.parse(state.payload)).toMatchObject({ power_state: "on_line" });

    // The image's HEALTHCHECK command, in the image's environment.
    expect(healthCommand.slice(0, 1)).toEqual(["node"]);
    let health = { status: -1 as number | null, stdout: "" };
    for (let attempt = 0; attempt < 60 && health.status !== 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 500));
      health = spawnSync(process.execPath, healthCommand.slice(1).map(rooted), {
        env: { PATH: process.env.PATH ?? "", ...imageEnv },
        encoding: "utf8",
      });
    }
    expect(health.status, `${health.stdout}\n${addonLog}`).toBe(0);
    expect(health.stdout.trim()).toBe("healthy");

    // The Supervisor stops an add-on with SIGTERM; run.sh exec'd the bridge, so the bridge gets it.
    const offline = waitForMessage(mqtt, "upslink2mqtt/bridge/state", (m) => m.payload === "offline", 30_000);
    addon.kill("SIGTERM");
    await offline;
    expect(await exited, addonLog).toEqual({ code: 0, signal: null });
    // The history went to the add-on's data folder (run.sh: UPSLINK_DATA_DIR=/data), saved at stop.
    expect(JSON.parse(readFileSync(inRoot("/data/history-ups.json"), "utf8"))).toMatchObject({
      format: 1,
      ups: "ups",
      transfers: 0,
    });

    // The add-on's log panel: bashio's lines, then the bridge's readable lines (no JSON).
    const bridgeLines = addonLog
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("[bashio"));
    expect(addonLog).toContain("[bashio info] Using Home Assistant's MQTT broker at 127.0.0.1:");
    expect(bridgeLines.length).toBeGreaterThan(3);
    for (const line of bridgeLines)
      expect(line).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] [A-Z]+: /);
    expect(addonLog).toMatch(/INFO: main: bridge running/);
    expect(addonLog).not.toMatch(/(WARN|ERROR|FATAL): /);
  }, 180_000);
});
