// The NUT server as the composition root runs it (runBridge with nut.listen), against the in-process
// simulator and a real broker, spoken to over TCP: reads, the protocol's errors, bad lines, users and
// their grants, commands reaching (or not reaching) the UPS, events on MQTT, TRACKING, FSD, limits.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receivedText } from "../helpers/harness.js";
import { type NutBridge, nutClient, startNutBridge, textClient, USERS, varValue } from "../helpers/nut.js";
import { selfSignedCert } from "../helpers/self-signed.js";
import { waitForMatch } from "../helpers/wait.js";

const event = (payload: string): Record<string, unknown> => JSON.parse(payload) as Record<string, unknown>;

async function loggedIn(port: number, user: (typeof USERS)[number]) {
  const client = await nutClient(port);
  expect(await client.request(`USERNAME ${user.username}`)).toBe("OK");
  expect(await client.request(`PASSWORD "${user.password.replace(/["\\#]/g, (c) => `\\${c}`)}"`)).toBe("OK");
  return client;
}

const [MONUSER, PRIMARY, ADMIN, VIEWER] = USERS;

/** One of the suite's waits: polls `read` every 100 ms until `ok` accepts its value. */
function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 15_000): Promise<T> {
  return waitForMatch(what, read, ok, { timeoutMs: ms, intervalMs: 100 });
}

