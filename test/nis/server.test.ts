// The apcupsd NIS server as the composition root runs it (runBridge with nis.listen) over the
// in-process simulator: the `status` answer against apcupsd 3.14's own answer for the same simulated
// unit (test/fixtures/apcupsd/, recorded from apcupsd's smart driver on that profile), ONBATT the
// moment the alert arrives, `events`, and bad input that never takes the server down.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { freePort } from "../helpers/broker.js";
import { nisConnect, nisExchange, nisFields, nisFrame, nisRequest } from "../helpers/nis.js";
import { type NutBridge, startNutBridge } from "../helpers/nut.js";
import { waitForMatch } from "../helpers/wait.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "apcupsd");
const apcupsdOnline = readFileSync(join(FIXTURES, "status-online.txt"), "latin1")
  .split(/(?<=\n)/)
  .filter((line) => line !== "");

// Fields that say who serves, not what the UPS does (docs/NIS.md), and SHARE, which apcupsd 3.14
// prints empty and the bridge leaves out.
const OWN_FIELDS = new Set([
  "APC",
  "DATE",
  "HOSTNAME",
  "VERSION",
  "UPSNAME",
  "CABLE",
  "DRIVER",
  "UPSMODE",
  "STARTTIME",
  "SHARE",
  "END APC",
]);

/** One of the suite's waits: polls `read` every 100 ms until `ok` accepts its value. */
function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 15_000): Promise<T> {
  return waitForMatch(what, read, ok, { timeoutMs: ms, intervalMs: 100 });
}

