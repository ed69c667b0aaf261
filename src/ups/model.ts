// One UPS as the bridge sees it: polls the link in tiers (poll-schedule.ts), keeps the state
// store, and derives feedbacks, status bits and `shutdown_recommended` (derive.ts). Knows nothing
// of MQTT. Alerts are handed to alert-handler.ts, which publishes the keys they imply at once and
// re-reads the registers they concern ahead of polls; its alert count tells a reply that predates
// an alert.
//
// Availability: `online` while the link is up and the UPS gives values; a UPS that only refuses
// queries is published `offline`, and a query that only answers `NA` is read slowly
// (query-health.ts).
import type { Logger } from "../log.js";
import {
  CATALOGUE,
  FEEDBACKS,
  HISTORY,
  HISTORY_INPUTS,
  type KeyId,
  POWER_SOURCE_BITS,
  POWER_STATE,
  type QueryId,
  REGISTERS,
  readableRow,
  type SettingId,
  SHUTDOWN_INPUTS,
} from "../protocol/catalogue/index.js";
import { isUpsLinkError } from "../protocol/errors.js";
import type { PollTier, QueryRow, SettingRow, Value } from "../protocol/types.js";
import { TypedEmitter } from "../util/emitter.js";
import { Timers } from "../util/timers.js";
import { AlertHandler, SHUTDOWN_REGISTER } from "./alert-handler.js";
import { applyReading, bitSet, updateShutdownRecommended } from "./derive.js";
import { EventQueue } from "./event-queue.js";
import { TransferHistory } from "./history.js";
import { type KeySpec, supportedKeys } from "./keys.js";
import type { Capabilities, LinkState, UpsLink } from "./link.js";
import type { ShutdownThresholds } from "./policy.js";
import { every, rowsOfTier } from "./poll-schedule.js";
import { QueryHealth } from "./query-health.js";
import { StateStore } from "./state.js";
import { TestTransfers } from "./test-transfer.js";

/** The queries the history keys are counted from. */
const HISTORY_SOURCES: ReadonlySet<string> = new Set(HISTORY.map((row) => row.sourceQuery));

// Part of this module's interface before alert handling moved out (the topic reference cites it).
export { TEST_VERDICT_WAIT_MS } from "./alert-handler.js";

export interface UpsModelOptions {
  readonly id: string;
  readonly pollIntervalMs: number;
  readonly minmaxIntervalMs: number;
  readonly slowIntervalS: number;
  readonly thresholds: ShutdownThresholds;
  readonly logger: Logger;
  /** The history to go on counting (loaded from the state file); a new one when absent. */
  readonly history?: TransferHistory;
}

export interface UpsEvent {
  readonly event_type: string;
  readonly at: string;
  readonly [key: string]: Value;
}

export interface UpsModelEvents {
  change: (key: KeyId, value: Value) => void;
  event: (event: UpsEvent) => void;
  availability: (online: boolean) => void;
  capabilities: (capabilities: Capabilities, keys: readonly KeySpec[]) => void;
  /** The read of every tier after `capabilities` is over: every key that answered has its value. */
  firstRead: () => void;
  linkState: (state: LinkState) => void;
  /** A query's reply was decoded and applied (even when no key changed): a fresh reading. */
  read: (id: QueryId | SettingId) => void;
}

export class UpsModel extends TypedEmitter<UpsModelEvents> {
  readonly store = new StateStore<KeyId>();
  /** Transfers, time on battery, self-tests (history.ts): counted from the readings below. */
  readonly history: TransferHistory;
  private capabilities: Capabilities | null = null;
  private keySpecs: KeySpec[] = [];
  private readonly timers = new Timers();
  private readonly unsubscribe: (() => void)[] = [];
  private running = false;
  private online = false;
  /** Dead queries read slowly, and whether the UPS only refuses (query-health.ts). */
  private readonly health: QueryHealth;
  private generation = 0;
  private readonly transfers = new TestTransfers(SHUTDOWN_INPUTS.testCause);
  private readonly events = new EventQueue(
    (event) => this.emit("event", event as UpsEvent),
    (ms, fn) => this.timers.after(ms, fn),
  );
  /**
   * The alert count at which the last applied read of the status register started on this
   * connection (-1: none yet): `statusFresh`.
   */
  private statusReadAt = -1;
  private readonly log: Logger;
  private readonly alerts: AlertHandler;

