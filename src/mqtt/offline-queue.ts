// What is published while the broker is away, bounded. A retained topic keeps only its latest
// value (a broker that comes back needs the current state, not its history); every other
// publication (events, responses) is kept in order up to a limit, past which the oldest go and
// are counted. The queue's order is the order of the last publication on each retained topic and
// of every other one, so events keep their order among themselves and with the state they follow.
import type { QoS } from "./connection.js";

export interface QueuedPublication {
  readonly topic: string;
  readonly payload: string | Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties?: { readonly correlationData?: Buffer };
}

/** A queued publication and the callers waiting for it to be sent. */
export interface QueuedEntry {
  readonly publication: QueuedPublication;
  readonly waiters: readonly Waiter[];
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly publication: QueuedPublication;
  readonly waiters: Waiter[];
}

export class OfflineQueue {
  /** Insertion-ordered: a retained topic's slot moves to the end when its value is replaced. */
  private readonly slots = new Map<string, Slot>();
  /** Keys of the non-retained slots, oldest first. */
  private readonly others: string[] = [];
  private sequence = 0;
  private droppedCount = 0;

  /** `limit`: non-retained publications kept (the oldest go first). */
  constructor(readonly limit: number) {}

  /**
   * Queues a publication. The promise resolves once it is sent (a replaced retained value: once its
   * replacement is), also when it was dropped to keep the queue bounded (nothing is left to wait
   * for), and rejects when the queue is abandoned.
   */
  add(publication: QueuedPublication): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject };
      if (publication.retain) {
        const key = `retained:${publication.topic}`;
        const previous = this.slots.get(key);
        this.slots.delete(key);
        this.slots.set(key, { publication, waiters: [...(previous?.waiters ?? []), waiter] });
        return;
      }
      const key = `other:${this.sequence++}`;
      this.slots.set(key, { publication, waiters: [waiter] });
      this.others.push(key);
      while (this.others.length > this.limit) {
        const oldest = this.others.shift();
        if (oldest === undefined) break;
        const slot = this.slots.get(oldest);
        this.slots.delete(oldest);
        this.droppedCount++;
        for (const dropped of slot?.waiters ?? []) dropped.resolve();
      }
    });
  }

  /** Publications waiting (retained topics count once). */
  get size(): number {
    return this.slots.size;
  }

  /** Non-retained publications dropped since the last `take()`. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Everything queued, in order, and an empty queue. */
  take(): QueuedEntry[] {
    const entries = [...this.slots.values()].map((slot) => ({
      publication: slot.publication,
      waiters: slot.waiters,
    }));
    this.slots.clear();
    this.others.length = 0;
    this.droppedCount = 0;
    return entries;
  }

  /** Fails every waiting caller with `error` and empties the queue. */
  abandon(error: Error): void {
    for (const entry of this.take()) for (const waiter of entry.waiters) waiter.reject(error);
  }
}
