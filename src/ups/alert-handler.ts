// What an alert byte does to one UPS (issue 17), apart from polling: it exists so that UpsModel
// keeps the reading side (tiers, replies, derived keys) and this the alert side. An alert publishes
// the keys it implies at once (its row's `patch` on the stored register), then re-reads the
// registers it concerns ahead of polls (alert-rereads.ts).
//
// Alerts are trusted, but not blindly: a return alert (`$`, `+`) needs the state it returns from
// (its row's `returnFrom`); an alert kind that a fresh read of the register it patches contradicted
// is confirmed against that register before it is published again (alert-trust.ts); one event per
// transition, a repeat only refreshes the state, and events are limited per kind
// (event-limiter.ts). A unit that puts an alert inside every reply then costs about one extra `Q` a
// second, and its state comes back to what `Q` says.
//
// The alert count kept here orders alerts against reads: a reply to a read sent before an alert
// that made its query stale is dropped (`predates`), and a register read judges the alerts sent
// before it (`judge`).
import type { Logger } from "../log.js";
import {
  eventById,
  type KeyId,
  type QueryId,
  REGISTER_MAP,
  readableRow,
  type SettingId,
  SHUTDOWN_INPUTS,
} from "../protocol/catalogue/index.js";
import { formatHexByte, patchMasks } from "../protocol/decoders.js";
import { escapeBytes } from "../protocol/escape.js";
import type { QueryRow, RegisterName, SettingRow, Value } from "../protocol/types.js";
import type { Timers } from "../util/timers.js";
import { AlertRereads } from "./alert-rereads.js";
import { AlertTrust } from "./alert-trust.js";
import { bitSet, registerByte } from "./derive.js";
import { EventLimiter } from "./event-limiter.js";
import type { EventQueue } from "./event-queue.js";
import type { AlertEvent } from "./link.js";
import type { StateStore } from "./state.js";
import type { TestTransfers } from "./test-transfer.js";

/**
 * A transfer alert's event waits at most this long for the `G` read it triggers (the re-read drain
 * reads it within about a second): its `test` flag comes from that reading, else from whether a
 * commanded test of ours is running (test-transfer.ts).
 */
export const TEST_VERDICT_WAIT_MS = 2500;

/** The register whose bits say on battery and on line. */
export const SHUTDOWN_REGISTER = "Q";

/** What alert handling needs of the model. */
export interface AlertHost {
  readonly store: StateStore<KeyId>;
  /** The model's timers (the re-read drain runs on them). */
  readonly timers: Timers;
  readonly transfers: TestTransfers;
  readonly events: EventQueue;
  /** The link is up. */
  online(): boolean;
  /** Online and running: re-reads may go on. */
  active(): boolean;
  /** A token that changes on every (re)connect and stop. */
  generation(): number;
  isCurrent(generation: number): boolean;
  isSupported(id: QueryId | SettingId): boolean;
  /** Applies one register value and everything derived from it. */
  apply(row: QueryRow | SettingRow, value: Value): void;
  updateShutdownRecommended(): void;
  /** Reads one query now, ahead of polls. */
  read(id: QueryId | SettingId): Promise<void>;
  /** Reads the slow tier now. */
  readSlowTier(): Promise<void>;
}

export class AlertHandler {
  /** Alerts seen so far, and the alert count at which each query was last made stale by one. */
  private alertSeq = 0;
  private readonly staleAt = new Map<QueryId | SettingId, number>();
  /** The alert count of the last alert that patched the status register (`UpsModel.statusFresh`). */
  private statusPatched = 0;
  private readonly trust: AlertTrust;
  private readonly limiter: EventLimiter;
  private readonly rereads: AlertRereads;

  constructor(
    private readonly host: AlertHost,
    private readonly log: Logger,
  ) {
    this.trust = new AlertTrust(log);
    this.limiter = new EventLimiter(log);
    this.rereads = new AlertRereads({
      timers: host.timers,
      active: () => host.active(),
      generation: () => host.generation(),
      isCurrent: (generation) => host.isCurrent(generation),
      read: (id) => host.read(id),
      readSlowTier: () => host.readSlowTier(),
    });
  }

  /** Alerts seen so far: a read notes it when it starts. */
  get seq(): number {
    return this.alertSeq;
  }

  /** The alert count of the last alert that patched the status register. */
  get statusPatchedAt(): number {
    return this.statusPatched;
  }

  /** A reply to a read of `id` started at alert count `seqAtStart` was asked before an alert changed it. */
  predates(id: QueryId | SettingId, seqAtStart: number): boolean {
    return (this.staleAt.get(id) ?? 0) > seqAtStart;
  }