  constructor(
    private readonly link: UpsLink,
    private readonly options: UpsModelOptions,
  ) {
    super();
    this.history = options.history ?? new TransferHistory();
    this.log = options.logger.child({ module: "ups", ups: options.id });
    this.health = new QueryHealth(this.log);
    this.alerts = new AlertHandler(
      {
        store: this.store,
        timers: this.timers,
        transfers: this.transfers,
        events: this.events,
        online: () => this.online,
        active: () => this.online && this.running,
        generation: () => this.generation,
        isCurrent: (generation) => generation === this.generation && this.running,
        isSupported: (id) => this.isSupported(id),
        apply: (row, value) => this.apply(row, value),
        updateShutdownRecommended: () => this.updateShutdownRecommended(),
        read: (id) => this.reread([id]),
        readSlowTier: () => this.refresh("slow"),
      },
      this.log,
    );
    this.store.onChange((key, value) => this.emit("change", key, value));
  }

  get caps(): Capabilities | null {
    return this.capabilities;
  }

  get keys(): readonly KeySpec[] {
    return this.keySpecs;
  }

  /** The link is up (commands are accepted and passed to the UPS). */
  get isOnline(): boolean {
    return this.online;
  }

  /** What `<ups>/availability` says: the link is up and the UPS gives values, not only refusals. */
  get isAvailable(): boolean {
    return this.online && !this.health.refusing;
  }

  async start(): Promise<void> {
    this.running = true;
    this.unsubscribe.push(this.link.onAlert((alert) => this.alerts.handle(alert)));
    this.unsubscribe.push(this.link.onState((state) => this.handleLinkState(state)));
    await this.link.start();
    if (this.link.state === "online") this.handleLinkState("online");
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    this.timers.clearAll();
    this.events.flush(true);
    for (const off of this.unsubscribe.splice(0)) off();
    await this.link.stop();
  }

  /**
   * The stored status register comes from a read sent after the last alert that patched it, on this
   * connection: what it says is the UPS's word, not an alert's (shutdown orchestration needs that).
   */
  get statusFresh(): boolean {
    return this.online && this.statusReadAt >= 0 && this.statusReadAt >= this.alerts.statusPatchedAt;
  }

  /**
   * Whether the battery carries the load because of a self-test or simulated failure, from fresh
   * data only (test-transfer.ts): the `G` read for this transfer; on a UPS without `G`, whether a
   * commanded test of ours is running. "unknown" while `G` has not been read for this transfer.
   */
  get transferTest(): "yes" | "no" | "unknown" {
    if (!this.onBattery()) return "no";
    const fresh = this.transfers.freshVerdict;
    if (fresh !== null) return fresh ? "yes" : "no";
    if (this.isSupported(SHUTDOWN_INPUTS.transferCauseQuery)) return "unknown";
    return this.transfers.running(Date.now()) ? "yes" : "no";
  }

  /** Marks a transfer that the bridge itself caused (self-test, simulated failure, calibration). */
  noteTestStarted(): void {
    this.transfers.commandStarted(Date.now());
  }

  /** The commanded test failed or was refused: no transfer of ours follows. */
  noteTestFailed(): void {
    this.transfers.commandFailed();
    this.updateShutdownRecommended();
  }

  /** Re-reads one tier now (after commands and settings). */
  async refresh(tier: PollTier): Promise<void> {
    await this.readTier(tier, this.generation, "user");
  }

  /** Re-reads some queries now, ahead of polls. */
  async reread(ids: readonly (QueryId | SettingId)[]): Promise<void> {
    const generation = this.generation;
    for (const id of ids) {
      if (!this.isSupported(id)) continue;
      await this.readQuery(id, generation, "user");
    }
  }

