// Shutdown orchestration, one orchestrator per UPS when `shutdown.orchestrate` is on: the
// composition root hands in the bridge's UPS runtimes, the NUT server (or null) and the event sink.
import type { Config } from "../config/index.js";
import type { Logger } from "../log.js";
import type { NutServer } from "../nut/server.js";
import type { NutClientEvent } from "../nut/session.js";
import type { Value } from "../protocol/types.js";
import type { CommandService } from "../ups/commands.js";
import type { UpsModel } from "../ups/model.js";
import type { ShutdownEventType } from "./decide.js";
import { type NutClients, ShutdownOrchestrator } from "./orchestrator.js";

export { LOAD_OFF_WAIT_MS, ShutdownDecisions } from "./decide.js";
export { ShutdownOrchestrator } from "./orchestrator.js";

export interface OrchestrationWiring {
  readonly config: Config;
  readonly runtimes: ReadonlyMap<string, { readonly model: UpsModel; readonly commands: CommandService }>;
  readonly nut: NutServer | null;
  readonly publish: (
    upsId: string,
    event: { readonly event_type: ShutdownEventType } & Record<string, Value>,
  ) => void;
  readonly logger: Logger;
}

/** Starts an orchestrator per UPS when `shutdown.orchestrate` is on; returns what stops them. */
export function startShutdownOrchestration(wiring: OrchestrationWiring): () => void {
  const { config, nut } = wiring;
  if (!config.shutdown.orchestrate) return () => undefined;
  const orchestrators: ShutdownOrchestrator[] = [];
  for (const ups of config.upses) {
    const runtime = wiring.runtimes.get(ups.id);
    if (runtime === undefined) continue;
    const orchestrator = new ShutdownOrchestrator({
      upsId: ups.id,
      waitS: config.shutdown.wait_s,
      model: runtime.model,
      commands: runtime.commands,
      fsd: nut?.ups(ups.id) ?? null,
      clients: nut === null ? null : nutClients(nut, ups.id),
      publish: (event) => wiring.publish(ups.id, event),
      logger: wiring.logger,
    });
    orchestrator.start();
    orchestrators.push(orchestrator);
  }
  return () => {
    for (const orchestrator of orchestrators) orchestrator.stop();
  };
}

/** The NUT server's logins to one UPS, and its LOGIN and logout reports. */
function nutClients(server: NutServer, ups: string): NutClients {
  return {
    list: () => server.loggedIn(ups),
    onChange: (listener) => {
      const onEvent = (event: NutClientEvent): void => {
        if (event.ups !== ups) return;
        const client = { user: event.user, address: event.address, primary: false };
        if (event.event_type === "nut_logout") listener({ kind: "logout", client, command: event.command });
        else if (event.command === "LOGIN" && event.result === "OK") listener({ kind: "login", client });
      };
      server.on("event", onEvent);
      return () => server.off("event", onEvent);
    },
  };
}
