// Whether an alert is taken at its word (issue 17). An alert that patches a register is judged by
// the next read of that register sent after it; a kind that read contradicted is distrusted: its
// next alerts wait for their register to confirm them (as suspect alerts, which came with line
// noise, always do) until one is confirmed or DISTRUST_QUIET_MS pass without one. No I/O here: the
// model feeds it alerts and register readings and publishes what it confirms.
import type { Logger } from "../log.js";
import { type EventId, eventById } from "../protocol/catalogue/index.js";
import { patchMasks } from "../protocol/decoders.js";
import type { RegisterName, Value } from "../protocol/types.js";
import type { AlertEvent } from "./link.js";

/**
 * A kind distrusted since `Q` contradicted it is trusted again after this long without one of its
 * alerts: some models leave `Q` bits unreported (PROTOCOL-NOTES "Registers"), and `#`, which
 * repeats every 5 h, must not stay unpublished for good because such a `Q` said nothing of it.
 */
export const DISTRUST_QUIET_MS = 5 * 60_000;

/** An alert waiting for a read of its register sent after it (noted as `seen`) before it is published. */
interface Unconfirmed {
  readonly alert: AlertEvent;
  readonly seen: number;
}

export class AlertTrust {
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

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new connection starts with a clean slate: the cable may have been fixed. */
  reset(): void {
    this.verdict = null;
    this.distrusted.clear();
    this.unconfirmed.clear();
  }

  /** Whether a published alert of this kind still waits for its register's verdict. */
  awaitsVerdict(event: EventId): boolean {
    return this.verdict?.event === event;
  }

  /**
   * A published alert patched its register at alert count `seen`: the next read of the register
   * sent after it judges it. The latest alert decides; an earlier one it supersedes is not judged.
   */
  expectVerdict(event: EventId, seen: number): void {
    this.verdict = { event, seen };
  }

  /** Whether an alert kind is distrusted now; seeing one keeps it so for DISTRUST_QUIET_MS more. */
  isDistrusted(event: EventId): boolean {
    const lastSeen = this.distrusted.get(event);
    if (lastSeen === undefined) return false;
    const now = this.now();
    if (now - lastSeen >= DISTRUST_QUIET_MS) {
      this.distrusted.delete(event);
      return false;
    }
    this.distrusted.set(event, now);
    return true;
  }

  /** Holds an alert until its register confirms it; the earliest of each kind is kept. */
  hold(alert: AlertEvent, seen: number): void {
    if (this.unconfirmed.has(alert.event)) return;
    this.log.debug({ event: alert.event }, "alert to confirm against its register before publishing");
    this.unconfirmed.set(alert.event, { alert, seen });
  }

  /**
   * A reading of `register` (`byte`; `status` as stored, for the log) from a read started at alert
   * count `seqAtStart`: judges the alerts it can. Returns the held alerts it confirmed, to publish.
   */
  judge(register: RegisterName, byte: number, status: Value | undefined, seqAtStart: number): AlertEvent[] {
    const verdict = this.verdict;
    if (verdict !== null && seqAtStart >= verdict.seen && patchRegister(verdict.event) === register) {
      this.verdict = null;
      if (!agrees(byte, verdict.event)) {
        this.distrusted.set(verdict.event, this.now());
        this.log.warn(
          { event: verdict.event, status: status ?? null },
          "the status register contradicts this alert: further alerts of this kind are published only when it confirms them",
        );
      }
    }
    const confirmed: AlertEvent[] = [];
    for (const [event, pending] of this.unconfirmed) {
      if (seqAtStart < pending.seen || patchRegister(event) !== register) continue;
      this.unconfirmed.delete(event);
      if (!agrees(byte, event)) {
        // Line noise is rare enough to say so; a distrusted kind repeats, and was reported once.
        this.log[pending.alert.suspect ? "info" : "debug"](
          { event, status: status ?? null },
          "an alert was not confirmed by its register; ignored",
        );
        continue;
      }
      this.distrusted.delete(event);
      confirmed.push(pending.alert);
    }
    return confirmed;
  }
}

/** The register an alert patches; null for one that says nothing certain of a register. */
function patchRegister(event: EventId): RegisterName | null {
  return eventById(event).patch?.register ?? null;
}

/** Whether a register byte shows what the alert says it should. */
export function agrees(byte: number, event: EventId): boolean {
  const patch = eventById(event).patch;
  if (patch === null) return true;
  const { set, clear } = patchMasks(patch);
  return (byte & set) === set && (byte & clear) === 0;
}