  private handleLinkState(state: LinkState): void {
    this.emit("linkState", state);
    // After a successful S/K/Z/@ the link expects the UPS to fall silent until it wakes: that is not
    // a lost link, so the model stays online (no availability flap, no re-discovery) and polls that
    // go unanswered meanwhile simply keep the last values.
    if (state === "online" || state === "shutdown_expected") {
      if (!this.online) {
        this.online = true;
        this.health.resetRefusals();
        this.emit("availability", true);
        const generation = ++this.generation;
        this.clearTimers();
        void this.begin(generation);
      }
      return;
    }
    if (this.online) {
      this.online = false;
      this.statusReadAt = -1;
      this.history.readingsStopped();
      this.generation++;
      this.clearTimers();
      this.alerts.linkLost();
      const wasAvailable = !this.health.refusing;
      this.health.resetRefusals();
      if (wasAvailable) this.emit("availability", false);
    }
  }

  /** After every (re)connect: learn capabilities, read everything once, then poll in tiers. */
  private async begin(generation: number): Promise<void> {
    try {
      const caps = await this.link.discover();
      if (generation !== this.generation) return;
      this.capabilities = caps;
      this.health.resetDeadQueries();
      this.keySpecs = supportedKeys({
        rows: CATALOGUE,
        feedbacks: FEEDBACKS,
        registers: REGISTERS,
        supported: caps.supported,
        settingValues: caps.settingValues,
      });
      const keys = new Set(this.keySpecs.map((k) => k.key));
      this.store.retain(keys);
      // Before `declare`: a history key new to the store goes out even while unknown (`null`), as
      // its value stays until the next transfer or self-test.
      this.writeHistory(keys);
      this.store.declare(keys);
      this.emit("capabilities", caps, this.keySpecs);
      for (const tier of ["identity", "slow", "minmax", "fast"] as const)
        await this.readTier(tier, generation, "poll");
      if (generation === this.generation && this.running) this.emit("firstRead");
    } catch (error) {
      this.log.warn({ err: describe(error) }, "reading the UPS after connecting failed; polling continues");
    }
    if (generation !== this.generation || !this.running) return;
    this.poll(generation, this.options.pollIntervalMs, "fast");
    this.poll(generation, this.options.minmaxIntervalMs, "minmax");
    this.poll(generation, this.options.slowIntervalS * 1000, "slow", "identity");
  }

  /** Reads the tiers every `periodMs` while this connection lasts (see `every`). */
  private poll(generation: number, periodMs: number, ...tiers: PollTier[]): void {
    const current = () => generation === this.generation && this.running;
    every(this.timers, periodMs, async () => {
      if (!current()) return false;
      const answersBefore = this.health.answers;
      for (const tier of tiers) await this.readTier(tier, generation, "poll");
      if (!current()) return false;
      if (tiers.includes("fast")) this.countRefusals(this.health.answers > answersBefore);
      return true;
    });
  }

  private clearTimers(): void {
    this.timers.clearAll();
    this.alerts.timersCleared();
    // Their wait timers are gone: what waits for a verdict goes out on what is known.
    this.events.flush(true);
  }

  private isSupported(id: QueryId | SettingId): boolean {
    return this.capabilities?.supported.has(id) ?? false;
  }

  private async readTier(tier: PollTier, generation: number, priority: "user" | "poll"): Promise<void> {
    const tierOf = (row: QueryRow | SettingRow) => this.health.tierOf(row);
    for (const row of rowsOfTier(tier, (id) => this.isSupported(id), tierOf)) {
      if (generation !== this.generation || !this.running) return;
      await this.readQuery(row.id, generation, priority);
    }
  }