describe("apcupsd NIS server through the composition root", () => {
  let bridge: NutBridge;
  let port = 0;
  const status = async () => nisFields(await nisRequest(port, "status"));

  beforeAll(async () => {
    port = await freePort();
    bridge = await startNutBridge({
      nis: { listen: `127.0.0.1:${port}`, max_clients: 3, idle_timeout_s: 5 },
      // apcupsd's default BATTERYLEVEL and MINUTES, so MBATTCHG and MINTIMEL compare too.
      shutdownPolicy: { charge_below_percent: 10, runtime_below_minutes: 5 },
    });
    await until("the first full read", status, (f) => f.get("STATUS") === "ONLINE " && f.has("FIRMWARE"));
  });
  afterAll(async () => bridge.stop());

  it("answers status with apcupsd's fields, order and values for the same unit", async () => {
    const records = await nisRequest(port, "status");
    const names = (lines: readonly string[]) => lines.map((line) => line.slice(0, 9).trimEnd());
    expect(names(records).filter((n) => !OWN_FIELDS.has(n))).toEqual(
      names(apcupsdOnline).filter((n) => !OWN_FIELDS.has(n)),
    );
    const ours = records.filter((line) => !OWN_FIELDS.has(line.slice(0, 9).trimEnd()));
    const theirs = apcupsdOnline.filter((line) => !OWN_FIELDS.has(line.slice(0, 9).trimEnd()));
    expect(ours).toEqual(theirs);
    // Every record is `NAME` padded to 9, `: `, the value, a newline.
    for (const line of records) expect(line).toMatch(/^[A-Z0-9 ]{9}: .*\n$/);
    expect(records[0]).toMatch(/^APC {6}: 001,\d{3},\d{4}\n$/);
    expect(records.at(-1)).toMatch(/^END APC {2}: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} {2}\n$/);
    // APC counts the records and bytes after it, as apcupsd does.
    const rest = records.slice(1);
    const bytes = rest.reduce((n, line) => n + Buffer.byteLength(line, "latin1"), 0);
    expect(records[0]).toBe(
      `APC      : 001,${String(rest.length).padStart(3, "0")},${String(bytes).padStart(4, "0")}\n`,
    );
    const fields = nisFields(records);
    expect(fields.get("UPSNAME")).toBe("ups");
    expect(fields.get("CABLE")).toBe("APC Cable 940-0024C");
  });

  it("shows ONBATT and the transfer the moment the power fails, and logs it in events", async () => {
    const before = await status();
    expect(before.get("NUMXFERS")).toBe("0");
    expect(before.get("XOFFBATT")).toBe("N/A");
    expect(bridge.simulator.control("power fail")).toMatch(/^ok/);
    const onbatt = await until("ONBATT", status, (f) => f.get("STATUS") === "ONBATT ", 5000);
    expect(onbatt.get("NUMXFERS")).toBe("1");
    expect(onbatt.get("XONBATT")).toMatch(/^\d{4}-\d\d-\d\d /);
    expect(onbatt.get("STATFLAG")).toMatch(/^0x050000[0-9A-F]{2}$/);
    expect(Number.parseInt(onbatt.get("STATFLAG") ?? "", 16) & 0x10).toBe(0x10);
    // The polls that follow bring the values apcupsd shows on battery.
    await until(
      "LASTXFER and LINEV on battery",
      status,
      (f) => f.get("LASTXFER") === "Low line voltage" && f.get("LINEV") === "0.0 Volts",
      10_000,
    );
    // A transfer event waits (briefly) for the fresh transfer cause that says whether it is a test.
    await until(
      "the power failure in events",
      () => nisRequest(port, "events"),
      (events) =>
        events.some((line) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} {2}Power failure\.\n$/.test(line)),
      10_000,
    );
    expect(bridge.simulator.control("power restore")).toMatch(/^ok/);
    const back = await until("ONLINE", status, (f) => f.get("STATUS") === "ONLINE ", 5000);
    expect(back.get("XOFFBATT")).toMatch(/^\d{4}-\d\d-\d\d /);
    expect(back.get("TONBATT")).toBe("0 Seconds");
    await until(
      "the return in events",
      () => nisRequest(port, "events"),
      (events) => /Power is back\. UPS running on mains\.\n$/.test(events.at(-1) ?? ""),
      10_000,
    );
  });

  it("counts a self-test as a transfer and dates it in LASTSTEST, as apcupsd 3.14 does", async () => {
    const before = await status();
    expect(before.has("LASTSTEST")).toBe(false);
    const count = Number(before.get("NUMXFERS"));
    expect(bridge.simulator.control("selftest")).toMatch(/^ok/);
    const tested = await until("LASTSTEST", status, (f) => f.has("LASTSTEST"), 10_000);
    expect(tested.get("NUMXFERS")).toBe(String(count + 1));
    // The test's start: the transfer it made.
    expect(tested.get("LASTSTEST")).toBe(tested.get("XONBATT"));
    expect(tested.get("LASTSTEST")).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} {2}$/);
    await until(
      "back ONLINE",
      status,
      (f) => f.get("STATUS") === "ONLINE " && f.get("SELFTEST") === "OK",
      15_000,
    );
  });

  it("answers an unknown command with apcupsd's sentence and keeps the connection", async () => {
    const socket = await nisConnect(port);
    expect(await nisExchange(socket, nisFrame("rawupsstats"))).toEqual({
      records: ["Invalid command\n"],
      closed: false,
    });
    // Split across writes, several on one connection, with a zero-length message between.
    const both = Buffer.concat([nisFrame("status"), Buffer.from([0, 0])]);
    const first = nisExchange(socket, both.subarray(0, 3));
    socket.write(both.subarray(3));
    expect((await first).records[0]).toMatch(/^APC /);
    socket.destroy();
  });

  it("closes a connection announcing an oversize request and goes on serving", async () => {
    const socket = await nisConnect(port);
    const answer = await nisExchange(socket, Buffer.from([0xff, 0xff, 0x41, 0x42]));
    expect(answer).toEqual({ records: [], closed: true });
    const garbage = await nisConnect(port);
    garbage.write(Buffer.from([0x00]));
    garbage.destroy();
    expect(nisFields(await nisRequest(port, "status")).get("STATUS")).toMatch(/^ONLINE/);
  });

  it("refuses clients beyond nis.max_clients and serves again once they leave", async () => {
    const held = await Promise.all([nisConnect(port), nisConnect(port), nisConnect(port)]);
    // Let the server register the three before the fourth arrives.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const extra = await nisConnect(port);
    expect(await nisExchange(extra, nisFrame("status"))).toEqual({ records: [], closed: true });
    for (const socket of held) socket.destroy();
    await until(
      "a free slot",
      async () => (await nisRequest(port, "status").catch(() => [])).length,
      (n) => n > 0,
      5000,
    );
  });

  it("drops a client silent for nis.idle_timeout_s", async () => {
    const socket = await nisConnect(port);
    const closed = new Promise<number>((resolve) => {
      const at = Date.now();
      socket.once("close", () => resolve(Date.now() - at));
    });
    // Closed by the server, not by the test: no timing is asserted beyond "it happened".
    expect(await closed).toBeGreaterThan(0);
  }, 15_000);
});

describe("nis configuration", () => {
  it("is off by default and names the UPS it serves", () => {
    const config = loadConfig({ argv: [], env: { UPSLINK_UPS_PORT: "sim://smartups-3g-120" } });
    expect(config.nis.listen).toBeNull();
    expect(config.nis.ups).toBeNull();
    const on = loadConfig({
      argv: [],
      env: {
        UPSLINK_UPS_PORT: "sim://smartups-3g-120",
        UPSLINK_NIS_LISTEN: "0.0.0.0:3551",
        UPSLINK_NIS_UPS: "ups",
      },
    });
    expect(on.nis.listen).toEqual({ host: "0.0.0.0", port: 3551 });
  });

  it("refuses nis.ups naming no configured UPS, saying which ids there are", () => {
    expect(() =>
      loadConfig({ argv: [], env: { UPSLINK_UPS_PORT: "sim://smartups-3g-120", UPSLINK_NIS_UPS: "other" } }),
    ).toThrow(/nis\.ups.*UPSLINK_NIS_UPS.*"other".*allowed: ups/);
  });
});