describe("NUT server: reading and the protocol's errors", () => {
  let bridge: NutBridge;
  beforeAll(async () => {
    bridge = await startNutBridge();
    const client = await nutClient(bridge.port);
    await until(
      "the first full read",
      () => client.request("GET VAR ups battery.charge"),
      (l) => l.startsWith("VAR"),
    );
    client.close();
  });
  afterAll(async () => bridge.stop());

  it("names each UPS by its id and describes it by its model", async () => {
    const client = await nutClient(bridge.port);
    expect(await client.list("LIST UPS")).toEqual([
      "BEGIN LIST UPS",
      'UPS ups "Smart-UPS 1500"',
      "END LIST UPS",
    ]);
    expect(await client.request("GET UPSDESC ups")).toBe('UPSDESC ups "Smart-UPS 1500"');
    expect(await client.request("NETVER")).toBe("1.3");
    expect(await client.request("VER")).toMatch(/^upslink2mqtt \S+ - NUT network protocol 1\.3 server$/);
    expect(await client.request("HELP")).toMatch(/^Commands: .*STARTTLS/);
    client.close();
  });

  it("serves apcsmart's variables with their types, descriptions and choices", async () => {
    const client = await nutClient(bridge.port);
    const vars = await client.list("LIST VAR ups");
    expect(vars[0]).toBe("BEGIN LIST VAR ups");
    expect(vars.at(-1)).toBe("END LIST VAR ups");
    expect(vars).toContain('VAR ups ups.status "OL"');
    expect(vars).toContain('VAR ups battery.charge "100.0"');
    expect(vars).toContain('VAR ups input.transfer.reason "no transfers yet since turnon"');
    expect(vars).toContain('VAR ups ups.mfr "APC"');
    expect(await client.request("GET TYPE ups ups.status")).toBe("TYPE ups ups.status NUMBER");
    expect(await client.request("GET TYPE ups battery.runtime.low")).toBe(
      "TYPE ups battery.runtime.low RW ENUM NUMBER",
    );
    expect(await client.request("GET TYPE ups ups.id")).toBe("TYPE ups ups.id RW STRING:8");
    expect(await client.request("GET DESC ups battery.charge")).toBe(
      'DESC ups battery.charge "Battery charge (percent of full)"',
    );
    expect(await client.request("GET CMDDESC ups test.battery.start")).toBe(
      'CMDDESC ups test.battery.start "Start a battery test"',
    );
    expect(await client.list("LIST ENUM ups battery.runtime.low")).toEqual([
      "BEGIN LIST ENUM ups battery.runtime.low",
      'ENUM ups battery.runtime.low "120"',
      'ENUM ups battery.runtime.low "300"',
      'ENUM ups battery.runtime.low "420"',
      'ENUM ups battery.runtime.low "600"',
      "END LIST ENUM ups battery.runtime.low",
    ]);
    expect(await client.list("LIST RANGE ups battery.runtime.low")).toEqual([
      "BEGIN LIST RANGE ups battery.runtime.low",
      "END LIST RANGE ups battery.runtime.low",
    ]);
    const rw = await client.list("LIST RW ups");
    expect(rw).toContain('RW ups ups.delay.shutdown "020"');
    expect(rw.some((line) => line.includes("battery.charge "))).toBe(false);
    client.close();
  });

  it("lists no destructive command while commands.allow_destructive is off", async () => {
    const client = await nutClient(bridge.port);
    const commands = await client.list("LIST CMD ups");
    expect(commands).toEqual([
      "BEGIN LIST CMD ups",
      "CMD ups shutdown.stop",
      "CMD ups test.battery.start",
      "CMD ups test.panel.start",
      "END LIST CMD ups",
    ]);
    client.close();
  });

  it("answers each mistake with the protocol's error word and keeps the connection", async () => {
    const client = await nutClient(bridge.port);
    const cases: [string, string][] = [
      ["GET VAR nosuch ups.status", "ERR UNKNOWN-UPS"],
      ["GET VAR ups no.such.var", "ERR VAR-NOT-SUPPORTED"],
      ["GET TYPE ups no.such.var", "ERR VAR-NOT-SUPPORTED"],
      ["LIST ENUM ups no.such.var", "ERR VAR-NOT-SUPPORTED"],
      ["GET VAR ups", "ERR INVALID-ARGUMENT"],
      ["GET SOMETHING ups x", "ERR INVALID-ARGUMENT"],
      ["LIST", "ERR INVALID-ARGUMENT"],
      ["LIST STUFF ups", "ERR INVALID-ARGUMENT"],
      ["VER extra", "ERR INVALID-ARGUMENT"],
      ["FROBNICATE", "ERR UNKNOWN-COMMAND"],
      ["INSTCMD ups test.panel.start", "ERR USERNAME-REQUIRED"],
      ["USERNAME someone", "OK"],
      ["USERNAME again", "ERR ALREADY-SET-USERNAME"],
      ["SET VAR ups ups.id x", "ERR PASSWORD-REQUIRED"],
      ["LOGIN ups", "ERR PASSWORD-REQUIRED"],
      ["PASSWORD wrong", "OK"],
      ["PASSWORD again", "ERR ALREADY-SET-PASSWORD"],
      ["INSTCMD ups test.panel.start", "ERR ACCESS-DENIED"],
      ["INSTCMD ups no.such.command", "ERR CMD-NOT-SUPPORTED"],
      ["INSTCMD nosuch test.panel.start", "ERR UNKNOWN-UPS"],
      ["GET TRACKING", "OFF"],
      ["STARTTLS", "ERR FEATURE-NOT-CONFIGURED"],
    ];
    for (const [line, reply] of cases) expect(await client.request(line), line).toBe(reply);
    client.close();
  });

  it("answers an unreadable or overlong line with ERR and reads the next one", async () => {
    const client = await nutClient(bridge.port);
    expect(await client.request('GET VAR ups "ups.status')).toBe("ERR INVALID-ARGUMENT");
    expect(await client.request('GET VAR ups "a#b"')).toBe("ERR INVALID-ARGUMENT");
    expect(await client.request("GET VAR ups \u0001\u0002\u00ff")).toBe("ERR INVALID-ARGUMENT");
    expect(await client.request(`GET VAR ups ${"x".repeat(5000)}`)).toBe("ERR INVALID-ARGUMENT");
    client.send(Buffer.alloc(70_000, 0x41));
    expect(await client.request("")).toBe("ERR INVALID-ARGUMENT");
    expect(await client.request("GET VAR ups ups.status")).toBe('VAR ups ups.status "OL"');
    // Many requests in one packet are answered in order.
    client.send("NETVER\nGET VAR ups ups.mfr\nNETVER\n");
    expect([await client.next(), await client.next(), await client.next()]).toEqual([
      "1.3",
      'VAR ups ups.mfr "APC"',
      "1.3",
    ]);
    client.close();
  });

  it("lets a viewer run a non-destructive command, reports it on MQTT, and sends it to the UPS", async () => {
    const from = bridge.simulator.received.length;
    const since = bridge.messages.length;
    const client = await loggedIn(bridge.port, VIEWER);
    expect(await client.request("INSTCMD ups test.panel.start")).toBe("OK");
    expect(receivedText(bridge.simulator, from)).toContain("A");
    const published = await bridge.waitFor(
      `${bridge.base}/ups/event`,
      (p) => event(p).event_type === "nut_command" && event(p).user === "viewer" && event(p).result === "OK",
      since,
    );
    expect(event(published.payload)).toMatchObject({
      user: "viewer",
      address: "127.0.0.1",
      command: "INSTCMD",
      result: "OK",
    });
    expect(typeof event(published.payload).at).toBe("string");
    client.close();
  });

  it("refuses a wrong password and a missing grant, sends nothing, and reports the refusal", async () => {
    const since = bridge.messages.length;
    const from = bridge.simulator.received.length;
    const client = await nutClient(bridge.port);
    await client.request("USERNAME viewer");
    await client.request("PASSWORD not-the-password");
    expect(await client.request("INSTCMD ups test.panel.start")).toBe("ERR ACCESS-DENIED");
    const refused = await bridge.waitFor(
      `${bridge.base}/ups/event`,
      (p) => event(p).event_type === "nut_command" && event(p).result === "ACCESS-DENIED",
      since,
    );
    expect(event(refused.payload)).toMatchObject({
      user: "viewer",
      address: "127.0.0.1",
      name: "test.panel.start",
    });
    expect(refused.payload).not.toContain("not-the-password");
    const monitor = await loggedIn(bridge.port, MONUSER);
    expect(await monitor.request("INSTCMD ups test.panel.start")).toBe("ERR ACCESS-DENIED");
    expect(await monitor.request("SET VAR ups ups.id NEWID")).toBe("ERR ACCESS-DENIED");
    expect(receivedText(bridge.simulator, from)).not.toContain("A");
    client.close();
    monitor.close();
  });

  it("steps a ring setting for SET VAR, refuses what the ring does not hold, and keeps read-only ones", async () => {
    const client = await loggedIn(bridge.port, ADMIN);
    expect(await client.request('SET VAR ups battery.runtime.low "300"')).toBe("OK");
    expect(await client.request("GET VAR ups battery.runtime.low")).toBe('VAR ups battery.runtime.low "300"');
    expect(await client.request("SET VAR ups battery.runtime.low 301")).toBe("ERR INVALID-VALUE");
    expect(await client.request("SET VAR ups battery.charge 50")).toBe("ERR READONLY");
    expect(await client.request("SET VAR ups ups.id 123456789")).toBe("ERR TOO-LONG");
    expect(await client.request('SET VAR ups ups.id "RACK 1"')).toBe("OK");
    expect(await client.request("GET VAR ups ups.id")).toBe('VAR ups ups.id "RACK 1"');
    expect(await client.request("SET VAR ups no.such 1")).toBe("ERR VAR-NOT-SUPPORTED");
    expect(await client.request("SET VAR ups ups.id")).toBe("ERR INVALID-ARGUMENT");
    client.close();
  });

  it("counts upsmon logins, lists them, and reports a logout", async () => {
    const monitor = await loggedIn(bridge.port, MONUSER);
    const reader = await nutClient(bridge.port);
    expect(await reader.request("GET NUMLOGINS ups")).toBe("NUMLOGINS ups 0");
    expect(await monitor.request("LOGIN ups")).toBe("OK");
    expect(await monitor.request("LOGIN ups")).toBe("ERR ALREADY-LOGGED-IN");
    expect(await reader.request("GET NUMLOGINS ups")).toBe("NUMLOGINS ups 1");
    expect(await reader.list("LIST CLIENT ups")).toEqual([
      "BEGIN LIST CLIENT ups",
      "CLIENT ups 127.0.0.1",
      "END LIST CLIENT ups",
    ]);
    expect(await monitor.request("PRIMARY ups")).toBe("ERR ACCESS-DENIED");
    expect(await monitor.request("FSD ups")).toBe("ERR ACCESS-DENIED");
    const viewer = await loggedIn(bridge.port, VIEWER);
    expect(await viewer.request("LOGIN ups")).toBe("ERR ACCESS-DENIED");
    viewer.close();
    const since = bridge.messages.length;
    expect(await monitor.request("LOGOUT")).toBe("OK Goodbye");
    await monitor.closed;
    await bridge.waitFor(
      `${bridge.base}/ups/event`,
      (p) =>
        event(p).event_type === "nut_logout" && event(p).user === "monuser" && event(p).command === "LOGOUT",
      since,
    );
    expect(await reader.request("GET NUMLOGINS ups")).toBe("NUMLOGINS ups 0");
    reader.close();
  });

  it("tracks a command's outcome when the client asks for TRACKING", async () => {
    const client = await loggedIn(bridge.port, VIEWER);
    expect(await client.request("SET TRACKING ON")).toBe("OK");
    expect(await client.request("GET TRACKING")).toBe("ON");
    const reply = await client.request("INSTCMD ups test.panel.start");
    const id = /^OK TRACKING ([0-9a-f-]{36})$/.exec(reply)?.[1];
    expect(id, reply).toBeDefined();
    await until(
      "SUCCESS",
      () => client.request(`GET TRACKING ${id}`),
      (s) => s === "SUCCESS",
    );
    expect(await client.request("GET TRACKING 00000000-0000-4000-8000-000000000000")).toBe("ERR UNKNOWN");
    expect(await client.request("SET TRACKING MAYBE")).toBe("ERR INVALID-ARGUMENT");
    client.close();
  });

  it("answers DATA-STALE while the UPS is silent, and recovers", async () => {
    const client = await nutClient(bridge.port);
    expect(bridge.simulator.control("silent on")).toMatch(/^ok/);
    await until(
      "DATA-STALE",
      () => client.request("GET VAR ups ups.status"),
      (l) => l === "ERR DATA-STALE",
      20_000,
    );
    expect(await client.request("LIST VAR ups")).toBe("ERR DATA-STALE");
    expect(await client.list("LIST UPS")).toHaveLength(3);
    expect(bridge.simulator.control("silent off")).toMatch(/^ok/);
    await until(
      "fresh data",
      () => client.request("GET VAR ups ups.status"),
      (l) => varValue(l) === "OL",
      30_000,
    );
    client.close();
  });
  it("raises FSD for a primary (MASTER too), in front of the status from then on", async () => {
    const client = await loggedIn(bridge.port, PRIMARY);
    expect(await client.request("MASTER ups")).toBe("OK MASTER-GRANTED");
    expect(await client.request("PRIMARY ups")).toBe("OK PRIMARY-GRANTED");
    expect(await client.request("FSD ups")).toBe("OK FSD-SET");
    expect(await client.request("GET VAR ups ups.status")).toBe('VAR ups ups.status "FSD OL"');
    client.close();
  });
});

