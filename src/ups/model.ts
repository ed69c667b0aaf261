// One UPS as the bridge sees it: polls the link in tiers, reacts to alerts at once, keeps the state
// store, and derives feedbacks, status bits and `shutdown_recommended`. Knows nothing of MQTT.
//
// Tiers (issue 4, PROTOCOL-NOTES "How the well-known clients behave"):
// - fast: status and live readings every `pollIntervalMs`;
// - minmax: `M`/`N` reset on every read, so they are read on a fixed schedule only;
// - slow and identity: at start, every `slowIntervalS`, and slow again after a `|` alert.
// Alerts publish the keys they imply at once, then re-read the registers they concern ahead of polls.
//
// Alerts are trusted, but not blindly (issue 17): a return alert (`$`, `+`) needs the state it
// returns from (its row's `returnFrom`); an alert kind that a fresh read of the register it patches
// contradicted is confirmed against that register before it is published again; alert re-reads of
// one register are at most one a second; an alert kind that repeats without its opposite (its
// row's `pair`) in between is published at most REPEAT_LIMIT times a minute, and no kind more than
// EVENT_LIMIT times a minute. A unit that puts an alert inside every reply then costs about one
// extra `Q` a second, and its state comes back to what `Q` says.
//
// Availability: `online` while the link is up and the UPS gives values. A UPS that answers every
// query with a refusal (`NA`, `SM`) for REFUSAL_CYCLES_OFFLINE poll cycles gives none: its values
// are frozen, so it is published `offline` until a query gives a value again (issue 17). A unit
// that is asleep or off (power_state `sleep` or `off`) may refuse queries: that is expected.
import type { Logger } from "../log.js";
import {
  type BitId,
  CATALOGUE,
  DERIVED,
  type EventId,
  type EventPair,
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
import type { PollTier, QueryRow, RegisterName, SettingRow, Value } from "../protocol/types.js";
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

/** Fast poll cycles in a row in which no query gave a value before the UPS is published offline. */
export const REFUSAL_CYCLES_OFFLINE = 5;

/**
 * A kind distrusted since `Q` contradicted it is trusted again after this long without one of its
 * alerts: some models leave `Q` bits unreported (PROTOCOL-NOTES "Registers"), and `#`, which
 * repeats every 5 h, must not stay unpublished for good because such a `Q` said nothing of it.
 */
export const DISTRUST_QUIET_MS = 5 * 60_000;
/** Alerts re-read one register at most this often; alerts in between wait for that read. */
export const REREAD_MIN_INTERVAL_MS = 1000;
/** `|` re-reads every setting: at most this often. */
export const SETTINGS_REREAD_MIN_INTERVAL_MS = 10_000;
/**
 * Events published per alert kind and EVENT_WINDOW_MS: REPEAT_LIMIT for a kind repeating without
 * its opposite in between (`!` again before `$`; every `|`, `#`, `&`, `*`), EVENT_LIMIT in all
 * (a flapping line alternates `!` and `$`, each a real transition). Alerts beyond them still
 * update the state; they are counted and logged, not published.
 */
export const REPEAT_LIMIT = 5;
export const EVENT_LIMIT = 60;
export const EVENT_WINDOW_MS = 60_000;

/** An alert waiting for a read of its register sent after it (noted as `seen`) before it is published. */
interface Unconfirmed {
  readonly alert: AlertEvent;
  readonly seen: number;
}

export class UpsModel extends TypedEmitter<UpsModelEvents> {
  readonly store = new StateStore<KeyId>();
  private capabilities: Capabilities | null = null;
  private keySpecs: KeySpec[] = [];
  private readonly timers = new Timers();
  private readonly unsubscribe: (() => void)[] = [];
  private running = false;
  private online = false;
  /** Queries that gave a value (a reply in the query's format): the UPS is answering. */
  private answers = 0;
  /** Fast poll cycles in a row without one. */
  private refusalCycles = 0;
  /** The link is up but the UPS only refuses: published as offline. */
  private refusing = false;
  private generation = 0;
  private testUntil = 0;
  /** Alerts seen so far, and the alert count at which each query was last made stale by one. */
  private alertSeq = 0;
  private readonly staleAt = new Map<QueryId | SettingId, number>();
  private readonly log: Logger;
  private readonly slowRereadQueued = { value: false };
  private lastSlowReread = Number.NEGATIVE_INFINITY;
  private slowRereadTimer: (() => void) | null = null;
  /**
   * Queries alerts asked to re-read, not yet read. One drain reads them one by one: a burst of
   * alerts (or an alert inside every reply) re-reads each register once more, instead of starting
   * one re-read per alert, each of whose replies can carry another alert (unbounded growth).
   */
  private readonly alertRereads = new Set<QueryId | SettingId>();
  private alertRereadRunning = false;
  /** When each register was last re-read for an alert (Date.now()). */
  private readonly lastReread = new Map<QueryId | SettingId, number>();
  /** The timer that resumes the drain when every queued register was re-read too recently. */
  private drainWake: (() => void) | null = null;
  /**
   * The last published alert that patched a register, until a read of that register sent after it
   * says whether the register agrees.
   */
  private verdict: { readonly event: EventId; readonly seen: number } | null = null;
  /**
   * Alert kinds that a fresh read of their register contradicted, with when one was last seen:
   * published again only once the register confirms one, or after DISTRUST_QUIET_MS without any.
   */
  private readonly distrusted = new Map<EventId, number>();
  /** Suspect or distrusted alerts awaiting their register, the earliest of each kind. */
  private readonly unconfirmed = new Map<EventId, Unconfirmed>();
  private readonly eventWindows = new Map<
    EventId,
    { start: number; count: number; repeats: number; dropped: number }
  >();
  /** The last event published of each pair of opposites (`line`: `line_fail` or its return). */
  private readonly lastOfPair = new Map<EventPair, EventId>();

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

  /** The link is up (commands are accepted and passed to the UPS). */
  get isOnline(): boolean {
    return this.online;
  }

  /** What `<ups>/availability` says: the link is up and the UPS gives values, not only refusals. */
  get isAvailable(): boolean {
    return this.online && !this.refusing;
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
        this.refusing = false;
        this.refusalCycles = 0;
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
      // A new connection starts with a clean slate: the cable may have been fixed.
      this.verdict = null;
      this.distrusted.clear();
      this.unconfirmed.clear();
      const wasAvailable = !this.refusing;
      this.refusing = false;
      this.refusalCycles = 0;
      if (wasAvailable) this.emit("availability", false);
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
      const answersBefore = this.answers;
      for (const tier of tiers) await this.readTier(tier, generation, "poll");
      if (generation !== this.generation || !this.running) return;
      if (tiers.includes("fast")) this.countRefusals(this.answers > answersBefore);
      this.schedule(tick, Math.max(0, periodMs - (Date.now() - started)));
    };
    this.schedule(tick, periodMs);
  }

  private schedule(fn: () => Promise<void>, ms: number): () => void {
    return this.timers.after(ms, () => void fn());
  }

  private clearTimers(): void {
    this.timers.clearAll();
    this.drainWake = null;
    if (this.slowRereadTimer !== null) {
      this.slowRereadTimer = null;
      this.slowRereadQueued.value = false;
    }
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
    // The link returns only replies in the query's format (`NA` and `SM` are thrown).
    this.noteAnswer();
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
    if (row.register !== null) this.judgeAlerts(row.register, seqAtStart);
  }

  /** A query gave a value: the UPS is answering (again). */
  private noteAnswer(): void {
    this.answers++;
    this.refusalCycles = 0;
    if (!this.refusing) return;
    this.refusing = false;
    this.log.info("the UPS answers queries again; availability online");
    this.emit("availability", true);
  }

  /**
   * After a fast poll cycle: one that got no value at all (every query refused with `NA`/`SM`, or
   * garbled) counts towards REFUSAL_CYCLES_OFFLINE, unless the unit is asleep or off, when
   * refusals are what it should answer. A UPS that falls silent is the link's to report: it counts
   * timeouts and goes offline after a few.
   */
  private countRefusals(answered: boolean): void {
    if (answered || this.refusing || this.rowsOfTier("fast").length === 0) return;
    const power = this.store.get("power_state");
    if (power === "sleep" || power === "off") {
      this.refusalCycles = 0;
      return;
    }
    this.refusalCycles++;
    if (this.refusalCycles < REFUSAL_CYCLES_OFFLINE) return;
    this.refusing = true;
    this.log.warn(
      { cycles: this.refusalCycles },
      "the UPS refuses every query (NA or SM): its values are no longer current, so it is published offline until it answers again; check that it is not in a test, calibration or service mode, and its cable",
    );
    this.emit("availability", false);
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
   * registers it concerns are re-read ahead of polls to confirm. Not so for a return alert without
   * the state it returns from (line noise, PROTOCOL-NOTES: `$` comes only after `!`, `+` after
   * `%`), nor for a suspect or distrusted one: that waits for its register (`confirmFirst`).
   */
  private handleAlert(alert: AlertEvent): void {
    const seen = ++this.alertSeq;
    const row = eventById(alert.event);
    if (!alert.suspect && this.verdict?.event === alert.event) {
      // Again before a read of its register sent after the first said anything (a unit repeats
      // `!`, or puts it inside the re-read's own reply): that read covers it. Nothing is made
      // stale, so the reply this alert arrived in still counts.
      this.log.debug(
        { event: alert.event },
        "alert repeated before its register was re-read; covered by that read",
      );
      return;
    }
    if (row.returnFrom !== null && !this.bitSet(row.returnFrom.register, row.returnFrom.bit)) {
      const register = REGISTER_MAP[row.returnFrom.register].query;
      this.log.info(
        { event: alert.event, status: this.store.get(register) ?? null },
        "a return alert without the state it returns from (line noise?): not published; its register re-read",
      );
      this.requestRereads([register]);
      return;
    }
    if (alert.suspect || this.isDistrusted(alert.event)) {
      this.confirmFirst(alert, seen);
      return;
    }
    this.publishAlertEvent(alert);
    if (!this.online) return;
    for (const id of row.reread) this.staleAt.set(id, seen);
    // The alert says what a register now holds: patch the stored value so everything derived from
    // it (bits, power_state, shutdown_recommended) changes now and stays consistent until the
    // re-read below confirms it.
    if (row.patch !== null) {
      const registerRow = readableRow(REGISTER_MAP[row.patch.register].query);
      const byte = this.registerByte(row.patch.register);
      if (byte !== null) {
        const { set, clear } = patchMasks(row.patch);
        this.apply(registerRow, formatHexByte((byte | set) & ~clear));
      }
      // The latest alert decides what the register should show; an earlier one it supersedes is
      // not judged.
      this.verdict = { event: alert.event, seen };
    }
    this.updateShutdownRecommended();
    this.requestRereads(row.reread);
  }

  /** Whether an alert kind is distrusted now; seeing one keeps it so for DISTRUST_QUIET_MS more. */
  private isDistrusted(event: EventId): boolean {
    const lastSeen = this.distrusted.get(event);
    if (lastSeen === undefined) return false;
    const now = Date.now();
    if (now - lastSeen >= DISTRUST_QUIET_MS) {
      this.distrusted.delete(event);
      return false;
    }
    this.distrusted.set(event, now);
    return true;
  }

  /**
   * Whether a bit is set in the stored register: from the last poll or re-read, or from the alert
   * that set it (which patched the register).
   */
  private bitSet(register: RegisterName, bit: BitId): boolean {
    const byte = this.registerByte(register);
    const mask = patchMasks({ register, set: [bit], clear: [] }).set;
    return byte !== null && mask !== 0 && (byte & mask) !== 0;
  }

  /** The stored value of a register as a byte; null while unknown. */
  private registerByte(register: RegisterName): number | null {
    const stored = this.store.get(REGISTER_MAP[register].query);
    const byte = typeof stored === "string" ? Number.parseInt(stored, 16) : Number.NaN;
    return Number.isNaN(byte) ? null : byte;
  }

  /** Re-reads for alerts: queries through the rate-limited drain, settings as one slow-tier read. */
  private requestRereads(ids: readonly (QueryId | SettingId)[]): void {
    if (!this.online) return;
    let settings = false;
    for (const id of ids) {
      if (readableRow(id).kind === "setting") settings = true;
      else this.alertRereads.add(id);
    }
    void this.drainAlertRereads();
    if (settings) this.rereadSettings();
  }

  /**
   * `|` arrives about 5 s after an edit; one read of the slow tier covers a burst of them, and
   * a unit that sends `|` all the time gets one every SETTINGS_REREAD_MIN_INTERVAL_MS.
   */
  private rereadSettings(): void {
    if (this.slowRereadQueued.value) return;
    this.slowRereadQueued.value = true;
    const wait = Math.max(0, this.lastSlowReread + SETTINGS_REREAD_MIN_INTERVAL_MS - Date.now());
    const generation = this.generation;
    const run = async (): Promise<void> => {
      this.slowRereadTimer = null;
      if (generation !== this.generation || !this.running) {
        this.slowRereadQueued.value = false;
        return;
      }
      this.lastSlowReread = Date.now();
      await this.refresh("slow").finally(() => {
        this.slowRereadQueued.value = false;
      });
    };
    if (wait === 0) void run();
    else this.slowRereadTimer = this.schedule(run, wait);
  }

  /** Publishes an alert's event within the limits of REPEAT_LIMIT and EVENT_LIMIT. */
  private publishAlertEvent(alert: AlertEvent): void {
    const now = Date.now();
    let window = this.eventWindows.get(alert.event);
    if (window === undefined || now - window.start >= EVENT_WINDOW_MS) {
      if (window !== undefined && window.dropped > 0) {
        this.log.warn(
          { event: alert.event, dropped: window.dropped },
          "alerts of this kind beyond the rate limit were not published as events",
        );
      }
      window = { start: now, count: 0, repeats: 0, dropped: 0 };
      this.eventWindows.set(alert.event, window);
    }
    const pair = eventById(alert.event).pair;
    // A kind without an opposite counts as repeating every time.
    const repeat = pair === null || this.lastOfPair.get(pair) === alert.event;
    if (window.count >= EVENT_LIMIT || (repeat && window.repeats >= REPEAT_LIMIT)) {
      if (window.dropped === 0) {
        this.log.warn(
          {
            event: alert.event,
            repeatLimit: REPEAT_LIMIT,
            limit: EVENT_LIMIT,
            windowS: EVENT_WINDOW_MS / 1000,
          },
          "too many alerts of one kind: further ones update the state but are not published as events until the window ends",
        );
      }
      window.dropped++;
      return;
    }
    window.count++;
    if (repeat) window.repeats++;
    if (pair !== null) this.lastOfPair.set(pair, alert.event);
    this.emitAlertEvent(alert);
  }

  private emitAlertEvent(alert: AlertEvent): void {
    const extra: Record<string, Value> = { alert: String.fromCharCode(alert.byte) };
    if (eventById(alert.event).transfer) extra.test = this.testInduced();
    this.emit("event", { event_type: alert.event, at: alert.at.toISOString(), ...extra });
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
    if (!this.unconfirmed.has(alert.event)) {
      this.log.debug({ event: alert.event }, "alert to confirm against its register before publishing");
      this.unconfirmed.set(alert.event, { alert, seen });
    }
    this.requestRereads([REGISTER_MAP[row.patch.register].query]);
  }

  /** A reading of `register` from a read started at alert count `seqAtStart`: the alerts it can judge. */
  private judgeAlerts(register: RegisterName, seqAtStart: number): void {
    const byte = this.registerByte(register);
    if (byte === null) return;
    const query = REGISTER_MAP[register].query;
    const verdict = this.verdict;
    if (verdict !== null && seqAtStart >= verdict.seen && patchRegister(verdict.event) === register) {
      this.verdict = null;
      if (!agrees(byte, verdict.event)) {
        this.distrusted.set(verdict.event, Date.now());
        this.log.warn(
          { event: verdict.event, status: this.store.get(query) ?? null },
          "the status register contradicts this alert: further alerts of this kind are published only when it confirms them",
        );
      }
    }
    for (const [event, pending] of this.unconfirmed) {
      if (seqAtStart < pending.seen || patchRegister(event) !== register) continue;
      this.unconfirmed.delete(event);
      if (!agrees(byte, event)) {
        // Line noise is rare enough to say so; a distrusted kind repeats, and was reported once.
        this.log[pending.alert.suspect ? "info" : "debug"](
          { event, status: this.store.get(query) ?? null },
          "an alert was not confirmed by its register; ignored",
        );
        continue;
      }
      this.distrusted.delete(event);
      this.publishAlertEvent(pending.alert);
      this.requestRereads(eventById(event).reread.filter((id) => id !== query));
    }
  }

  private async drainAlertRereads(): Promise<void> {
    if (this.alertRereadRunning) return;
    this.alertRereadRunning = true;
    try {
      for (;;) {
        if (!this.online || !this.running) {
          this.alertRereads.clear();
          return;
        }
        const now = Date.now();
        const due = [...this.alertRereads].find(
          (id) => now - (this.lastReread.get(id) ?? Number.NEGATIVE_INFINITY) >= REREAD_MIN_INTERVAL_MS,
        );
        if (due === undefined) {
          this.wakeDrainLater(now);
          return;
        }
        this.alertRereads.delete(due);
        this.lastReread.set(due, now);
        await this.reread([due]);
      }
    } finally {
      this.alertRereadRunning = false;
    }
  }

  /** Every queued register was re-read less than REREAD_MIN_INTERVAL_MS ago: resume when one is due. */
  private wakeDrainLater(now: number): void {
    if (this.drainWake !== null || this.alertRereads.size === 0) return;
    let at = Number.POSITIVE_INFINITY;
    for (const id of this.alertRereads)
      at = Math.min(at, (this.lastReread.get(id) ?? now) + REREAD_MIN_INTERVAL_MS);
    this.drainWake = this.schedule(
      async () => {
        this.drainWake = null;
        await this.drainAlertRereads();
      },
      Math.max(0, at - now),
    );
  }
}

/** The register an alert patches; null for one that says nothing certain of a register. */
function patchRegister(event: EventId): RegisterName | null {
  return eventById(event).patch?.register ?? null;
}

/** Whether a register byte shows what the alert says it should. */
function agrees(byte: number, event: EventId): boolean {
  const patch = eventById(event).patch;
  if (patch === null) return true;
  const { set, clear } = patchMasks(patch);
  return (byte & set) === set && (byte & clear) === 0;
}

/** Settings are read with the slow tier. */
function rowTier(row: QueryRow | SettingRow): PollTier {
  return row.kind === "setting" ? "slow" : row.tier;
}

function describe(error: unknown): string {
  if (isUpsLinkError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export type { KeySpec };
