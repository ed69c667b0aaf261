// The order events go out in. A transfer event waits for its `test` verdict: a `G` read started at
// or after its alert decides it, or, if none comes within the wait, the fallback (a commanded test
// of ours was running: test-transfer.ts). Events behind a waiting one wait too, so subscribers see
// them in the order the alerts came.
import type { Value } from "../protocol/types.js";

export type QueuedEvent = Record<string, Value> & { event_type: string; at: string };

/** An event waiting for its `test` verdict, or queued behind one so events keep their order. */
interface PendingEvent {
  readonly event: QueuedEvent;
  /** Alert count at the alert: a `G` read started at or after it decides. Null: decided. */
  seen: number | null;
  /** The verdict if no fresh `G` comes in time. */
  readonly fallback: boolean;
  cancel: (() => void) | null;
}

export class EventQueue {
  private readonly pending: PendingEvent[] = [];

  /**
   * @param emit publishes one event.
   * @param after runs a function after a delay; returns what cancels it (the owner's timers).
   */
  constructor(
    private readonly emit: (event: QueuedEvent) => void,
    private readonly after: (ms: number, fn: () => void) => () => void,
  ) {}

  /** An event already decided: it goes out once those before it have. */
  decided(event: QueuedEvent): void {
    this.push({ event, seen: null, fallback: false, cancel: null });
  }

  /** A transfer event seen at alert count `seen`: decided by a later `G` read, or `fallback` after `waitMs`. */
  awaitVerdict(event: QueuedEvent, seen: number, fallback: boolean, waitMs: number): void {
    const pending: PendingEvent = { event, seen, fallback, cancel: null };
    pending.cancel = this.after(waitMs, () => {
      pending.cancel = null;
      this.settle(pending, pending.fallback);
      this.flush(false);
    });
    this.push(pending);
  }

  /** A `G` reading from a read started at alert count `seqAtStart` decides the events it follows. */
  settleUpTo(test: boolean, seqAtStart: number): void {
    for (const pending of this.pending)
      if (pending.seen !== null && pending.seen <= seqAtStart) this.settle(pending, test);
    this.flush(false);
  }

  /** Emits the decided events in order; `all`: decide what still waits on its fallback first. */
  flush(all: boolean): void {
    while (this.pending.length > 0) {
      const head = this.pending[0] as PendingEvent;
      if (head.seen !== null) {
        if (!all) return;
        this.settle(head, head.fallback);
      }
      this.pending.shift();
      this.emit(head.event);
    }
  }

  private push(pending: PendingEvent): void {
    this.pending.push(pending);
    this.flush(false);
  }

  private settle(pending: PendingEvent, test: boolean): void {
    if (pending.seen === null) return;
    pending.cancel?.();
    pending.cancel = null;
    pending.event.test = test;
    pending.seen = null;
  }
}
