// The TCP servers beside MQTT (NUT, apcupsd NIS) listen and report their address the same way.
import type { Server } from "node:net";

/** Listens on host:port; rejects with the bind error (port taken, no permission). */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once("error", failed);
    server.listen(port, host, () => {
      server.off("error", failed);
      resolve();
    });
  });
}

/** Where the server is bound (port 0 picks a free one), or the configured address before that. */
export function boundAddress(server: Server, host: string, port: number): { address: string; port: number } {
  const bound = server.address();
  if (bound === null || typeof bound === "string") return { address: host, port };
  return { address: bound.address, port: bound.port };
}
