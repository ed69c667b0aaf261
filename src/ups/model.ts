// One UPS as the bridge sees it: polls the link in tiers, reacts to alerts at once, keeps the state
// store, and derives feedbacks, status bits and `shutdown_recommended`. Knows nothing of MQTT.
//
// Tiers (issue 4, PROTOCOL-NOTES "How the well-known clients behave"):
// - fast: status and live readings every `pollIntervalMs`;
// - minmax: `M`/`N` reset on every read, so they are read on a fixed schedule only;
// - slow and identity: at start, every `slowIntervalS`, and slow again after a `|` alert.
// Alerts publish the keys they imply at once, then re-read the registers they concern ahead of polls.
import type { Logger } from "../log.js";
import {
  CATALOGUE,
  DERIVED,
  eventById,
  FEEDBACKS,
  type KeyId,
  type QueryId,
  REGISTER_MAP,
  REGISTERS,
  readableRow,
  type SettingId,
  SHUTDOWN_INPUTS,
} from "../protocol/catalogue/index.js";
import { decodeRegister, formatHexByte, patchMasks } from "../protocol/decoders.js";
import { isUpsLinkError } from "../protocol/errors.js";
import { deriveFeedbacks } from "../protocol/feedbacks.js";
import type { PollTier, QueryRow, SettingRow, Value } from "../protocol/types.js";
import { TypedEmitter } from "../util/emitter.js";
import { Timers } from "../util/timers.js";
import { type KeySpec, supportedKeys } from "./keys.js";
import type { AlertEvent, Capabilities, LinkState, UpsLink } from "./link.js";
import { type ShutdownThresholds, shutdownRecommended } from "./policy.js";
import { StateStore } from "./state.js";

export interface UpsModelOptions {
  readonly id: string;
  readonly pollIntervalMs: number;
  readonly minmaxIntervalMs: number;
  readonly slowIntervalS: number;
  readonly thresholds: ShutdownThresholds;
  readonly logger: Logger;
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
  linkState: (state: LinkState) => void;
}

/** How long after a commanded self-test / simulated failure a transfer counts as test-induced. */
const TEST_WINDOW_MS = 30_000;

export class UpsModel extends TypedEmitter<UpsModelEvents> {
  readonly store = new StateStore<KeyId>();
  private capabilities: Capabilities | null = null;
  private keySpecs: KeySpec[] = [];
  private readonly timers = new Timers();
  private readonly unsubscribe: (() => void)[] = [];
  private running = false;
  private online = false;
  private generation = 0;
  private testUntil = 0;
  /** Alerts seen so far, and the alert count at which each query was last made stale by one. */
  private alertSeq = 0;
  private readonly staleAt = new Map<QueryId | SettingId, number>();
  private readonly log: Logger;
  private readonly slowRereadQueued = { value: false };
  /**
   * Queries alerts asked to re-read, not yet read. One drain reads them one by one: a burst of
   * alerts (or an alert inside every reply) re-reads each register once more, instead of starting
   * one re-read per alert, each of whose replies can carry another alert (unbounded growth).
   */
  private readonly alertRereads = new Set<QueryId | SettingId>();
  private alertRereadRunning = false;

  constructor(
    private readonly link: UpsLink,
    private readonly options: UpsModelOptions,
  ) {
    super();
    this.log = options.logger.child({ module: "ups", ups: options.id });
    this.store.onChange((key, value) => this.emit("change", key, value));
  }

  get caps(): Capabilities | null {
    return this.capabilities;
  }

  get keys(): readonly KeySpec[] {
    return this.keySpecs;
  }

  get isOnline(): boolean {
    return this.online;
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
    for (const off of this.unsubscribe.splice(0)) off();
    await this.link.stop();
  }

