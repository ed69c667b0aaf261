// The bridge's NUT server against NUT's own clients from Debian (upsc, upscmd, upsrw, upslog, upsmon
// as a secondary) and python3-nut's PyNUTClient, with the bridge running as users run it (the built
// bin, a simulated unit on a pseudo-terminal). Beside it, NUT's apcsmart driver and upsd read a second
// simulator of the same profile: upsc's full list and upsrw's listing must agree with NUT's, apart from
// the differences docs/NUT.md names.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROFILES, SmartUpsSimulator } from "../../src/simulator/index.js";
import {
  collect,
  connectClient,
  type ReceivedMessage,
  startTestBroker,
  type TestBroker,
} from "../helpers/broker.js";
import { receivedText } from "../helpers/harness.js";
import { nutClient } from "../helpers/nut.js";
import { startBridge } from "../helpers/processes.js";
import { type Pty, serveOnPty } from "../helpers/pty.js";
import { selfSignedCert } from "../helpers/self-signed.js";
import { waitForValue } from "../helpers/wait.js";
import { freePort, type Proc, parseKeyValues, requireExecutable, run, runFull, start } from "./support.js";

/** Reads a program's output until `check` passes; returns that output, or fails with the last one. */
function pollUntil(
  what: string,
  read: () => Promise<string>,
  check: (output: string) => boolean,
  timeoutMs: number,
  context: () => string,
): Promise<string> {
  let last = "";
  return waitForValue(
    what,
    async () => {
      last = await read();
      return check(last) ? last : undefined;
    },
    { timeoutMs, intervalMs: 250, context: () => `last output:\n${last}\n--- logs ---\n${context()}` },
  );
}

const DRIVER = "/lib/nut/apcsmart";
const UPSD = "/lib/nut/upsd";
const UPSC = "/bin/upsc";
const UPSCMD = "/bin/upscmd";
const UPSRW = "/bin/upsrw";
const UPSLOG = "/bin/upslog";
// /sbin/upsmon on Debian is a wrapper that reads /etc/nut/nut.conf; the daemon itself is here.
const UPSMON = "/lib/nut/upsmon";
const PYTHON = "/usr/bin/python3";
const HINT = "install NUT's clients (Debian: apt-get install nut-server nut-client python3-nut)";
const PROFILE = "smartups-3g-120";

/** What differs from NUT's apcsmart+upsd on purpose (docs/NUT.md): the driver is the bridge. */
const OURS_ONLY = [
  "driver.name",
  "driver.version",
  "driver.parameter.pollinterval",
  "driver.parameter.port",
  // The load in watts from the model's rating (Smart-UPS 1500: 980 W), which apcsmart does not know.
  "ups.realpower",
  "ups.realpower.nominal",
];
const NUT_ONLY = [
  "driver.name",
  "driver.version",
  "driver.version.internal",
  "driver.parameter.pollinterval",
  "driver.parameter.port",
  "driver.parameter.synchronous",
];

const USERS = [
  // upsmon sends its password as one unquoted word (upsd reads it so too): no blanks, quotes or #.
  { username: "monuser", password: "monpass-1", upsmon: "secondary" },
  { username: "primary", password: "primary-secret", upsmon: "primary" },
  { username: "viewer", password: "viewer-secret", instcmds: ["ALL"] },
  { username: "admin", password: "admin-secret", instcmds: ["ALL"], actions: ["SET"] },
];

