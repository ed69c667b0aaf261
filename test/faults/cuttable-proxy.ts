// A TCP forwarder to the broker that a test can cut and restore, as a network partition between
// the bridge and the broker: `cut()` resets every forwarded connection and refuses new ones (each
// reconnect attempt fails at once) until `restore()`. Everything else keeps its own path to the
// broker.
import { createConnection, createServer, type Socket } from "node:net";

export interface CuttableProxy {
  readonly url: string;
  /** Connections accepted so far (the bridge's first connect and each reconnect attempt). */
  readonly attempts: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startCuttableProxy(targetHost: string, targetPort: number): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  let cut = false;
  let attempts = 0;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  };
  const server = createServer((client) => {
    attempts++;
    track(client);
    if (cut) {
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
    cut: () => {
      cut = true;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    restore: () => {
      cut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