  private async readQuery(
    id: QueryId | SettingId,
    generation: number,
    priority: "user" | "poll",
  ): Promise<void> {
    const row = readableRow(id);
    if (row.decode === null) return;
    let text: string;
    const seqAtStart = this.alerts.seq;
    const transferAtStart = this.transfers.epoch;
    const historyMark = this.history.mark;
    try {
      text = await this.link.query(id, priority);
    } catch (error) {
      // Not supported right now (sleeping, calibrating) or a timeout: keep the last good value; the
      // link counts failures and reports a lost link.
      this.log.debug({ query: id, err: describe(error) }, "query failed");
      if (generation === this.generation && isUpsLinkError(error) && error.code === "not_supported")
        this.noteNotAvailable(row);
      // Whether the UPS is on battery is unknown until the next status reading.
      if (id === HISTORY_INPUTS.statusQuery) this.history.readingsStopped();
      return;
    }
    if (generation !== this.generation) return;
    // The link returns only replies in the query's format (`NA` and `SM` are thrown).
    if (this.health.noteValue(row)) this.emit("availability", true);
    if (this.alerts.predates(id, seqAtStart)) {
      // Asked before an alert changed it: the alert's own re-read brings the current value.
      this.log.debug({ query: id }, "reply predates an alert; dropped");
      return;
    }
    const decoded = row.decode(text);
    if (!decoded.ok) {
      this.log.warn({ query: id, reply: text, reason: decoded.error }, "reply did not decode; value kept");
      return;
    }
    if (id === SHUTDOWN_INPUTS.transferCauseQuery && typeof decoded.value === "string") {
      this.transfers.causeRead(decoded.value, transferAtStart);
      this.events.settleUpTo(decoded.value === SHUTDOWN_INPUTS.testCause, seqAtStart);
      // The cause of the transfer in progress (or last ended) in this run, read after it began.
      if (transferAtStart === this.transfers.epoch && transferAtStart > 0) this.history.cause(decoded.value);
    }
    if (id === HISTORY_INPUTS.testResultQuery && typeof decoded.value === "string")
      this.history.testResult(decoded.value, historyMark);
    this.apply(row, decoded.value);
    if (row.register === SHUTDOWN_REGISTER) this.statusReadAt = seqAtStart;
    if (row.register !== null) this.alerts.judge(row.register, seqAtStart);
    this.emit("read", id);
  }

  /** An `NA` to a query: after DEAD_QUERY_NA_COUNT in a row, a fast or minmax one is read slowly. */
  private noteNotAvailable(row: QueryRow | SettingRow): void {
    const power = this.store.get(POWER_STATE);
    this.health.noteNotAvailable(row, power !== "sleep" && power !== "off");
  }

  /**
   * After a fast poll cycle: one that got no value at all (every query refused with `NA`/`SM`, or
   * garbled) counts towards REFUSAL_CYCLES_OFFLINE, unless the unit is asleep or off, when
   * refusals are what it should answer. A UPS that falls silent is the link's to report: it counts
   * timeouts and goes offline after a few.
   */
  private countRefusals(answered: boolean): void {
    if (answered || rowsOfTier("fast", (id) => this.isSupported(id)).length === 0) return;
    const power = this.store.get(POWER_STATE);
    if (this.health.noteSilentCycle(power === "sleep" || power === "off")) this.emit("availability", false);
  }

  /** Applies one decoded query or setting value and everything derived from it. */
  private apply(row: QueryRow | SettingRow, value: Value): void {
    const wasOnBattery = this.onBattery();
    applyReading(this.store, row, value);
    if (row.register === SHUTDOWN_REGISTER) {
      const onBattery = this.onBattery();
      if (onBattery && !wasOnBattery) this.transfers.newTransfer();
      this.transfers.observeStatus(
        onBattery,
        bitSet(this.store, SHUTDOWN_REGISTER, POWER_SOURCE_BITS.onLine),
        Date.now(),
      );
      this.history.status(bitSet(this.store, SHUTDOWN_REGISTER, HISTORY_INPUTS.onBattery), Date.now());
    }
    // Only the readings the history is counted from change it (time on battery: every `Q` poll).
    if (HISTORY_SOURCES.has(row.id)) this.writeHistory();
    this.updateShutdownRecommended();
  }

  /** The history keys this UPS has (`keys`: those it is about to have), with their values now. */
  private writeHistory(keys?: ReadonlySet<KeyId>): void {
    for (const [key, value] of Object.entries(this.history.values(Date.now())) as [KeyId, Value][])
      if (keys?.has(key) ?? this.store.has(key)) this.store.set(key, value);
  }

  private onBattery(): boolean {
    return bitSet(this.store, SHUTDOWN_REGISTER, SHUTDOWN_INPUTS.onBattery);
  }

  /** Held false only while on battery because of a test that fresh data shows (test-transfer.ts). */
  private updateShutdownRecommended(): void {
    updateShutdownRecommended(
      this.store,
      this.options.thresholds,
      this.transfers.testInduced(this.onBattery(), Date.now()),
    );
  }
}

function describe(error: unknown): string {
  if (isUpsLinkError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export type { KeySpec };