  /** The model cleared its timers: the re-read drain forgets the ones it owned. */
  timersCleared(): void {
    this.rereads.timersCleared();
  }

  /** The link went down: no alert awaits a verdict from this connection's reads. */
  linkLost(): void {
    this.trust.reset();
  }

  /**
   * An alert byte: the event goes out now, the keys it implies are published now, and the
   * registers it concerns are re-read ahead of polls to confirm. Not so for a return alert without
   * the state it returns from (line noise, PROTOCOL-NOTES: `$` comes only after `!`, `+` after
   * `%`), nor for a suspect or distrusted one: that waits for its register (`confirmFirst`).
   */
  handle(alert: AlertEvent): void {
    const { store } = this.host;
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
    if (row.returnFrom !== null && !bitSet(store, row.returnFrom.register, row.returnFrom.bit)) {
      const register = REGISTER_MAP[row.returnFrom.register].query;
      this.log.info(
        { event: alert.event, status: store.get(register) ?? null },
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
    if (row.patch?.set.includes(SHUTDOWN_INPUTS.onBattery)) this.host.transfers.newTransfer();
    this.publishAlertEvent(alert);
    if (!this.host.online()) return;
    for (const id of row.reread) this.staleAt.set(id, seen);
    // The alert says what a register now holds: patch the stored value so everything derived from
    // it (bits, power_state, shutdown_recommended) changes now and stays consistent until the
    // re-read below confirms it.
    if (row.patch !== null) {
      const registerRow = readableRow(REGISTER_MAP[row.patch.register].query);
      const byte = registerByte(store, row.patch.register);
      if (byte !== null) {
        const { set, clear } = patchMasks(row.patch);
        // Before the patch, so nothing that reads the store while it is applied takes it as read.
        if (row.patch.register === SHUTDOWN_REGISTER) this.statusPatched = seen;
        this.host.apply(registerRow, formatHexByte((byte | set) & ~clear));
      }
      this.trust.expectVerdict(alert.event, seen);
    }
    this.host.updateShutdownRecommended();
    this.requestRereads(row.reread);
  }

  /** A reading of `register` from a read started at alert count `seqAtStart`: the alerts it can judge. */
  judge(register: RegisterName, seqAtStart: number): void {
    const { store } = this.host;
    const byte = registerByte(store, register);
    if (byte === null) return;
    this.limiter.observe(register, byte, seqAtStart);
    const query = REGISTER_MAP[register].query;
    for (const alert of this.trust.judge(register, byte, store.get(query), seqAtStart)) {
      this.publishAlertEvent(alert);
      this.requestRereads(eventById(alert.event).reread.filter((id) => id !== query));
    }
  }

  /** Re-reads for alerts: queries through the rate-limited drain, settings as one slow-tier read. */
  private requestRereads(ids: readonly (QueryId | SettingId)[]): void {
    if (!this.host.online()) return;
    this.rereads.request(ids);
  }

  /**
   * Publishes an alert's event if it is a transition, not a repeat, and within the limits
   * (event-limiter.ts). A repeat still refreshes the state: the caller patches and re-reads.
   */
  private publishAlertEvent(alert: AlertEvent): void {
    if (!this.limiter.admit(alert.event, this.alertSeq)) return;
    const { events, transfers } = this.host;
    const event = {
      event_type: alert.event,
      at: alert.at.toISOString(),
      // Escaped: a declared alert can be a control byte (an RT's 0x04 is `\x04`), never raw in JSON.
      alert: escapeBytes([alert.byte]),
    };
    if (!eventById(alert.event).transfer) {
      events.decided(event);
      return;
    }
    const fallback = transfers.running(Date.now());
    if (!this.host.online() || !this.host.isSupported(SHUTDOWN_INPUTS.transferCauseQuery)) {
      events.decided({ ...event, test: fallback });
      return;
    }
    // The stored `G` is the previous transfer's cause: the flag waits (briefly) for the `G` read
    // this alert triggers.
    events.awaitVerdict(event, this.alertSeq, fallback, TEST_VERDICT_WAIT_MS);
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
    if (!this.host.online()) return;
    const row = eventById(alert.event);
    if (row.patch === null) {
      this.log.debug({ event: alert.event }, "suspect alert: re-reading what it concerns, not publishing it");
      this.requestRereads(row.reread);
      return;
    }
    this.trust.hold(alert, seen);
    this.requestRereads([REGISTER_MAP[row.patch.register].query]);
  }
}
