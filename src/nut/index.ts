// The NUT network server, assembled from the configuration and the UPS layer's runtimes. The
// composition root starts it when `nut.listen` is set and publishes its events.
import { readFileSync } from "node:fs";
import type { NutConfig, UpsConfig } from "../config/index.js";
import { BRIDGE_EVENTS } from "../events.js";
import type { Logger } from "../log.js";
import type { CommandService } from "../ups/commands.js";
import type { UpsModel } from "../ups/model.js";
import { NutServer } from "./server.js";
import { NutUps } from "./ups.js";

export { NUT_COMMANDS, NUT_VARIABLES } from "./mapping.js";
export { NutServer } from "./server.js";
export type { NutClientEvent } from "./session.js";
export { NutUps } from "./ups.js";

/** Events the NUT server adds to `<base>/<ups>/event` (documented in the topic reference). */
export const NUT_EVENTS: readonly (readonly [string, string])[] = BRIDGE_EVENTS.filter((event) =>
  event.id.startsWith("nut_"),
).map((event) => [event.id, event.description] as const);

export interface NutServerWiring {
  readonly nut: NutConfig;
  readonly listen: { readonly host: string; readonly port: number };
  readonly upses: readonly {
    readonly config: UpsConfig;
    readonly model: UpsModel;
    readonly commands: CommandService;
  }[];
  readonly allowDestructive: boolean;
  readonly version: string;
  readonly logger: Logger;
}

export function createNutServer(wiring: NutServerWiring): NutServer {
  const { nut } = wiring;
  const tls =
    nut.certfile !== null && nut.keyfile !== null
      ? { cert: readFileSync(nut.certfile), key: readFileSync(nut.keyfile) }
      : null;
  return new NutServer({
    host: wiring.listen.host,
    port: wiring.listen.port,
    upses: wiring.upses.map(
      ({ config, model, commands }) =>
        new NutUps(model, commands, {
          id: config.id,
          name: config.name,
          allowDestructive: wiring.allowDestructive,
          nominalPowerW: config.nominal_power_w,
          driver: {
            name: "upslink2mqtt",
            version: wiring.version,
            pollIntervalMs: config.poll_interval_ms,
            port: config.port.replace(/\/\/[^@/]*@/, "//"),
          },
        }),
    ),
    users: nut.users,
    tls,
    maxClients: nut.max_clients,
    idleTimeoutS: nut.idle_timeout_s,
    serverVersion: wiring.version,
    logger: wiring.logger,
  });
}
