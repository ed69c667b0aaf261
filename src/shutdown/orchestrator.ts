// Shutdown orchestration for one UPS (issue 16 item 4; decide.ts holds the decisions): reads the UPS
// model, the NUT clients logged in to the UPS and their logouts, carries out what decide.ts returns
// (the FSD latch, shutdown_return through the command service), and reports every step as an event
// and a log line. Knows no MQTT and no sockets: the composition root hands it these seams.
import type { Logger } from "../log.js";
import {
  POWER_SOURCE_BITS,
  POWER_STATE,
  SHUTDOWN_INPUTS,
  SHUTDOWN_RECOMMENDED,
} from "../protocol/catalogue/index.js";
import type { Value } from "../protocol/types.js";
import type { CommandService } from "../ups/commands.js";
import type { UpsModel } from "../ups/model.js";
import { Timers } from "../util/timers.js";
import {
  type Client,
  type Effect,
  ShutdownDecisions,
  type ShutdownEventType,
  type StatusView,
} from "./decide.js";

/** How often the deadlines are looked at. */
const TICK_MS = 500;

/** The NUT clients of the UPS, when the NUT server runs. */
export interface NutClients {
  /** Logged in now. */
  list(): readonly Client[];
  /** Calls back on a LOGIN and on a logout (`LOGOUT`, or `DISCONNECT` for a closed connection). */
  onChange(listener: (change: ClientChange) => void): () => void;
}

export type ClientChange =
  | { readonly kind: "login"; readonly client: Client }
  | { readonly kind: "logout"; readonly client: Client; readonly command: string };

export interface OrchestratorOptions {
  readonly upsId: string;
  readonly waitS: number;
  readonly model: UpsModel;
  readonly commands: Pick<CommandService, "orchestratedShutdownReturn">;
  /** The NUT UPS's FSD latch; null without the NUT server. */
  readonly fsd: { setOrchestratedFsd(raised: boolean): void } | null;
  readonly clients: NutClients | null;
  /** Publishes an event on `<base>/<ups>/event`. */
  readonly publish: (event: { readonly event_type: ShutdownEventType } & Record<string, Value>) => void;
  readonly logger: Logger;
  /** The clock (tests). */
  readonly now?: () => number;
}

export class ShutdownOrchestrator {
  private readonly decisions: ShutdownDecisions;
  private readonly log: Logger;
  private readonly timers = new Timers();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly now: () => number;

  constructor(private readonly options: OrchestratorOptions) {
    this.decisions = new ShutdownDecisions({ waitS: options.waitS });
    this.log = options.logger.child({ module: "shutdown", ups: options.upsId });
    this.now = options.now ?? Date.now;
  }

  start(): void {
    const { model, clients } = this.options;
    // After each applied reading (never halfway through one), and when the link comes or goes.
    const observe = (): void => this.observe();
    model.on("read", observe);
    model.on("availability", observe);
    model.on("linkState", observe);
    this.unsubscribe.push(() => {
      model.off("read", observe);
      model.off("availability", observe);
      model.off("linkState", observe);
    });
    if (clients !== null) this.unsubscribe.push(clients.onChange((change) => this.onClient(change)));
    this.timers.every(TICK_MS, () => this.apply(this.decisions.tick(this.now())));
    this.log.info(
      { wait_s: this.options.waitS, nut: clients !== null },
      clients === null
        ? "shutdown orchestration on: without the NUT server, shutdown_return goes out as soon as a shutdown is recommended during an outage"
        : "shutdown orchestration on: FSD for the NUT clients, then shutdown_return, when a shutdown is recommended during an outage",
    );
    this.observe();
  }

  stop(): void {
    this.timers.clearAll();
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /** What decide.ts reads of the model now. */
  view(): StatusView {
    const { model } = this.options;
    const store = model.store;
    const power = store.get(POWER_STATE);
    const reason: Record<string, Value> = {};
    for (const key of [
      SHUTDOWN_INPUTS.lowBattery,
      ...SHUTDOWN_INPUTS.charge.slice(0, 1),
      ...SHUTDOWN_INPUTS.runtime.slice(0, 1),
    ] as const) {
      const value = store.get(key);
      if (value !== undefined) reason[key] = value;
    }
    return {
      available: model.isAvailable,
      fresh: model.statusFresh,
      onBattery: store.get(SHUTDOWN_INPUTS.onBattery) === true,
      onLine: store.get(POWER_SOURCE_BITS.onLine) === true,
      loadOff: power === "sleep" || power === "off",
      shutdownRecommended: store.get(SHUTDOWN_RECOMMENDED) === true,
      test: model.transferTest,
      reason,
    };
  }

  private clientList(): readonly Client[] {
    return this.options.clients?.list() ?? [];
  }

  private observe(): void {
    this.apply(this.decisions.status(this.view(), this.clientList(), this.now()));
  }

  private onClient(change: ClientChange): void {
    if (change.kind === "login") this.apply(this.decisions.clientLoggedIn(change.client));
    else this.apply(this.decisions.clientLoggedOut(change.client, change.command, this.now()));
  }

  private apply(effects: readonly Effect[]): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case "raise_fsd":
          this.options.fsd?.setOrchestratedFsd(true);
          break;
        case "clear_fsd":
          this.options.fsd?.setOrchestratedFsd(false);
          break;
        case "send_shutdown_return":
          void this.send();
          break;
        case "log":
          this.log[effect.level](effect.message);
          break;
        case "event":
          this.log[effect.level]({ event: effect.type, ...effect.data }, effect.message);
          this.options.publish({ event_type: effect.type, ...effect.data });
          break;
      }
    }
  }

  private async send(): Promise<void> {
    this.log.warn("sending shutdown_return");
    const outcome = await this.options.commands.orchestratedShutdownReturn();
    const data = outcome.data as Record<string, Value> | null;
    const result =
      outcome.status === "ok" && data !== null
        ? { ok: true as const, method: String(data.method), reply: String(data.reply) }
        : {
            ok: false as const,
            code: outcome.error?.code ?? "bad_reply",
            message: outcome.error?.message ?? outcome.status,
          };
    this.apply(this.decisions.sent(result, this.now()));
    // What the UPS says after the command decides what comes next.
    this.observe();
  }
}
