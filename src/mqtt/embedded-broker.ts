// A small in-process MQTT 3.1.1 broker (aedes over TCP) for the demo and as the tests' last-resort
// broker. Not for production: no persistence, no authentication, loopback by default.
import { createServer, type Server, type Socket } from "node:net";
import { Aedes } from "aedes";

export interface EmbeddedBrokerOptions {
  readonly host?: string;
  /** 0 = any free port; omitted = 1883 when free, else any free port. */
  readonly port?: number;
}

export interface EmbeddedBroker {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** aedes speaks MQTT 3.1.1 only: clients that connect with it from the start are not refused. */
  readonly protocolVersion: 4;
  close(): Promise<void>;
}

export const DEFAULT_MQTT_PORT = 1883;

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? "127.0.0.1";
  const broker = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    broker.handle(socket);
  });
  let port: number;
  try {
    if (options.port !== undefined) {
      port = await listen(server, host, options.port);
    } else {
      try {
        port = await listen(server, host, DEFAULT_MQTT_PORT);
      } catch (error) {
        if (!(error instanceof Error && "code" in error && error.code === "EADDRINUSE")) throw error;
        port = await listen(server, host, 0);
      }
    }
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    url: `mqtt://${host.includes(":") ? `[${host}]` : host}:${port}`,
    host,
    port,
    protocolVersion: 4,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => broker.close(() => resolve()));
        // Clients would keep the server open; an abrupt end is what a real broker outage looks like.
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
