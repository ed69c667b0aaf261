// A TCP forwarder to the broker that a test controls as a network failure between one client and
// the broker: `drop()` breaks the current connections (the client reconnects through it at once),
// `cut()` breaks them and refuses new ones (every reconnect attempt fails) until `restore()`.
// Everything not routed through it keeps its own path to the broker. `delayMs` holds every chunk,
// both ways, that long before passing it on (in order), as a distant broker would.
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

export interface TcpProxyOptions {
  /** How long every chunk waits, each way, before it is passed on (0: at once). */
  readonly delayMs?: number;
}

/** Passes what `from` sends on to `to`, each chunk `delayMs` later, in order. */
function forward(from: Socket, to: Socket, delayMs: number): void {
  if (delayMs <= 0) {
    from.pipe(to);
    return;
  }
  // Timers of one duration fire in the order they were set: the byte order is kept.
  from.on("data", (chunk: Buffer) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
}

export async function startTcpProxy(
  targetHost: string,
  targetPort: number,
  options: TcpProxyOptions = {},
): Promise<TcpProxy> {
  const delayMs = options.delayMs ?? 0;
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
    forward(client, upstream, delayMs);
    forward(upstream, client, delayMs);
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
