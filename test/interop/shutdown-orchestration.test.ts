// Shutdown orchestration (issue 16 item 4) end to end: the built bin with `shutdown.orchestrate`, a
// simulated unit on a pseudo-terminal, the bridge's NUT server, and NUT's real upsmon as a secondary
// with a stand-in SHUTDOWNCMD. FSD reaches upsmon, it runs its SHUTDOWNCMD and goes away, and only
// then does shutdown_return go out on the simulator's wire; nothing destructive goes out on battery
// alone, on the unit's own self-test, or on a low-battery flag while on line. commands.allow_destructive
// stays off: orchestration is its own opt-in.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SmartUpsSimulator } from "../../src/simulator/index.js";
import {
  collect,
  connectClient,
  type ReceivedMessage,
  startTestBroker,
  type TestBroker,
} from "../helpers/broker.js";
import { receivedText } from "../helpers/harness.js";
import { startBridge } from "../helpers/processes.js";
import { type Pty, serveOnPty } from "../helpers/pty.js";
import { waitForValue } from "../helpers/wait.js";
import { freePort, type Proc, requireExecutable, run, start } from "./support.js";

const UPSC = "/bin/upsc";
const UPSMON = "/lib/nut/upsmon";
const HINT = "install NUT's clients (Debian: apt-get install nut-client)";
const PROFILE = "smartups-3g-120";
/** Bytes that drop the load: S, @ (shutdown with delayed wake), K and Z (turn off). */
const DESTRUCTIVE = /[S@KZ]/;