  /** Marks a transfer that the bridge itself caused (self-test, simulated failure, calibration). */
  noteTestStarted(): void {
    this.testUntil = Date.now() + TEST_WINDOW_MS;
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
        this.emit("availability", true);
        const generation = ++this.generation;
        this.clearTimers();
        void this.begin(generation);
      }
      return;
    }
    if (this.online) {
      this.online = false;
      this.generation++;
      this.clearTimers();
      this.emit("availability", false);
    }
  }

  /** After every (re)connect: learn capabilities, read everything once, then poll in tiers. */
  private async begin(generation: number): Promise<void> {
    try {
      const caps = await this.link.discover();
      if (generation !== this.generation) return;
      this.capabilities = caps;
      this.keySpecs = supportedKeys({
        rows: CATALOGUE,
        feedbacks: FEEDBACKS,
        registers: REGISTERS,
        supported: caps.supported,
        settingValues: caps.settingValues,
      });
      const keys = new Set(this.keySpecs.map((k) => k.key));
      this.store.retain(keys);
      this.store.declare(keys);
      this.emit("capabilities", caps, this.keySpecs);
      for (const tier of ["identity", "slow", "minmax", "fast"] as const)
        await this.readTier(tier, generation, "poll");
    } catch (error) {
      this.log.warn({ err: describe(error) }, "reading the UPS after connecting failed; polling continues");
    }
    if (generation !== this.generation || !this.running) return;
    this.every(generation, this.options.pollIntervalMs, "fast");
    this.every(generation, this.options.minmaxIntervalMs, "minmax");
    this.every(generation, this.options.slowIntervalS * 1000, "slow", "identity");
  }

  /**
   * Reads the tiers every `periodMs`, counted from the start of each cycle (a "2 s poll" is 2 s
   * even when a cycle takes 1 s on the wire). A cycle longer than the period is followed by the
   * next at once; cycles never overlap.
   */
  private every(generation: number, periodMs: number, ...tiers: PollTier[]): void {
    const tick = async () => {
      if (generation !== this.generation || !this.running) return;
      const started = Date.now();
      for (const tier of tiers) await this.readTier(tier, generation, "poll");
      if (generation !== this.generation || !this.running) return;
      this.schedule(tick, Math.max(0, periodMs - (Date.now() - started)));
    };
    this.schedule(tick, periodMs);
  }

  private schedule(fn: () => Promise<void>, ms: number): void {
    this.timers.after(ms, () => void fn());
  }

  private clearTimers(): void {
    this.timers.clearAll();
  }

  private isSupported(id: QueryId | SettingId): boolean {
    return this.capabilities?.supported.has(id) ?? false;
  }

  private rowsOfTier(tier: PollTier): (QueryRow | SettingRow)[] {
    return CATALOGUE.filter(
      (row): row is Extract<(typeof CATALOGUE)[number], QueryRow | SettingRow> =>
        (row.kind === "query" || row.kind === "setting") && rowTier(row) === tier && this.isSupported(row.id),
    );
  }

  private async readTier(tier: PollTier, generation: number, priority: "user" | "poll"): Promise<void> {
    for (const row of this.rowsOfTier(tier)) {
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
    try {
      text = await this.link.query(id, priority);
    } catch (error) {
      // Not supported right now (sleeping, calibrating) or a timeout: keep the last good value; the
      // link counts failures and reports a lost link.
      this.log.debug({ query: id, err: describe(error) }, "query failed");
      return;
    }
    if (generation !== this.generation) return;
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
    this.apply(row, decoded.value);
  }

  /** Applies one decoded query or setting value and everything derived from it. */
  private apply(row: QueryRow | SettingRow, value: Value): void {
    this.store.set(row.id, value);
    if (row.register !== null && typeof value === "string" && decodeRegister(row.register, value).ok) {
      const byte = Number.parseInt(value, 16);
      for (const bit of REGISTER_MAP[row.register].bits)
        if (this.store.has(bit.id)) this.store.set(bit.id, (byte & (1 << bit.bit)) !== 0);
    }
    this.deriveAll();
  }

  private deriveAll(): void {
    const values = this.store.snapshot();
    const derived = deriveFeedbacks(values);
    for (const feedback of FEEDBACKS)
      if (this.store.has(feedback.id)) this.store.set(feedback.id, derived[feedback.id]);
    this.updateShutdownRecommended();
  }

  private updateShutdownRecommended(): void {
    const bool = (key: KeyId) => {
      const value = this.store.get(key);
      return typeof value === "boolean" ? value : null;
    };
    // The first of the keys that holds a number (a feedback, else the query it comes from).
    const num = (keys: readonly KeyId[]) => {
      for (const key of keys) {
        const value = this.store.get(key);
        if (typeof value === "number") return value;
      }
      return null;
    };
    const recommended = shutdownRecommended(
      {
        onBattery: bool(SHUTDOWN_INPUTS.onBattery),
        lowBattery: bool(SHUTDOWN_INPUTS.lowBattery),
        chargePercent: num(SHUTDOWN_INPUTS.charge),
        runtimeMinutes: num(SHUTDOWN_INPUTS.runtime),
        testInduced: this.testInduced(),
      },
      this.options.thresholds,
    );
    for (const derived of DERIVED) if (this.store.has(derived.id)) this.store.set(derived.id, recommended);
  }

  private testInduced(): boolean {
    return (
      Date.now() < this.testUntil ||
      this.store.get(SHUTDOWN_INPUTS.transferCause) === SHUTDOWN_INPUTS.testCause
    );
  }

  /**
   * An alert byte: the event goes out now, the keys it implies are published now, and the
   * registers it concerns are re-read ahead of polls to confirm.
   */
  private handleAlert(alert: AlertEvent): void {
    if (alert.suspect) {
      void this.confirmSuspectAlert(alert);
      return;
    }
    this.emitAlertEvent(alert);
    if (!this.online) return;
    const row = eventById(alert.event);
    this.alertSeq++;
    for (const id of row.reread) this.staleAt.set(id, this.alertSeq);
    // The alert says what a register now holds: patch the stored value so everything derived from
    // it (bits, power_state, shutdown_recommended) changes now and stays consistent until the
    // re-read below confirms it.
    if (row.patch !== null) {
      const registerRow = readableRow(REGISTER_MAP[row.patch.register].query);
      const stored = this.store.get(registerRow.id);
      const byte = typeof stored === "string" ? Number.parseInt(stored, 16) : Number.NaN;
      if (!Number.isNaN(byte)) {
        const { set, clear } = patchMasks(row.patch);
        this.apply(registerRow, formatHexByte((byte | set) & ~clear));
      }
    }
    this.updateShutdownRecommended();
    const settings = row.reread.filter((id) => readableRow(id).kind === "setting");
    const queries = row.reread.filter((id) => readableRow(id).kind !== "setting");
    for (const id of queries) this.alertRereads.add(id);
    void this.drainAlertRereads();
    if (settings.length > 0 && !this.slowRereadQueued.value) {
      // `|` arrives ~5 s after an edit; one re-read of the slow tier covers a burst of them.
      this.slowRereadQueued.value = true;
      void this.refresh("slow").finally(() => {
        this.slowRereadQueued.value = false;
      });
    }
  }

  private emitAlertEvent(alert: AlertEvent): void {
    const extra: Record<string, Value> = { alert: String.fromCharCode(alert.byte) };
    if (eventById(alert.event).transfer) extra.test = this.testInduced();
    this.emit("event", { event_type: alert.event, at: alert.at.toISOString(), ...extra });
  }

  /**
   * An alert byte that came with line noise may be noise itself: nothing is published on its
   * word. The registers it concerns are read again; an alert that says what `Q` should now hold
   * is published (late) only when the fresh `Q` agrees, and the keys come from that reading. Other
   * suspect alerts only cause the re-read.
   */
  private async confirmSuspectAlert(alert: AlertEvent): Promise<void> {
    this.log.debug({ event: alert.event }, "alert byte amid line noise: confirming before publishing");
    if (!this.online) return;
    const row = eventById(alert.event);
    const queries = row.reread.filter((id) => readableRow(id).kind !== "setting");
    for (const id of queries) this.alertRereads.add(id);
    if (row.patch === null) {
      void this.drainAlertRereads();
      return;
    }
    const register = REGISTER_MAP[row.patch.register].query;
    const { set, clear } = patchMasks(row.patch);
    await this.reread([register]);
    void this.drainAlertRereads();
    const status = this.store.get(register);
    const byte = typeof status === "string" ? Number.parseInt(status, 16) : Number.NaN;
    if (!Number.isNaN(byte) && (byte & set) === set && (byte & clear) === 0) {
      this.emitAlertEvent(alert);
    } else {
      this.log.info(
        { event: alert.event, status },
        "an alert character in line noise was not confirmed by Q; ignored",
      );
    }
  }

  private async drainAlertRereads(): Promise<void> {
    if (this.alertRereadRunning) return;
    this.alertRereadRunning = true;
    try {
      for (let id = first(this.alertRereads); id !== undefined; id = first(this.alertRereads)) {
        this.alertRereads.delete(id);
        if (!this.online || !this.running) break;
        await this.reread([id]);
      }
    } finally {
      this.alertRereadRunning = false;
      if (!this.online || !this.running) this.alertRereads.clear();
    }
  }
}

/** Settings are read with the slow tier. */
function rowTier(row: QueryRow | SettingRow): PollTier {
  return row.kind === "setting" ? "slow" : row.tier;
}

function first<T>(set: ReadonlySet<T>): T | undefined {
  for (const item of set) return item;
  return undefined;
}

function describe(error: unknown): string {
  if (isUpsLinkError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export type { KeySpec };
