// A TCP forwarder to the broker that a test controls as a network failure between one client and
// the broker: `drop()` breaks the current connections (the client reconnects through it at once),
// `cut()` breaks them and refuses new ones (every reconnect attempt fails) until `restore()`.
// Everything not routed through it keeps its own path to the broker.
import { createConnection, createServer, type Socket } from "node:net";

export interface TcpProxy {
  readonly url: string;
  /** Connections accepted so far (a client's first connect and each reconnect attempt). */
  readonly attempts: number;
  drop(): void;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let refusing = false;
  let attempts = 0;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  };
  const server = createServer((client) => {
    attempts++;
    track(client);
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    });
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    get attempts() {
      return attempts;
    },
    drop: () => {
      for (const socket of sockets) socket.destroy();
    },
    cut: () => {
      refusing = true;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    restore: () => {
      refusing = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
