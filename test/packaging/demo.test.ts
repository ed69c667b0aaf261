// `npm start` on a fresh clone (issue 15): the demo's first run logs no warning that is not about the
// user's own set-up, the README's mosquitto_pub line works against it as printed, and a taken port
// 1883 is explained, not warned about. The demo runs as `npm start` runs it after its build step.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { collect, connectClient, waitInRecorded } from "../helpers/broker.js";
import { scratchStateHome } from "../helpers/state-home.js";
import { ensureBuilt, REPO_ROOT } from "./bridge-process.js";

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};
const execFileAsync = promisify(execFile);
const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

/** What `npm start` runs after its build step, e.g. `node --max-semi-space-size=1 dist/main.js demo`. */
function startCommand(): string[] {
  const last = (pkg.scripts.start ?? "").split("&&").at(-1)?.trim() ?? "";
  const words = last.split(/\s+/);
  expect(words[0]).toBe("node");
  expect(words.slice(-2)).toEqual(["dist/main.js", "demo"]);
  return words.slice(1);
}

interface Demo {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once standard output holds `text`. */
  waitFor(text: string, stream?: "stdout" | "stderr"): Promise<void>;
  stop(): Promise<number | null>;
}

function startDemo(): Demo {
  ensureBuilt();
  // A fresh shell: no UPSLINK_* variables, standard input open as in a terminal.
  const child = spawn(process.execPath, startCommand(), {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      XDG_STATE_HOME: scratchStateHome(),
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiters: (() => void)[] = [];
  const poke = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    poke();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
    poke();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (text, stream = "stdout") =>
      new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new Error(`the demo did not print "${text}"\nstdout:\n${out}\nstderr:\n${err}`)),
          30_000,
        );
        const check = () => {
          if ((stream === "stdout" ? out : err).includes(text)) {
            clearTimeout(deadline);
            resolve();
          } else waiters.push(check);
        };
        check();
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      return exited;
    },
  };
}

/** Every log record the demo wrote (standard error is a pipe here, so the log is JSON lines). */
function logRecords(stderr: string): { level: number; msg: string }[] {
  return stderr
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { level: number; msg: string });
}

let demo: Demo | undefined;
let blocker: Server | undefined;
afterEach(async () => {
  await demo?.stop();
  demo = undefined;
  await new Promise<void>((resolve) => (blocker === undefined ? resolve() : blocker.close(() => resolve())));
  blocker = undefined;
});

describe("npm start (the demo)", () => {
  it("runs its first time without a warning, and the README's mosquitto_pub line works against it", async () => {
    demo = startDemo();
    await demo.waitFor("stop:   Ctrl-C");
    await demo.waitFor("connected to the MQTT broker", "stderr");
    const banner = demo.stdout();

    // The README's command line, with the host and port the demo printed.
    const tryLine = /try: +mosquitto_pub -h (\S+) -p (\d+) -t '([^']+)' -m PRESS/.exec(banner);
    expect(tryLine, banner).not.toBeNull();
    const [, host, port, demoTopic] = tryLine ?? [];
    const readmeLine = /^mosquitto_pub -t '([^']+\/command\/battery_test)' -m PRESS$/m.exec(readme);
    expect(readmeLine?.[1]).toBe(demoTopic);
    expect(banner).toContain("(embedded, MQTT 3.1.1)");

    const client = await connectClient(`mqtt://${host}:${port}`, { protocolVersion: 4 });
    try {
      const seen = await collect(client, "upslink2mqtt/ups/#");
      const state = await waitInRecorded(
        seen.messages,
        "upslink2mqtt/ups/state",
        (p) => p.includes(`"power_state":"on_line"`),
        {
          timeoutMs: 30_000,
        },
      );
      expect(JSON.parse(state.payload)).toMatchObject({ power_state: "on_line" });
      // The state can arrive a moment before the bridge's command subscriptions are acknowledged
      // (commands are not retained): press again, as a user would, until an answer comes.
      const responseTopic = "upslink2mqtt/ups/response/battery_test";
      const answered = () => seen.messages.some((m) => m.topic === responseTopic);
      for (let press = 0; press < 10 && !answered(); press++) {
        await execFileAsync("mosquitto_pub", [
          ...["-h", host ?? "", "-p", port ?? ""],
          ...["-t", readmeLine?.[1] ?? "", "-m", "PRESS"],
        ]);
        await waitInRecorded(seen.messages, responseTopic, () => true, { timeoutMs: 1000 }).catch(() => {});
      }
      const response = await waitInRecorded(seen.messages, responseTopic);
      expect(JSON.parse(response.payload), response.payload).toMatchObject({
        status: "ok",
        action: "battery_test",
      });
    } finally {
      await client.endAsync();
    }

    expect(await demo.stop()).toBe(0);
    const records = logRecords(demo.stderr());
    expect(records.some((record) => record.msg === "stopping")).toBe(true);
    expect(
      records.filter((record) => record.level >= 40),
      demo.stderr(),
    ).toEqual([]);
  }, 90_000);

  it("takes another port when 1883 is taken, says how to use the broker already there, and still does not warn", async () => {
    // Port 1883 held by something else (the user's own broker, say), unless it already is.
    const server = createServer();
    const held = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(1883, "127.0.0.1", () => resolve(true));
    });
    if (held) blocker = server;

    demo = startDemo();
    await demo.waitFor("stop:   Ctrl-C");
    await demo.waitFor("connected to the MQTT broker", "stderr");
    const banner = demo.stdout();
    expect(banner).not.toMatch(/-p 1883 /);
    expect(banner).toContain("port 1883 is taken");
    expect(banner).toContain("UPSLINK_MQTT_URL=mqtt://127.0.0.1:1883 npm start");
    expect(await demo.stop()).toBe(0);
    expect(
      logRecords(demo.stderr()).filter((record) => record.level >= 40),
      demo.stderr(),
    ).toEqual([]);
  }, 90_000);
});