describe("NUT server: an alert is served at once, a lost link is DATA-STALE", () => {
  let bridge: NutBridge;
  beforeAll(async () => {
    // One fast poll a minute: anything that changes sooner came from the alert.
    bridge = await startNutBridge({ pollIntervalMs: 60_000 });
  });
  afterAll(async () => bridge.stop());

  it("shows OB from the alert byte, not from a poll", async () => {
    const client = await nutClient(bridge.port);
    await until(
      "OL",
      () => client.request("GET VAR ups ups.status"),
      (l) => varValue(l) === "OL",
    );
    expect(bridge.simulator.control("power fail")).toMatch(/^ok/);
    await until(
      "OB",
      () => client.request("GET VAR ups ups.status"),
      (l) => varValue(l).split(" ").includes("OB"),
      5000,
    );
    expect(bridge.simulator.control("power restore")).toMatch(/^ok/);
    await until(
      "OL again",
      () => client.request("GET VAR ups ups.status"),
      (l) => varValue(l) === "OL",
      5000,
    );
    client.close();
  });
});

describe("NUT server: destructive commands", () => {
  let bridge: NutBridge;
  beforeAll(async () => {
    bridge = await startNutBridge({ allowDestructive: true });
    const client = await nutClient(bridge.port);
    await until(
      "the first full read",
      () => client.request("GET VAR ups ups.status"),
      (l) => varValue(l) === "OL",
    );
    client.close();
  });
  afterAll(async () => bridge.stop());

  it("refuses a destructive command to a user granted ALL, and sends nothing", async () => {
    const from = bridge.simulator.received.length;
    const client = await loggedIn(bridge.port, VIEWER);
    expect((await client.list("LIST CMD ups")).filter((l) => l.startsWith("CMD"))).toContain(
      "CMD ups load.off",
    );
    expect(await client.request("INSTCMD ups load.off")).toBe("ERR ACCESS-DENIED");
    expect(await client.request("INSTCMD ups shutdown.return")).toBe("ERR ACCESS-DENIED");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receivedText(bridge.simulator, from)).not.toMatch(/[ZKS@U\x0e]/);
    client.close();
  });

  it("runs it for a user granted it by name, without the MQTT confirmation", async () => {
    const since = bridge.messages.length;
    const from = bridge.simulator.received.length;
    const client = await loggedIn(bridge.port, ADMIN);
    expect(await client.request("INSTCMD ups load.off param")).toBe("ERR INVALID-ARGUMENT");
    expect(await client.request("INSTCMD ups load.off")).toBe("OK");
    expect(receivedText(bridge.simulator, from)).toMatch(/Z.*Z/);
    await until(
      "OFF",
      () => client.request("GET VAR ups ups.status"),
      (l) => varValue(l) === "OFF",
      10_000,
    );
    const executed = await bridge.waitFor(
      `${bridge.base}/ups/event`,
      (p) => event(p).event_type === "command_executed" && event(p).action === "turn_off_immediate",
      since,
    );
    expect(executed).toBeDefined();
    const requested = bridge.messages
      .slice(since)
      .filter(
        (m) =>
          m.topic === `${bridge.base}/ups/event` && event(m.payload).event_type === "confirmation_requested",
      );
    expect(requested).toEqual([]);
    // Turning the load off again: already off, the UPS refuses, the client hears it.
    expect(await client.request("INSTCMD ups load.off")).toBe("ERR INSTCMD-FAILED");
    client.close();
  });
});

