// The per-UPS set-up of the composition root: one configured UPS becomes its topics, link, UPS
// model (with its history file) and command service, built from the configuration. It exists so
// that bridge.ts keeps what the bridge does with a UPS (publish its keys, discovery, events) and
// this what it is made of. The command service's reports are handed to the bridge through
// `RuntimeReports`: the UPS side still imports nothing of MQTT.
import type { Config, UpsConfig } from "../config/index.js";
import type { DeviceDiscovery } from "../homeassistant/discovery.js";
import type { Logger } from "../log.js";
import type { KeyId } from "../protocol/catalogue/index.js";
import type { Value } from "../protocol/types.js";
import { CommandService, type Outcome } from "../ups/commands.js";
import type { UpsLink } from "../ups/link.js";
import { type KeySpec, UpsModel } from "../ups/model.js";
import { openHistory } from "./history-file.js";
import { type BridgeTopics, bridgeTopics } from "./topics.js";

/** `M`/`N` are read once a minute: they reset on every read. */
const MINMAX_INTERVAL_MS = 60_000;

export interface UpsRuntime {
  readonly config: UpsConfig;
  readonly topics: BridgeTopics;
  readonly link: UpsLink;
  readonly model: UpsModel;
  readonly commands: CommandService;
  /** Saves the model's history in `data_dir` (history-file.ts). */
  readonly historyFile: { stop(): Promise<void> };
  discovery: DeviceDiscovery | null;
  /** The keys of the last capabilities, for rebuilding discovery when a setting's value is new. */
  keys: readonly KeySpec[];
  /** Device configs of this UPS retained on the broker (device topic → component id → platform). */
  retainedDiscovery: Map<string, Record<string, string>>;
  stateTimer: NodeJS.Immediate | null;
  publishedKeys: Set<KeyId>;
  pending: readonly Record<string, Value>[];
  /** A `pending` publication is scheduled for the end of this tick. */
  pendingQueued: boolean;
}

export interface RuntimeDeps {
  readonly config: Config;
  readonly logger: Logger;
  /** Builds the link for one UPS (a LinkSession over the transport its port names). */
  readonly createLink: (ups: UpsConfig) => UpsLink;
}

/** What the command service of a runtime reports; the bridge publishes it. */
export interface RuntimeReports {
  /** An outcome that arose without a request in flight (expiry). */
  outcome(runtime: UpsRuntime, outcome: Outcome): void;
  /** A command event, stamped with the time it happened. */
  event(
    runtime: UpsRuntime,
    event: { readonly event_type: string; readonly at: string } & Record<string, Value>,
  ): void;
  /** `runtime.pending` holds a new list of pending confirmations. */
  pendingChanged(runtime: UpsRuntime): void;
}

export function createUpsRuntime(ups: UpsConfig, deps: RuntimeDeps, reports: RuntimeReports): UpsRuntime {
  const { config, logger } = deps;
  const topics = bridgeTopics(config.mqtt.base_topic, ups.id, config.homeassistant.discovery_prefix);
  const link = deps.createLink(ups);
  const { history, file: historyFile } = openHistory({ dir: config.data_dir, upsId: ups.id, logger });
  const model = new UpsModel(link, {
    history,
    id: ups.id,
    pollIntervalMs: ups.poll_interval_ms,
    minmaxIntervalMs: MINMAX_INTERVAL_MS,
    slowIntervalS: config.slow_poll_interval_s,
    thresholds: {
      chargeBelowPercent: config.shutdown_policy.charge_below_percent,
      runtimeBelowMinutes: config.shutdown_policy.runtime_below_minutes,
      honourLowBatteryFlag: true,
    },
    logger,
  });
  // The command service reports into this runtime; the object is complete before any report.
  let runtime: UpsRuntime;
  const commands = new CommandService(
    link,
    model,
    {
      upsId: ups.id,
      allowDestructive: config.commands.allow_destructive,
      confirmTimeoutS: config.commands.confirm_timeout_s,
      shutdownReturn: {
        order: config.commands.shutdown_return.order,
        wakeDelayTenths: config.commands.shutdown_return.wake_delay_tenths,
        csDelayMs: config.commands.shutdown_return.cs_delay_ms,
      },
      logger,
    },
    {
      outcome: (outcome) => reports.outcome(runtime, outcome),
      event: (eventType, data) =>
        reports.event(runtime, { event_type: eventType, at: new Date().toISOString(), ...data }),
      pending: (list) => {
        runtime.pending = list;
        reports.pendingChanged(runtime);
      },
    },
  );
  runtime = {
    config: ups,
    topics,
    link,
    model,
    commands,
    historyFile,
    discovery: null,
    keys: [],
    retainedDiscovery: new Map(),
    stateTimer: null,
    publishedKeys: new Set(),
    pending: [],
    pendingQueued: false,
  };
  return runtime;
}
