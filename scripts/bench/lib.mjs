// Shared pieces of the benchmark and soak scripts: one clock, statistics, child processes and temp
// dirs that are always cleaned up, a local mosquitto, an MQTT subscriber, /proc sampling.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import mqtt from "mqtt";

export const ROOT = resolve(import.meta.dirname, "../..");
export const MAIN = join(ROOT, "dist/main.js");

/** The Node flags of the `upslink2mqtt` bin (its shebang), so the bridge runs here as installed. */
export const BIN_NODE_FLAGS = (() => {
  const first = readFileSync(MAIN, "utf8").split("\n", 1)[0] ?? "";
  const match = /^#!\/usr\/bin\/env\s+(?:-S\s+)?node\s*(.*)$/.exec(first);
  return match?.[1] ? match[1].trim().split(/\s+/) : [];
})();
export const STAMP_PRELOAD = join(import.meta.dirname, "stamp-alerts.mjs");
export const SIM_FARM = join(import.meta.dirname, "sim-farm.mjs");

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on this machine. */
export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// ---- statistics ---------------------------------------------------------------------------------

export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summary(values) {
  return {
    n: values.length,
    median: quantile(values, 0.5),
    p90: quantile(values, 0.9),
    p99: quantile(values, 0.99),
    min: values.length === 0 ? Number.NaN : Math.min(...values),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
    mean: values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length,
  };
}

/** Least-squares slope of y over x. */
export function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

export const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

// ---- cleanup ------------------------------------------------------------------------------------

const children = new Set();
const dirs = new Set();
const closers = new Set();

export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/** Registers an async closer (clients, in-process brokers) run by cleanupAll. */
export function onCleanup(fn) {
  closers.add(fn);
  return () => closers.delete(fn);
}

/** Ends one child (SIGTERM, then SIGKILL after `graceMs`) and waits for it. */
export async function stopChild(child, graceMs = 3000) {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function cleanupAll() {
  for (const fn of [...closers]) {
    closers.delete(fn);
    await Promise.resolve()
      .then(fn)
      .catch(() => undefined);
  }
  await Promise.all([...children].map((child) => stopChild(child, 2000)));
  for (const dir of [...dirs]) removeDir(dir);
}

let handlersInstalled = false;
/** On Ctrl-C / SIGTERM / a crash: stop every child, remove every temp dir, then exit. */
export function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const bail = (code) => {
    cleanupAll().finally(() => process.exit(code));
  };
  process.once("SIGINT", () => bail(130));
  process.once("SIGTERM", () => bail(143));
  process.on("uncaughtException", (error) => {
    process.stderr.write(`bench: ${error.stack ?? error}\n`);
    bail(1);
  });
  process.on("unhandledRejection", (error) => {
    process.stderr.write(`bench: unhandled rejection: ${error?.stack ?? error}\n`);
    bail(1);
  });
}

/** Spawns a tracked child; its output is collected (last 64 KiB) for error messages. */
export function spawnTracked(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], ...options });
  children.add(child);
  let log = "";
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-65536);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.once("exit", () => children.delete(child));
  child.log = () => log;
  return child;
}

/** Lines of a stream, with `next(predicate, timeoutMs)` to wait for one. */
export function lineReader(stream, keep = () => true) {
  const queue = [];
  const waiters = [];
  const listeners = [];
  createInterface({ input: stream }).on("line", (line) => {
    for (const listener of listeners) listener(line);
    if (!keep(line)) return;
    const index = waiters.findIndex((w) => w.predicate(line));
    if (index >= 0) {
      const [waiter] = waiters.splice(index, 1);
      waiter.resolve(line);
    } else queue.push(line);
  });
  return {
    next(predicate = () => true, timeoutMs = 15_000, what = "a line") {
      const index = queue.findIndex(predicate);
      if (index >= 0) return Promise.resolve(queue.splice(index, 1)[0]);
      return new Promise((resolveLine, reject) => {
        const waiter = { predicate, resolve: resolveLine };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        waiter.resolve = (line) => {
          clearTimeout(timer);
          resolveLine(line);
        };
        waiters.push(waiter);
      });
    },
    drain() {
      queue.length = 0;
    },
    /** Every line to `fn` as well. */
    onLine(fn) {
      listeners.push(fn);
    },
  };
}

// ---- processes of the product -------------------------------------------------------------------

/**
 * `upslink2mqtt simulate --pty LINK` with the alert stamp preload. `control(line)` sends a control
 * line and resolves with its answer; `stamp(char)` resolves with the next stamp of that alert byte.
 */