describe("NUT server: STARTTLS and the connection bounds", () => {
  let bridge: NutBridge;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "upslink-nut-tls-"));
    const { cert, key } = selfSignedCert(dir);
    bridge = await startNutBridge({
      nut: { certfile: cert, keyfile: key, max_clients: 3, idle_timeout_s: 5 },
    });
  });
  afterAll(async () => bridge.stop());

  it("switches a connection to TLS and drops what was sent after STARTTLS in plain text", async () => {
    const plain = await nutClient(bridge.port);
    // A request smuggled behind STARTTLS must not run once the connection is encrypted.
    plain.send("STARTTLS\nUSERNAME smuggled\n");
    expect(await plain.next()).toBe("OK STARTTLS");
    plain.socket.removeAllListeners("data");
    const secure = tlsConnect({ socket: plain.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", resolve);
      secure.once("error", reject);
    });
    const client = textClient(secure);
    expect(await client.request("USERNAME viewer")).toBe("OK");
    expect(await client.request("STARTTLS")).toBe("ERR ALREADY-SSL-MODE");
    expect(await client.request("NETVER")).toBe("1.3");
    client.close();
  });

  it("refuses clients beyond nut.max_clients and drops idle ones", async () => {
    const clients = [
      await nutClient(bridge.port),
      await nutClient(bridge.port),
      await nutClient(bridge.port),
    ];
    for (const client of clients) expect(await client.request("NETVER")).toBe("1.3");
    const extra = await nutClient(bridge.port);
    await extra.closed;
    for (const client of clients) client.close();
    // The server frees a slot when it sees the close; until then a newcomer is turned away.
    const idle = await until(
      "a free slot",
      async () => {
        const client = await nutClient(bridge.port);
        return (await client.request("NETVER").catch(() => "closed")) === "1.3" ? client : null;
      },
      (client) => client !== null,
    );
    if (idle === null) throw new Error("no slot");
    const started = Date.now();
    await idle.closed;
    expect(Date.now() - started).toBeGreaterThan(4000);
  }, 20_000);
});
