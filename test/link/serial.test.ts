// SerialTransport: open options and error mapping through @serialport/binding-mock, and real serial
// I/O over a socat pseudo-terminal pair with the simulator on the other end.
import { spawnSync } from "node:child_process";
import { chmod, chown, realpath } from "node:fs/promises";
import { SerialPortMock } from "serialport";
import { afterEach, describe, expect, it } from "vitest";
import { mapSerialError, type SerialPortLike, SerialTransport } from "../../src/link/serial.js";
import { type AlertEvent, LinkSession } from "../../src/link/session.js";
import { silentLogger } from "../../src/log.js";
import { isUpsLinkError } from "../../src/protocol/errors.js";
import { SmartUpsSimulator } from "../../src/simulator/index.js";
import { CatalogueLink } from "../../src/ups/catalogue-link.js";
import { type PtyPair, ptyPair } from "./pty.js";

const logger = silentLogger();

async function openError(transport: SerialTransport): Promise<unknown> {
  try {
    await transport.open();
  } catch (error) {
    return error;
  }
  await transport.close();
  throw new Error("expected open() to fail");
}

describe("SerialTransport with @serialport/binding-mock", () => {
  afterEach(() => SerialPortMock.binding.reset());

  function mockFactory(record: { set: unknown[]; ports: SerialPortMock[] }) {
    return (options: ConstructorParameters<typeof SerialPortMock>[0]): SerialPortLike => {
      const port = new SerialPortMock(options);
      const set = port.set.bind(port);
      port.set = (values, callback) => {
        record.set.push(values);
        set(values, callback);
      };
      record.ports.push(port);
      return port;
    };
  }

  it("maps a missing port to port_not_found with a hint where to look", async () => {
    const transport = new SerialTransport({
      path: "/dev/ttyUSB9",
      logger,
      portFactory: mockFactory({ set: [], ports: [] }),
    });
    const error = await openError(transport);
    expect(isUpsLinkError(error) && error.code).toBe("port_not_found");
    expect((error as Error).message).toContain("/dev/ttyUSB9");
    expect((error as Error).message).toContain("ls /dev/serial/by-id");
  });

  it("opens 2400 8N1 raw without flow control or hang-up, and leaves DTR/RTS alone by default", async () => {
    SerialPortMock.binding.createPort("/dev/ttyMOCK0", { record: true });
    const record = { set: [] as unknown[], ports: [] as SerialPortMock[] };
    const transport = new SerialTransport({
      path: "/dev/ttyMOCK0",
      logger,
      portFactory: mockFactory(record),
    });
    await transport.open();
    const binding = record.ports[0]?.port;
    expect(binding?.openOptions).toMatchObject({
      baudRate: 2400,
      dataBits: 8,
      parity: "none",
      stopBits: 1,
      rtscts: false,
      xon: false,
      xoff: false,
      hupcl: false,
    });
    expect(record.set).toEqual([]);
    const received: number[] = [];
    transport.on("data", (chunk) => received.push(...chunk));
    await transport.write(Uint8Array.of(0x59));
    expect(binding?.recording.toString("latin1")).toBe("Y");
    binding?.emitData(Buffer.from("SM\r\n", "latin1"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(String.fromCharCode(...received)).toBe("SM\r\n");
    await transport.close();
    expect(transport.isOpen).toBe(false);
  });

  it("sets DTR=1 RTS=0 for the 940-0095B cable", async () => {
    SerialPortMock.binding.createPort("/dev/ttyMOCK1");
    const record = { set: [] as unknown[], ports: [] as SerialPortMock[] };
    const transport = new SerialTransport({
      path: "/dev/ttyMOCK1",
      cable: "940-0095B",
      logger,
      portFactory: mockFactory(record),
    });
    await transport.open();
    expect(record.set).toEqual([{ dtr: true, rts: false }]);
    await transport.close();
  });
});

describe("SerialTransport on a real pseudo-terminal", () => {
  let pty: PtyPair | null = null;
  const cleanup: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    await pty?.kill();
    pty = null;
  });

  /** The simulator on end B through its own SerialTransport: real serial bytes both ways. */
  async function simulatorOn(path: string): Promise<SmartUpsSimulator> {
    const sim = new SmartUpsSimulator({ profile: "smartups-3g-230" });
    const far = new SerialTransport({ path, logger });
    await far.open();
    far.on("data", (chunk) => sim.write(chunk));
    const forward = (bytes: Uint8Array): void => {
      far.write(bytes).catch(() => undefined);
    };
    sim.on("data", forward);
    cleanup.push(async () => {
      sim.off("data", forward);
      sim.stop();
      await far.close();
    });
    return sim;
  }

  it("talks to the simulator: handshake, queries, discovery and an alert", async () => {
    pty = await ptyPair();
    const sim = await simulatorOn(pty.b);
    const session = new LinkSession({
      transport: new SerialTransport({ path: pty.a, logger }),
      logger,
      reconnect: false,
    });
    const link = new CatalogueLink(session);
    cleanup.push(() => session.stop());
    const alerts: AlertEvent[] = [];
    session.on("alert", (alert) => alerts.push(alert));
    await session.start();
    expect(session.state).toBe("online");
    expect(await link.read("line_voltage")).toBeGreaterThan(200);
    const caps = await link.discover();
    expect(caps.identity.serial).toBe(sim.profile.serial.replace(/\0/g, "").trim());
    expect(caps.identity.localeLetter).toBe("I");
    const lineFail = new Promise<void>((resolve) =>
      session.on("alert", (a) => a.event === "line_fail" && resolve()),
    );
    sim.control("power fail");
    await lineFail;
    expect(alerts.map((a) => a.event)).toContain("line_fail");
  });

  it("reports port_busy when another program holds the port", async () => {
    pty = await ptyPair();
    const first = new SerialTransport({ path: pty.a, logger });
    await first.open();
    cleanup.push(() => first.close());
    const error = await openError(new SerialTransport({ path: pty.a, logger }));
    expect(isUpsLinkError(error) && error.code).toBe("port_busy");
    expect((error as Error).message).toMatch(/NUT|apcupsd/);
  });

  it("emits close with an error when the port vanishes (adapter unplugged)", async () => {
    pty = await ptyPair();
    const transport = new SerialTransport({ path: pty.a, logger });
    await transport.open();
    cleanup.push(() => transport.close());
    const closed = new Promise<Error | null>((resolve) => transport.on("close", resolve));
    await pty.kill();
    // Depending on timing a hung-up pty reports on the read side or only when written to (EIO):
    // the next poll's write is what notices, as it would be in the bridge.
    const write = await transport.write(Uint8Array.of(0x51)).then(
      () => null,
      (error: unknown) => error,
    );
    const error = await closed;
    if (write !== null) expect(isUpsLinkError(write) && write.code).toBe("port_closed");
    expect(isUpsLinkError(error) && error.code).toBe("port_closed");
    expect(transport.isOpen).toBe(false);
  });

  it("maps EACCES to permission_denied naming the device's group", async () => {
    pty = await ptyPair();
    const device = await realpath(pty.a);
    const isRoot = process.getuid?.() === 0;
    let error: unknown;
    if (isRoot) {
      // Root opens anything: open the device as `nobody` (uid 65534) with the same serialport
      // package, and map that real error.
      await chown(device, 0, dialoutGid());
      await chmod(device, 0o660);
      const script = `import("serialport").then(({ SerialPort }) => { const p = new SerialPort({ path: ${JSON.stringify(pty?.a)}, baudRate: 2400, autoOpen: false }); p.open((e) => { process.stdout.write(JSON.stringify({ message: e ? e.message : null })); }); });`;
      const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
        uid: 65534,
        gid: 65534,
        cwd: process.cwd(),
        encoding: "utf8",
      });
      const { message } = JSON.parse(child.stdout) as { message: string | null };
      expect(message).not.toBeNull();
      error = await mapSerialError(new Error(message ?? ""), pty.a);
    } else {
      await chmod(device, 0o000);
      error = await openError(new SerialTransport({ path: pty.a, logger }));
    }
    expect(isUpsLinkError(error) && error.code).toBe("permission_denied");
    const message = (error as Error).message;
    expect(message).toMatch(/group '[^']+'/);
    expect(message).toContain("usermod -aG");
    if (isRoot) expect(message).toContain("'dialout'");
  });
});

function dialoutGid(): number {
  const result = spawnSync("getent", ["group", "dialout"], { encoding: "utf8" });
  const gid = Number(result.stdout.split(":")[2]);
  return Number.isInteger(gid) ? gid : 20;
}
