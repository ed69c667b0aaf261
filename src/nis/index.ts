// apcupsd's network information server, assembled from the configuration and one UPS's model. The
// composition root starts it when `nis.listen` is set.
import { hostname } from "node:os";
import type { Config, UpsConfig } from "../config/index.js";
import type { Logger } from "../log.js";
import type { UpsModel } from "../ups/model.js";
import { NisServer } from "./server.js";

export { NisServer } from "./server.js";

export interface NisServerWiring {
  readonly config: Pick<Config, "nis" | "shutdown_policy">;
  readonly listen: { readonly host: string; readonly port: number };
  readonly ups: { readonly config: UpsConfig; readonly model: UpsModel };
  readonly version: string;
  readonly logger: Logger;
}

/** The UPS the NIS server serves: `nis.ups`, else the first configured one. */
export function nisUpsId(config: Pick<Config, "nis" | "upses">): string | null {
  return config.nis.ups ?? config.upses[0]?.id ?? null;
}

export function createNisServer(wiring: NisServerWiring): NisServer {
  const { config, ups } = wiring;
  return new NisServer({
    host: wiring.listen.host,
    port: wiring.listen.port,
    model: ups.model,
    identity: {
      hostname: hostname(),
      version: `${wiring.version} (upslink2mqtt)`,
      upsName: ups.config.id,
      // apcupsd names a cable it knows by its part number so.
      cable: `APC Cable ${ups.config.cable}`,
    },
    thresholds: {
      chargeBelowPercent: config.shutdown_policy.charge_below_percent,
      runtimeBelowMinutes: config.shutdown_policy.runtime_below_minutes,
    },
    maxClients: config.nis.max_clients,
    idleTimeoutS: config.nis.idle_timeout_s,
    logger: wiring.logger,
  });
}
