// TcpTransport (ser2net, terminal servers) against the simulator served on a real TCP socket.
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createTransport } from "../../src/link/create.js";
import { type AlertEvent, LinkSession, type LinkState } from "../../src/link/session.js";
import { parseTcpUrl, TcpTransport } from "../../src/link/tcp.js";
import { silentLogger } from "../../src/log.js";
import { isUpsLinkError } from "../../src/protocol/errors.js";
import { SmartUpsSimulator } from "../../src/simulator/index.js";
import { CatalogueLink } from "../../src/ups/catalogue-link.js";

const logger = silentLogger();

interface Served {
  readonly sim: SmartUpsSimulator;
  readonly port: number;
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

/** One simulated UPS behind a TCP listener, as ser2net would serve a serial port. */
async function serve(profile = "smartups-3g-120"): Promise<Served> {
  const sim = new SmartUpsSimulator({ profile: profile as "smartups-3g-120" });
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const forward = (bytes: Uint8Array): void => {
      socket.write(bytes);
    };
    sim.on("data", forward);
    socket.on("data", (chunk: Buffer) => sim.write(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      sim.off("data", forward);
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    sim,
    port,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      sim.stop();
    },
  };
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe("TcpTransport", () => {
  it("parses tcp:// addresses, IPv6 included", () => {
    expect(parseTcpUrl("tcp://10.0.0.5:4001")).toEqual({ host: "10.0.0.5", port: 4001 });
    expect(parseTcpUrl("tcp://[::1]:4001")).toEqual({ host: "::1", port: 4001 });
    expect(parseTcpUrl("tcp://host")).toBeNull();
    expect(parseTcpUrl("tcp://host:99999")).toBeNull();
  });

  it("runs the session against the simulator over TCP: handshake, queries, alerts", async () => {
    const served = await serve();
    cleanup.push(() => served.close());
    const transport = createTransport(`tcp://127.0.0.1:${served.port}`, { logger });
    expect(transport).toBeInstanceOf(TcpTransport);
    const session = new LinkSession({ transport, logger, reconnect: false });
    const link = new CatalogueLink(session);
    cleanup.push(() => session.stop());
    const alerts: AlertEvent[] = [];
    session.on("alert", (alert) => alerts.push(alert));
    await session.start();
    expect(session.state).toBe("online");
    expect(await link.read("battery_capacity")).toBeTypeOf("number");
    const caps = await link.discover();
    expect(caps.identity.model).toBe(served.sim.profile.model?.trim());
    const lineFail = new Promise<void>((resolve) =>
      session.on("alert", (a) => a.event === "line_fail" && resolve()),
    );
    served.sim.control("power fail");
    await lineFail;
    expect(alerts.some((a) => a.event === "line_fail")).toBe(true);
  });

  it("maps a refused connection to connect_failed naming host and port", async () => {
    const served = await serve();
    const port = served.port;
    await served.close(); // nothing listens there any more
    const transport = new TcpTransport({ host: "127.0.0.1", port, logger });
    const error = await transport.open().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isUpsLinkError(error) && error.code).toBe("connect_failed");
    expect(isUpsLinkError(error) && error.context).toMatchObject({ host: "127.0.0.1", port });
    expect((error as Error).message).toContain(String(port));
  });

  it("goes offline when the server drops the connection, and back online when it accepts again", async () => {
    const served = await serve();
    cleanup.push(() => served.close());
    const session = new LinkSession({
      transport: new TcpTransport({ host: "127.0.0.1", port: served.port, logger }),
      logger,
      options: { reconnectMinMs: 100, reconnectMaxMs: 200 },
    });
    cleanup.push(() => session.stop());
    const states: LinkState[] = [];
    const back = new Promise<void>((resolve) =>
      session.on("state", (state) => {
        states.push(state);
        if (state === "online" && states.includes("offline")) resolve();
      }),
    );
    await session.start();
    for (const socket of served.sockets) socket.destroy();
    await back;
    expect(states).toEqual(["connecting", "online", "offline", "online"]);
    expect(await new CatalogueLink(session).query("line_voltage")).toMatch(/^\d{3}\.\d$/);
  });
});
