// One UPS as the bridge sees it: polls the link in tiers (poll-schedule.ts), reacts to alerts at
// once, keeps the state store, and derives feedbacks, status bits and `shutdown_recommended`
// (derive.ts). Knows nothing of MQTT. Alerts publish the keys they imply at once, then re-read the
// registers they concern ahead of polls (alert-rereads.ts).
//
// Alerts are trusted, but not blindly (issue 17): a return alert (`$`, `+`) needs the state it
// returns from (its row's `returnFrom`); an alert kind that a fresh read of the register it patches
// contradicted is confirmed against that register before it is published again (alert-trust.ts);
// one event per transition, a repeat only refreshes the state, and events are limited per kind
// (event-limiter.ts). A unit that puts an alert inside every reply then
// costs about one extra `Q` a second, and its state comes back to what `Q` says.
//
// Availability: `online` while the link is up and the UPS gives values; a UPS that only refuses
// queries is published `offline` (refusals.ts).
import type { Logger } from "../log.js";
import {
  CATALOGUE,
  eventById,
  FEEDBACKS,
  HISTORY,
  HISTORY_INPUTS,
  type KeyId,
  POWER_SOURCE_BITS,
  POWER_STATE,
  type QueryId,
  REGISTER_MAP,
  REGISTERS,
  readableRow,
  type SettingId,
  SHUTDOWN_INPUTS,
} from "../protocol/catalogue/index.js";
import { formatHexByte, patchMasks } from "../protocol/decoders.js";
import { isUpsLinkError } from "../protocol/errors.js";
import { escapeBytes } from "../protocol/escape.js";
import type { PollTier, QueryRow, RegisterName, SettingRow, Value } from "../protocol/types.js";
import { TypedEmitter } from "../util/emitter.js";
import { Timers } from "../util/timers.js";
import { AlertRereads } from "./alert-rereads.js";
import { AlertTrust } from "./alert-trust.js";
import { applyReading, bitSet, registerByte, updateShutdownRecommended } from "./derive.js";
import { EventLimiter } from "./event-limiter.js";
import { EventQueue } from "./event-queue.js";
import { TransferHistory } from "./history.js";
import { type KeySpec, supportedKeys } from "./keys.js";
import type { AlertEvent, Capabilities, LinkState, UpsLink } from "./link.js";
import type { ShutdownThresholds } from "./policy.js";
import { DEAD_QUERY_NA_COUNT, DeadQueries, every, rowsOfTier } from "./poll-schedule.js";
import { RefusalTracker } from "./refusals.js";
import { StateStore } from "./state.js";
import { TestTransfers } from "./test-transfer.js";

/** The queries the history keys are counted from. */
const HISTORY_SOURCES: ReadonlySet<string> = new Set(HISTORY.map((row) => row.sourceQuery));

/** The register whose bits say on battery and on line. */
const SHUTDOWN_REGISTER = "Q";

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

/**
 * A transfer alert's event waits at most this long for the `G` read it triggers (the re-read drain
 * reads it within about a second): its `test` flag comes from that reading, else from whether a
 * commanded test of ours is running (test-transfer.ts).
 */