describe("shutdown orchestration with NUT's upsmon as a secondary", () => {
  let dir = "";
  let broker: TestBroker | null = null;
  let sim: SmartUpsSimulator | null = null;
  let pty: Pty | null = null;
  let bridge: ReturnType<typeof startBridge> | null = null;
  let mqttClient: MqttClient | null = null;
  let events: ReceivedMessage[] = [];
  const procs: Proc[] = [];
  let port = 0;
  let target = "";
  let env: NodeJS.ProcessEnv = {};

  const logs = (): string =>
    [`[bridge]\n${bridge?.output() ?? ""}`, ...procs.map((p) => `[${p.name}]\n${p.output()}`)].join("\n");
  const status = async (): Promise<string> =>
    (await run(UPSC, [target, "ups.status"], env)).trim().split("\n").at(-1) ?? "";
  const waitStatus = (what: string, check: (s: string) => boolean, timeoutMs = 20_000): Promise<string> => {
    let last = "";
    return waitForValue(
      what,
      async () => {
        last = await status();
        return check(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 250, context: () => `last ups.status: ${last}\n${logs()}` },
    );
  };
  const published = (): Record<string, unknown>[] =>
    events.map((m) => JSON.parse(m.payload) as Record<string, unknown>);
  const orchestration = (): Record<string, unknown>[] =>
    published().filter((e) => String(e.event_type).startsWith("shutdown_"));
  const waitEvent = (type: string, timeoutMs = 30_000): Promise<Record<string, unknown>> =>
    waitForValue(`the ${type} event`, async () => published().find((e) => e.event_type === type), {
      timeoutMs,
      intervalMs: 100,
      context: () => `events: ${JSON.stringify(published())}\n${logs()}`,
    });
  const hold = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const control = (line: string) => expect(sim?.control(line)).toMatch(/^ok/);

  beforeAll(async () => {
    requireExecutable(UPSC, HINT);
    requireExecutable(UPSMON, HINT);
    dir = mkdtempSync(join(tmpdir(), "upslink-orchestrate-"));
    broker = await startTestBroker();
    mqttClient = await connectClient(broker.url);
    events = (await collect(mqttClient, "orch/ups/event")).messages;
    port = await freePort();
    target = `ups@127.0.0.1:${port}`;
    const clientConf = join(dir, "client");
    mkdirSync(clientConf);
    env = { ...process.env, NUT_CONFPATH: clientConf, NUT_STATEPATH: clientConf };
    sim = new SmartUpsSimulator({ profile: PROFILE });
    pty = await serveOnPty(sim, join(dir, "ups"));
    const config = join(dir, "bridge.json");
    writeFileSync(
      config,
      JSON.stringify({
        mqtt: { url: broker.url, base_topic: "orch" },
        ups: { id: "ups", port: join(dir, "ups") },
        // A charge threshold, so the shutdown is recommended without the UPS's LB: upsmon then acts
        // on FSD alone (it acts on OB LB by itself).
        shutdown_policy: { charge_below_percent: 50 },
        shutdown: { orchestrate: true, wait_s: 60 },
        nut: {
          listen: `127.0.0.1:${port}`,
          users: [{ username: "monuser", password: "monpass-1", upsmon: "secondary" }],
        },
        log: { level: "info" },
      }),
    );
    bridge = startBridge({}, ["--config", config]);
    await waitStatus("the bridge's NUT server to serve the unit", (s) => s === "OL", 60_000);
  });

  afterAll(async () => {
    for (const proc of procs.reverse()) await proc.kill();
    await bridge?.stop();
    await pty?.close();
    sim?.stop();
    await mqttClient?.endAsync();
    await broker?.stop();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("sends nothing for a low-battery flag while on line, nor for the unit's own self-test with it", async () => {
    const from = sim?.received.length ?? 0;
    // Charge 2 %: the unit reports LB on line (its runtime is below the low-battery warning), and
    // shutdown_recommended follows the flag: not an outage.
    control("battery 2");
    await waitStatus("OL LB", (s) => s === "OL LB");
    await hold(3000);
    // The unit's own self-test (no command of ours), announced with `!` like an outage: on battery
    // with LB and below the charge threshold until `G` = S is read.
    control("selftest");
    await waitStatus("the self-test on battery", (s) => s.startsWith("OB"));
    await waitStatus("the self-test's end", (s) => s === "OL LB", 30_000);
    await hold(3000);
    expect(receivedText(sim as SmartUpsSimulator, from)).not.toMatch(DESTRUCTIVE);
    expect(orchestration()).toEqual([]);
    expect(await status()).toBe("OL LB");
    control("battery 100");
    await waitStatus("OL", (s) => s === "OL");
  });

  describe("with upsmon logged in", () => {
    let fired = "";
    let monitor: Proc | null = null;

    beforeAll(async () => {
      const conf = join(dir, "upsmon");
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
      monitor = start("upsmon", UPSMON, ["-D", "-p"], { ...env, NUT_CONFPATH: conf, NUT_STATEPATH: conf });
      procs.push(monitor);
      await waitForValue(
        "upsmon to log in",
        async () => published().find((e) => e.event_type === "nut_command" && e.command === "LOGIN"),
        { timeoutMs: 20_000, intervalMs: 200, context: logs },
      );
    });

    it("sends nothing on battery alone", async () => {
      const from = sim?.received.length ?? 0;
      control("power fail");
      await waitStatus("OB", (s) => s === "OB");
      await hold(5000);
      expect(existsSync(fired), monitor?.output()).toBe(false);
      expect(receivedText(sim as SmartUpsSimulator, from)).not.toMatch(DESTRUCTIVE);
      expect(orchestration()).toEqual([]);
    });

    it("raises FSD, upsmon shuts down and goes away, then shutdown_return goes out on the wire", async () => {
      const from = sim?.received.length ?? 0;
      // Below the 50 % threshold, no LB: shutdown_recommended, and only FSD makes upsmon act.
      control("battery 40");
      const raised = await waitEvent("shutdown_fsd_raised");
      expect(raised).toMatchObject({
        wait_s: 60,
        clients: [{ user: "monuser", address: "127.0.0.1", primary: false }],
      });
      // upsmon saw FSD (the status NUT clients read) and ran its SHUTDOWNCMD.
      await waitForValue("upsmon's SHUTDOWNCMD", async () => (existsSync(fired) ? true : undefined), {
        timeoutMs: 30_000,
        intervalMs: 200,
        context: () => `${monitor?.output() ?? ""}\n${logs()}`,
      });
      expect(monitor?.output()).toMatch(/FSD|forced shutdown|Executing automatic power-fail shutdown/i);
      const gone = await waitEvent("shutdown_client_logged_out");
      expect(gone).toMatchObject({ user: "monuser", address: "127.0.0.1", remaining: 0 });
      const sent = await waitEvent("shutdown_return_sent");
      expect(sent).toMatchObject({ method: "S", reply: "OK", power_returned: false });
      // The order on MQTT: FSD, the logout, then the command; and S is on the simulator's wire.
      const order = orchestration().map((e) => e.event_type);
      expect(order.slice(0, 3)).toEqual([
        "shutdown_fsd_raised",
        "shutdown_client_logged_out",
        "shutdown_return_sent",
      ]);
      expect(receivedText(sim as SmartUpsSimulator, from)).toMatch(/S/);
      expect(sim?.state.pendingShutdown).toBe("S");
      expect(published().some((e) => e.event_type === "shutdown_wait_timeout")).toBe(false);
    });

    it("keeps FSD until the load went off and power is back, then clears it", async () => {
      await waitForValue(
        "the load to go off",
        async () => (sim?.state.outputOn === false ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 250,
          context: logs,
        },
      );
      expect(published().some((e) => e.event_type === "shutdown_fsd_cleared")).toBe(false);
      control("battery 100");
      control("power restore");
      const cleared = await waitEvent("shutdown_fsd_cleared", 60_000);
      expect(String(cleared.reason)).toMatch(/load went off/);
      await waitStatus("OL without FSD", (s) => s === "OL", 30_000);
      // Once per outage: exactly one FSD and one shutdown_return.
      expect(orchestration().filter((e) => e.event_type === "shutdown_fsd_raised")).toHaveLength(1);
      expect(orchestration().filter((e) => e.event_type === "shutdown_return_sent")).toHaveLength(1);
    });
  });
});