describe("NUT's clients against the bridge's NUT server", () => {
  let dir = "";
  let broker: TestBroker | null = null;
  let sim: SmartUpsSimulator | null = null;
  let pty: Pty | null = null;
  let bridge: ReturnType<typeof startBridge> | null = null;
  let nutSim: SmartUpsSimulator | null = null;
  let nutPty: Pty | null = null;
  const procs: Proc[] = [];
  let port = 0;
  let target = "";
  let nutTarget = "";
  let env: NodeJS.ProcessEnv = {};
  let nutEnv: NodeJS.ProcessEnv = {};
  let mqttClient: MqttClient | null = null;
  let events: ReceivedMessage[] = [];

  const logs = (): string =>
    [`[bridge]\n${bridge?.output() ?? ""}`, ...procs.map((p) => `[${p.name}]\n${p.output()}`)].join("\n");
  const upsc = (...args: string[]): Promise<string> => run(UPSC, [target, ...args], env);
  const clean = (text: string): string =>
    text
      .split("\n")
      .filter((line) => !line.startsWith("Init SSL"))
      .join("\n");

  beforeAll(async () => {
    for (const program of [DRIVER, UPSD, UPSC, UPSCMD, UPSRW, UPSLOG, UPSMON])
      requireExecutable(program, HINT);
    dir = mkdtempSync(join(tmpdir(), "upslink-nutsrv-"));
    broker = await startTestBroker();
    mqttClient = await connectClient(broker.url);
    events = (await collect(mqttClient, "nutsrv/ups/event")).messages;
    port = await freePort();
    target = `ups@127.0.0.1:${port}`;
    // The clients read no configuration of ours, but upsmon needs its own directory.
    const clientConf = join(dir, "client");
    mkdirSync(clientConf);
    env = { ...process.env, NUT_CONFPATH: clientConf, NUT_STATEPATH: clientConf };

    sim = new SmartUpsSimulator({ profile: PROFILE });
    pty = await serveOnPty(sim, join(dir, "bridge-ups"));
    const config = join(dir, "bridge.json");
    writeFileSync(
      config,
      JSON.stringify({
        mqtt: { url: broker.url, base_topic: "nutsrv" },
        ups: { id: "ups", port: join(dir, "bridge-ups") },
        commands: { allow_destructive: true },
        nut: { listen: `127.0.0.1:${port}`, users: USERS },
        log: { level: "info" },
      }),
    );
    bridge = startBridge({}, ["--config", config]);

    // NUT's own stack on a twin of the same unit.
    const conf = join(dir, "conf");
    const state = join(dir, "state");
    mkdirSync(conf);
    mkdirSync(state);
    chmodSync(state, 0o700);
    const nutPort = await freePort();
    nutTarget = `ups@127.0.0.1:${nutPort}`;
    writeFileSync(join(conf, "nut.conf"), "MODE=standalone\n");
    writeFileSync(
      join(conf, "ups.conf"),
      `user = root\n\n[ups]\n  driver = apcsmart\n  port = ${join(dir, "nut-ups")}\n`,
    );
    writeFileSync(join(conf, "upsd.conf"), `LISTEN 127.0.0.1 ${nutPort}\n`, { mode: 0o600 });
    writeFileSync(join(conf, "upsd.users"), "", { mode: 0o600 });
    nutEnv = { ...process.env, NUT_CONFPATH: conf, NUT_STATEPATH: state };
    nutSim = new SmartUpsSimulator({ profile: PROFILE });
    nutPty = await serveOnPty(nutSim, join(dir, "nut-ups"));
    procs.push(start("apcsmart", DRIVER, ["-a", "ups", "-D", "-u", "root"], nutEnv));
    procs.push(start("upsd", UPSD, ["-D", "-u", "root"], nutEnv));

    await pollUntil(
      "the bridge's NUT server to serve the unit",
      () => upsc(),
      (out) =>
        parseKeyValues(out).get("ups.status") === "OL" && parseKeyValues(out).has("battery.runtime.low"),
      60_000,
      logs,
    );
  });

  afterAll(async () => {
    for (const proc of procs.reverse()) await proc.kill();
    await bridge?.stop();
    await pty?.close();
    await nutPty?.close();
    sim?.stop();
    nutSim?.stop();
    await mqttClient?.endAsync();
    await broker?.stop();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("upsc lists the UPS and shows what NUT's apcsmart+upsd show for the same unit", async () => {
    expect(clean(await run(UPSC, ["-l", `127.0.0.1:${port}`], env)).trim()).toBe("ups");
    expect(clean(await upsc()).length).toBeGreaterThan(0);
    expect((await upsc("ups.status")).trim().split("\n").at(-1)).toBe("OL");
    // NUT reads the whole unit within its first polls; wait until both lists have every name.
    const nutText = await pollUntil(
      "NUT's apcsmart to publish the unit",
      () => run(UPSC, [nutTarget], nutEnv),
      (out) =>
        parseKeyValues(out).has("battery.runtime.low") && parseKeyValues(out).has("input.voltage.minimum"),
      90_000,
      logs,
    );
    const nut = parseKeyValues(nutText);
    const ours = parseKeyValues(await upsc());
    const names = (map: Map<string, string>, skip: readonly string[]) =>
      [...map.keys()].filter((key) => !skip.includes(key) && !key.startsWith("Init SSL")).sort();
    expect(names(ours, OURS_ONLY)).toEqual(names(nut, NUT_ONLY));
    for (const name of names(nut, NUT_ONLY)) expect(ours.get(name), name).toBe(nut.get(name));
    for (const name of OURS_ONLY) expect(ours.has(name), name).toBe(true);
    expect(ours.get("driver.name")).toBe("upslink2mqtt");
  });

  it("upsrw lists the same writable variables, types and choices as NUT, and sets a ring setting", async () => {
    const nutList = clean(await run(UPSRW, [nutTarget], nutEnv));
    const ours = clean(await run(UPSRW, [target], env));
    expect(ours).toBe(nutList);
    expect(ours).toContain("[battery.runtime.low]");
    // -w: upsrw asks for TRACKING and waits for the outcome.
    const set = await runFull(
      UPSRW,
      ["-w", "-s", "battery.runtime.low=300", "-u", "admin", "-p", "admin-secret", target],
      env,
    );
    expect(set.code, set.stderr).toBe(0);
    expect(`${set.stdout}${set.stderr}`).toMatch(/SUCCESS/);
    await pollUntil(
      "battery.runtime.low to read 300",
      () => upsc("battery.runtime.low"),
      (out) => out.trim().endsWith("300"),
      15_000,
      logs,
    );
    expect(sim?.state.settings.low_battery_warning).toBe("05");
    const refused = await run(
      UPSRW,
      ["-s", "battery.runtime.low=600", "-u", "viewer", "-p", "viewer-secret", target],
      env,
    );
    expect(refused).toMatch(/ACCESS-DENIED/);
  });

  it("upscmd runs a non-destructive command and is refused a destructive one without its grant", async () => {
    const list = clean(await run(UPSCMD, ["-l", target], env));
    expect(list).toContain("test.panel.start - Start testing the UPS panel");
    expect(list).toContain("load.off - Turn off the load immediately");
    const from = sim?.received.length ?? 0;
    const okRun = await runFull(
      UPSCMD,
      ["-u", "viewer", "-p", "viewer-secret", target, "test.panel.start"],
      env,
    );
    expect(okRun.code, okRun.stderr).toBe(0);
    expect(okRun.stderr).toMatch(/^OK$/m);
    const tracked = await runFull(
      UPSCMD,
      ["-w", "-u", "viewer", "-p", "viewer-secret", target, "test.panel.start"],
      env,
    );
    expect(tracked.code, tracked.stderr).toBe(0);
    expect(`${tracked.stdout}${tracked.stderr}`).toMatch(/SUCCESS/);
    expect(receivedText(sim as SmartUpsSimulator, from)).toContain("A");
    const denied = await runFull(UPSCMD, ["-u", "viewer", "-p", "viewer-secret", target, "load.off"], env);
    expect(denied.stderr).toMatch(/ERR ACCESS-DENIED/);
    expect(denied.code).not.toBe(0);
    const wrong = await run(UPSCMD, ["-u", "viewer", "-p", "nope", target, "test.panel.start"], env);
    expect(wrong).toMatch(/ERR ACCESS-DENIED/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receivedText(sim as SmartUpsSimulator, from)).not.toMatch(/Z/);
    expect(sim?.state.outputOn).toBe(true);
  });

  it("upslog logs the UPS's variables", async () => {
    const file = join(dir, "upslog.txt");
    const logger = start(
      "upslog",
      UPSLOG,
      [
        "-s",
        target,
        "-l",
        file,
        "-i",
        "1",
        "-F",
        "-f",
        "%VAR ups.status% %VAR battery.charge% %VAR ups.model%",
      ],
      env,
    );
    procs.push(logger);
    await pollUntil(
      "two upslog lines",
      async () => (existsSync(file) ? readFileSync(file, "utf8") : ""),
      (text) => text.split("\n").filter((line) => line === "OL 100.0 Smart-UPS 1500").length >= 2,
      20_000,
      logs,
    );
    await logger.kill();
  });

  it("PyNUTClient reads and runs a command", async () => {
    requireExecutable(PYTHON, HINT);
    const script = `
import json, PyNUT
c = PyNUT.PyNUTClient(host="127.0.0.1", port=${port}, login="viewer", password="viewer-secret")
out = {
  "upses": {k.decode() if isinstance(k, bytes) else k: (v.decode() if isinstance(v, bytes) else v) for k, v in c.GetUPSList().items()},
  "vars": {k.decode() if isinstance(k, bytes) else k: (v.decode() if isinstance(v, bytes) else v) for k, v in c.GetUPSVars("ups").items()},
  "rw": sorted((k.decode() if isinstance(k, bytes) else k) for k in c.GetRWVars("ups").keys()),
  "cmds": sorted((k.decode() if isinstance(k, bytes) else k) for k in c.GetUPSCommands("ups").keys()),
  "run": c.RunUPSCommand("ups", "test.panel.start"),
}
print(json.dumps(out))
`;
    const text = await run(PYTHON, ["-c", script], env);
    const out = JSON.parse(text.trim().split("\n").at(-1) ?? "{}") as {
      upses: Record<string, string>;
      vars: Record<string, string>;
      rw: string[];
      cmds: string[];
      run: boolean | string;
    };
    expect(out.upses).toEqual({ ups: "Smart-UPS 1500" });
    expect(out.vars["ups.status"]).toBe("OL");
    expect(out.vars["battery.charge"]).toBe("100.0");
    expect(out.rw).toContain("input.transfer.high");
    expect(out.cmds).toContain("test.battery.start");
    // PyNUT 2.8.0 answers True for an OK, older versions the text OK.
    expect([true, "OK"]).toContain(out.run);
  });

  describe("upsmon as a secondary", () => {
    let fired = "";
    let monitor: Proc | null = null;

    const startUpsmon = (name: string): Proc => {
      const conf = join(dir, `upsmon-${name}`);
      mkdirSync(conf);
      fired = join(conf, "fired");
      writeFileSync(
        join(conf, "upsmon.conf"),
        [
          `MONITOR ${target} 1 monuser monpass-1 secondary`,
          "MINSUPPLIES 1",
          `SHUTDOWNCMD "/bin/sh -c 'echo fired >> ${fired}'"`,
          "POLLFREQ 1",
          "POLLFREQALERT 1",
          "HOSTSYNC 3",
          "DEADTIME 15",
          `POWERDOWNFLAG ${join(conf, "killpower")}`,
          "FINALDELAY 0",
          "RUN_AS_USER root",
          "",
        ].join("\n"),
        { mode: 0o600 },
      );
      // -p: one root process (no privilege split), -D: foreground with a log.
      const proc = start(`upsmon-${name}`, UPSMON, ["-D", "-p"], {
        ...env,
        NUT_CONFPATH: conf,
        NUT_STATEPATH: conf,
      });
      procs.push(proc);
      return proc;
    };
    const loggedIn = () =>
      pollUntil(
        "upsmon to log in",
        async () =>
          await nutClient(port).then(async (c) => {
            const reply = await c.request("GET NUMLOGINS ups");
            c.close();
            return reply;
          }),
        (reply) => reply === "NUMLOGINS ups 1",
        20_000,
        logs,
      );
    const firedYet = () => existsSync(fired);
    const hold = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    afterAll(async () => {
      await monitor?.kill();
    });

    it("never fires while on line, nor on battery alone", async () => {
      monitor = startUpsmon("online");
      await loggedIn();
      await hold(4000);
      expect(firedYet(), monitor.output()).toBe(false);
      expect(sim?.control("power fail")).toMatch(/^ok/);
      await pollUntil(
        "OB",
        () => upsc("ups.status"),
        (out) => out.trim().endsWith("OB"),
        10_000,
        logs,
      );
      await hold(5000);
      expect(firedYet(), monitor.output()).toBe(false);
    });

    it("fires on OB with LB", async () => {
      expect(sim?.control("battery 2")).toMatch(/^ok/);
      await pollUntil(
        "OB LB",
        () => upsc("ups.status"),
        (out) => out.trim().endsWith("OB LB"),
        15_000,
        logs,
      );
      await pollUntil(
        "the SHUTDOWNCMD",
        async () => String(firedYet()),
        (yes) => yes === "true",
        30_000,
        () => `${monitor?.output() ?? ""}\n${logs()}`,
      );
      await monitor?.kill();
    });

    it("fires on FSD raised by a primary while on line", async () => {
      expect(sim?.control("battery 100")).toMatch(/^ok/);
      expect(sim?.control("power restore")).toMatch(/^ok/);
      await pollUntil(
        "OL",
        () => upsc("ups.status"),
        (out) => out.trim().endsWith("OL"),
        15_000,
        logs,
      );
      monitor = startUpsmon("fsd");
      await loggedIn();
      await hold(3000);
      expect(firedYet(), monitor.output()).toBe(false);
      const primary = await nutClient(port);
      expect(await primary.request("USERNAME primary")).toBe("OK");
      expect(await primary.request("PASSWORD primary-secret")).toBe("OK");
      expect(await primary.request("FSD ups")).toBe("OK FSD-SET");
      primary.close();
      await pollUntil(
        "the SHUTDOWNCMD after FSD",
        async () => String(firedYet()),
        (yes) => yes === "true",
        30_000,
        () => `${monitor?.output() ?? ""}\n${logs()}`,
      );
      expect((await upsc("ups.status")).trim().split("\n").at(-1)).toBe("FSD OL");
    });
  });

  it("published each client command on MQTT naming the user and address", () => {
    const published = events.map((m) => JSON.parse(m.payload) as Record<string, unknown>);
    expect(published).toContainEqual(
      expect.objectContaining({
        event_type: "nut_command",
        user: "viewer",
        address: "127.0.0.1",
        command: "INSTCMD",
        name: "test.panel.start",
        result: "OK",
      }),
    );
    expect(published).toContainEqual(
      expect.objectContaining({
        event_type: "nut_command",
        user: "viewer",
        name: "load.off",
        result: "ACCESS-DENIED",
      }),
    );
    expect(published).toContainEqual(
      expect.objectContaining({ event_type: "nut_command", user: "monuser", command: "LOGIN", result: "OK" }),
    );
    expect(published).toContainEqual(
      expect.objectContaining({ event_type: "nut_command", user: "primary", command: "FSD", result: "OK" }),
    );
    expect(published).toContainEqual(expect.objectContaining({ event_type: "nut_logout", user: "monuser" }));
    expect(PROFILES[PROFILE].model).toBe("Smart-UPS 1500");
  });
});

describe("upsc over STARTTLS", () => {
  it("negotiates TLS with the bridge when a certificate is configured", async () => {
    requireExecutable(UPSC, HINT);
    const dir = mkdtempSync(join(tmpdir(), "upslink-nuttls-"));
    const broker = await startTestBroker();
    let bridge: ReturnType<typeof startBridge> | null = null;
    try {
      const { cert, key } = selfSignedCert(dir);
      const port = await freePort();
      const config = join(dir, "bridge.json");
      writeFileSync(
        config,
        JSON.stringify({
          mqtt: { url: broker.url, base_topic: "nuttls" },
          ups: { id: "ups", port: `sim://${PROFILE}` },
          nut: { listen: `127.0.0.1:${port}`, certfile: cert, keyfile: key },
          log: { level: "debug" },
        }),
      );
      bridge = startBridge({}, ["--config", config]);
      const env = { ...process.env, NUT_CONFPATH: dir };
      const output = await pollUntil(
        "upsc over TLS",
        async () => {
          const result = await runFull(UPSC, [`ups@127.0.0.1:${port}`, "ups.status"], env);
          return `${result.stdout}${result.stderr}`;
        },
        (text) => /^OL$/m.test(text),
        60_000,
        () => bridge?.output() ?? "",
      );
      expect(output).toMatch(/SSL handshake done successfully/);
      expect(bridge.output()).toMatch(/NUT client switched to TLS/);
    } finally {
      await bridge?.stop();
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