export const TEST_VERDICT_WAIT_MS = 2500;

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
  private readonly refusals = new RefusalTracker();
  /** Fast and minmax queries that only answer `NA`, read with the slow tier (poll-schedule.ts). */
  private readonly deadQueries = new DeadQueries();
  /** Dead queries already reported at `info` (later reconnects report them at `debug`). */
  private readonly reportedDead = new Set<QueryId | SettingId>();
  private generation = 0;
  private readonly transfers = new TestTransfers(SHUTDOWN_INPUTS.testCause);
  private readonly events = new EventQueue(
    (event) => this.emit("event", event as UpsEvent),
    (ms, fn) => this.timers.after(ms, fn),
  );
  /** Alerts seen so far, and the alert count at which each query was last made stale by one. */
  private alertSeq = 0;
  private readonly staleAt = new Map<QueryId | SettingId, number>();
  /**
   * The alert count of the last alert that patched the status register, and the alert count at
   * which the last applied read of it started on this connection (-1: none yet): `statusFresh`.
   */
  private statusPatchedAt = 0;
  private statusReadAt = -1;
  private readonly log: Logger;
  private readonly trust: AlertTrust;
  private readonly limiter: EventLimiter;
  private readonly rereads: AlertRereads;

  constructor(
    private readonly link: UpsLink,
    private readonly options: UpsModelOptions,
  ) {
    super();
    this.history = options.history ?? new TransferHistory();
    this.log = options.logger.child({ module: "ups", ups: options.id });
    this.trust = new AlertTrust(this.log);
    this.limiter = new EventLimiter(this.log);
    this.rereads = new AlertRereads({
      timers: this.timers,
      active: () => this.online && this.running,
      generation: () => this.generation,
      isCurrent: (generation) => generation === this.generation && this.running,
      read: (id) => this.reread([id]),
      readSlowTier: () => this.refresh("slow"),
    });
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
    return this.online && !this.refusals.refusing;
  }

  async start(): Promise<void> {
    this.running = true;
    this.unsubscribe.push(this.link.onAlert((alert) => this.handleAlert(alert)));
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
    return this.online && this.statusReadAt >= 0 && this.statusReadAt >= this.statusPatchedAt;
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
        this.refusals.reset();
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
      this.trust.reset();
      const wasAvailable = !this.refusals.refusing;
      this.refusals.reset();
      if (wasAvailable) this.emit("availability", false);
    }
  }

  /** After every (re)connect: learn capabilities, read everything once, then poll in tiers. */
  private async begin(generation: number): Promise<void> {
    try {
      const caps = await this.link.discover();
      if (generation !== this.generation) return;
      this.capabilities = caps;
      // Perhaps another unit: every query gets its own tier back until it proves dead again.
      this.deadQueries.reset();
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
      const answersBefore = this.refusals.answers;
      for (const tier of tiers) await this.readTier(tier, generation, "poll");
      if (!current()) return false;
      if (tiers.includes("fast")) this.countRefusals(this.refusals.answers > answersBefore);
      return true;
    });
  }

  private clearTimers(): void {
    this.timers.clearAll();
    this.rereads.timersCleared();
    // Their wait timers are gone: what waits for a verdict goes out on what is known.
    this.events.flush(true);
  }

  private isSupported(id: QueryId | SettingId): boolean {
    return this.capabilities?.supported.has(id) ?? false;
  }

  private async readTier(tier: PollTier, generation: number, priority: "user" | "poll"): Promise<void> {
    const tierOf = (row: QueryRow | SettingRow) => this.deadQueries.tierOf(row);
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
    const seqAtStart = this.alertSeq;
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
    if (this.deadQueries.noteValue(row)) {
      this.log.info(
        { query: id, opcode: row.wire.opcode, tier: row.tier },
        `query ${id} (${row.wire.opcode}) answered again: read with its own tier again`,
      );
    }
    if (this.refusals.noteAnswer()) {
      this.log.info("the UPS answers queries again; availability online");
      this.emit("availability", true);
    }
    if ((this.staleAt.get(id) ?? 0) > seqAtStart) {
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
    if (row.register !== null) this.judgeAlerts(row.register, seqAtStart);
    this.emit("read", id);
  }

  /** An `NA` to a query: after DEAD_QUERY_NA_COUNT in a row, a fast or minmax one is read slowly. */
  private noteNotAvailable(row: QueryRow | SettingRow): void {
    const power = this.store.get(POWER_STATE);
    if (!this.deadQueries.noteNotAvailable(row, power !== "sleep" && power !== "off")) return;
    const first = !this.reportedDead.has(row.id);
    this.reportedDead.add(row.id);
    this.log[first ? "info" : "debug"](
      {
        query: row.id,
        opcode: row.wire.opcode,
        tier: row.kind === "query" ? row.tier : "slow",
        na: DEAD_QUERY_NA_COUNT,
      },
      `query ${row.id} (${row.wire.opcode}) answered NA ${DEAD_QUERY_NA_COUNT} times in a row while the UPS answered others: now read with the slow tier (every slow_poll_interval_s) instead; it returns to its own tier when it gives a value`,
    );
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
    if (!this.refusals.noteSilentCycle(power === "sleep" || power === "off")) return;
    this.log.warn(
      { cycles: this.refusals.refusalCycles },
      "the UPS refuses every query (NA or SM): its values are no longer current, so it is published offline until it answers again; check that it is not in a test, calibration or service mode, and its cable",
    );
    this.emit("availability", false);
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

  /**
   * An alert byte: the event goes out now, the keys it implies are published now, and the
   * registers it concerns are re-read ahead of polls to confirm. Not so for a return alert without
   * the state it returns from (line noise, PROTOCOL-NOTES: `$` comes only after `!`, `+` after
   * `%`), nor for a suspect or distrusted one: that waits for its register (`confirmFirst`).
   */
  private handleAlert(alert: AlertEvent): void {
    const seen = ++this.alertSeq;
    const row = eventById(alert.event);
    if (!alert.suspect && this.trust.awaitsVerdict(alert.event)) {
      // Again before a read of its register sent after the first said anything (a unit repeats
      // `!`, or puts it inside the re-read's own reply): that read covers it. Nothing is made
      // stale, so the reply this alert arrived in still counts.
      this.log.debug(
        { event: alert.event },
        "alert repeated before its register was re-read; covered by that read",
      );
      return;
    }
    if (row.returnFrom !== null && !bitSet(this.store, row.returnFrom.register, row.returnFrom.bit)) {
      const register = REGISTER_MAP[row.returnFrom.register].query;
      this.log.info(
        { event: alert.event, status: this.store.get(register) ?? null },
        "a return alert without the state it returns from (line noise?): not published; its register re-read",
      );
      this.requestRereads([register]);
      return;
    }
    if (alert.suspect || this.trust.isDistrusted(alert.event)) {
      this.confirmFirst(alert, seen);
      return;
    }
    // A `!` is a new transfer even when the status already showed battery (a real outage during a
    // self-test): the cause read before it is the previous transfer's.
    if (row.patch?.set.includes(SHUTDOWN_INPUTS.onBattery)) this.transfers.newTransfer();
    this.publishAlertEvent(alert);
    if (!this.online) return;
    for (const id of row.reread) this.staleAt.set(id, seen);
    // The alert says what a register now holds: patch the stored value so everything derived from
    // it (bits, power_state, shutdown_recommended) changes now and stays consistent until the
    // re-read below confirms it.
    if (row.patch !== null) {
      const registerRow = readableRow(REGISTER_MAP[row.patch.register].query);
      const byte = registerByte(this.store, row.patch.register);
      if (byte !== null) {
        const { set, clear } = patchMasks(row.patch);
        // Before the patch, so nothing that reads the store while it is applied takes it as read.
        if (row.patch.register === SHUTDOWN_REGISTER) this.statusPatchedAt = seen;
        this.apply(registerRow, formatHexByte((byte | set) & ~clear));
      }
      this.trust.expectVerdict(alert.event, seen);
    }
    this.updateShutdownRecommended();
    this.requestRereads(row.reread);
  }

  /** Re-reads for alerts: queries through the rate-limited drain, settings as one slow-tier read. */
  private requestRereads(ids: readonly (QueryId | SettingId)[]): void {
    if (!this.online) return;
    this.rereads.request(ids);
  }

  /**
   * Publishes an alert's event if it is a transition, not a repeat, and within the limits
   * (event-limiter.ts). A repeat still refreshes the state: the caller patches and re-reads.
   */
  private publishAlertEvent(alert: AlertEvent): void {
    if (!this.limiter.admit(alert.event, this.alertSeq)) return;
    const event = {
      event_type: alert.event,
      at: alert.at.toISOString(),
      // Escaped: a declared alert can be a control byte (an RT's 0x04 is `\x04`), never raw in JSON.
      alert: escapeBytes([alert.byte]),
    };
    if (!eventById(alert.event).transfer) {
      this.events.decided(event);
      return;
    }
    const fallback = this.transfers.running(Date.now());
    if (!this.online || !this.isSupported(SHUTDOWN_INPUTS.transferCauseQuery)) {
      this.events.decided({ ...event, test: fallback });
      return;
    }
    // The stored `G` is the previous transfer's cause: the flag waits (briefly) for the `G` read
    // this alert triggers.
    this.events.awaitVerdict(event, this.alertSeq, fallback, TEST_VERDICT_WAIT_MS);
    this.requestRereads([SHUTDOWN_INPUTS.transferCauseQuery]);
  }

  /**
   * An alert byte that came with line noise may be noise itself, and an alert kind that its
   * register contradicted may be a unit's fault: nothing is published on its word. An alert that
   * says what a register should now hold waits for a read of it sent after the alert and is
   * published (late) only when that read agrees; the keys come from that reading. Other such
   * alerts only cause their re-reads.
   */
  private confirmFirst(alert: AlertEvent, seen: number): void {
    if (!this.online) return;
    const row = eventById(alert.event);
    if (row.patch === null) {
      this.log.debug({ event: alert.event }, "suspect alert: re-reading what it concerns, not publishing it");
      this.requestRereads(row.reread);
      return;
    }
    this.trust.hold(alert, seen);
    this.requestRereads([REGISTER_MAP[row.patch.register].query]);
  }

  /** A reading of `register` from a read started at alert count `seqAtStart`: the alerts it can judge. */
  private judgeAlerts(register: RegisterName, seqAtStart: number): void {
    const byte = registerByte(this.store, register);
    if (byte === null) return;
    this.limiter.observe(register, byte, seqAtStart);
    const query = REGISTER_MAP[register].query;
    for (const alert of this.trust.judge(register, byte, this.store.get(query), seqAtStart)) {
      this.publishAlertEvent(alert);
      this.requestRereads(eventById(alert.event).reread.filter((id) => id !== query));
    }
  }
}

function describe(error: unknown): string {
  if (isUpsLinkError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export type { KeySpec };