export async function startPtySimulator(link, { pacing = true, profile = "smartups-3g-120", env = {} } = {}) {
  const args = ["--import", STAMP_PRELOAD, MAIN, "simulate", "--pty", link, "--profile", profile];
  if (pacing) args.push("--pacing");
  const child = spawnTracked(process.execPath, args, { env: { ...process.env, ...env } });
  const out = lineReader(child.stdout);
  const err = lineReader(child.stderr, (line) => line.startsWith("#bench-stamp "));
  await out.next((l) => l.startsWith("ready"), 15_000, `simulate ready (${child.log()})`);
  return {
    child,
    async control(line) {
      child.stdin.write(`${line}\n`);
      return out.next(() => true, 10_000, `an answer to '${line}'`);
    },
    /** Writes a control line without waiting; returns the time it was written. */
    send(line) {
      const at = now();
      child.stdin.write(`${line}\n`);
      return at;
    },
    answer() {
      return out.next(() => true, 10_000, "a control answer");
    },
    /** The first stamp of alert byte `char` at or after `after` (older ones are skipped). */
    async stamp(char, after, timeoutMs = 10_000) {
      const prefix = `#bench-stamp ${char} `;
      const at = (l) => Number.parseFloat(l.slice(prefix.length));
      const line = await err.next(
        (l) => l.startsWith(prefix) && at(l) >= after,
        timeoutMs,
        `a ${char} stamp`,
      );
      return at(line);
    },
    clearStamps() {
      err.drain();
    },
    stop: () => stopChild(child),
  };
}

/** The bridge (`node dist/main.js run --config FILE`) as a child process. */
export function startBridgeProcess(configFile, env = {}) {
  return spawnTracked(process.execPath, [...BIN_NODE_FLAGS, MAIN, "run", "--config", configFile], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
  });
}

/** scripts/bench/sim-farm.mjs: `count` simulators on TCP ports in one child process. */
export async function startSimFarm(count, { pacing = true } = {}) {
  const args = [SIM_FARM, "--count", String(count)];
  if (pacing) args.push("--pacing");
  const child = spawnTracked(process.execPath, args);
  const out = lineReader(child.stdout);
  const ready = await out.next((l) => l.startsWith("{"), 30_000, `sim-farm ready (${child.log()})`);
  const { ports } = JSON.parse(ready);
  return {
    child,
    ports,
    async control(line) {
      child.stdin.write(`${line}\n`);
      return out.next(() => true, 10_000, `an answer to '${line}'`);
    },
    stop: () => stopChild(child),
  };
}

// ---- MQTT ---------------------------------------------------------------------------------------

export async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((done) => {
      const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 1000 });
      client.once("connect", () => {
        client.end(true);
        done(true);
      });
      client.once("error", () => {
        client.end(true);
        done(false);
      });
      client.once("close", () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`no MQTT broker on port ${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export const MOSQUITTO = "/usr/sbin/mosquitto";

/** mosquitto on a free loopback port (no persistence). */
export async function startMosquitto() {
  const port = await freePort();
  const dir = tempDir("upslink-bench-mosquitto-");
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const child = spawnTracked(MOSQUITTO, ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  await waitForPort(port, 10_000);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    child,
    async stop() {
      await stopChild(child);
      removeDir(dir);
    },
  };
}

/**
 * A subscriber that stamps every message on arrival. `waitFor(topic, predicate, since)` resolves with
 * the first message after index `since`.
 */
export async function subscriber(url, filters) {
  const client = mqtt.connect(url, { reconnectPeriod: 0, clean: true });
  const messages = [];
  const waiters = new Set();
  client.on("message", (topic, payload, packet) => {
    const message = { topic, payload: payload.toString("utf8"), retain: packet.retain, at: now() };
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.delete(waiter);
        waiter.resolve(message);
      }
    }
  });
  await new Promise((done, fail) => {
    client.once("connect", done);
    client.once("error", fail);
  });
  await client.subscribeAsync(filters, { qos: 0 });
  const close = async () => client.endAsync(true);
  onCleanup(close);
  return {
    client,
    messages,
    mark: () => messages.length,
    waitFor(topic, predicate = () => true, since = 0, timeoutMs = 15_000) {
      const match = (m) => m.topic === topic && predicate(m.payload);
      const hit = messages.slice(since).find(match);
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((done, fail) => {
        const waiter = { match, resolve: done };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          fail(new Error(`nothing on ${topic} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiter.resolve = (m) => {
          clearTimeout(timer);
          done(m);
        };
        waiters.add(waiter);
      });
    },
    close,
  };
}

// ---- /proc --------------------------------------------------------------------------------------

const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

/** CPU seconds (user + system) and RSS (bytes) of a process, from /proc. */
export function procSample(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return { at: now(), cpuS: (utime + stime) / CLOCK_TICKS, rss: rssKb * 1024, hwm: hwmKb * 1024 };
}

/** Samples a process every `everyMs` for `durationMs`: CPU % over the window and RSS statistics. */
export async function sampleProcess(pid, durationMs, everyMs = 1000) {
  const first = procSample(pid);
  const rss = [first.rss];
  let last = first;
  while (last.at - first.at < durationMs) {
    await sleep(Math.min(everyMs, durationMs - (last.at - first.at)));
    last = procSample(pid);
    rss.push(last.rss);
  }
  const seconds = (last.at - first.at) / 1000;
  return {
    seconds,
    cpuPercent: ((last.cpuS - first.cpuS) / seconds) * 100,
    rss: summary(rss),
    rssLast: last.rss,
    hwm: last.hwm,
  };
}

export function writeJson(file, value) {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

export const mb = (bytes) => bytes / (1024 * 1024);
