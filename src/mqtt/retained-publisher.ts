// Retained topics that always end at their latest value. A caller says what a topic should hold
// (`set`); at most one publication per topic is in flight, and when the wanted value changed (or a
// republish was asked for) while it was, the latest value goes out again once it is acknowledged.
// So the last publication on every topic carries the value wanted last, whatever the round-trip
// time and however publications, changes and republishes interleave; a burst of changes while one
// is in flight costs one more publication, not one each.
//
// Knows nothing of what the values mean: the caller decides which topics a republish covers.

/** How a publication is made: resolves once acknowledged, rejects when it cannot be made. */
export type PublishRetained = (topic: string, payload: string) => Promise<void>;

interface TopicSlot {
  /** The value the topic should hold. */
  wanted: string;
  /** Whether `wanted` must still be published (a change, or a republish asked for). */
  due: boolean;
  /** Callers waiting until a publication of their value (or a later one) is acknowledged. */
  waiters: (() => void)[];
}

export class RetainedPublisher {
  /** Topics with a publication in flight or due; a settled topic has no slot. */
  private readonly slots = new Map<string, TopicSlot>();

  constructor(
    private readonly publish: PublishRetained,
    private readonly onError: (topic: string, error: unknown) => void,
  ) {}

  /**
   * The topic should hold `payload`. Resolves when a publication of it, or of a value wanted later,
   * is acknowledged (or failed: `onError` has it). A value equal to the one in flight needs no
   * second publication, unless `force`d: a republish asked for after that publication started.
   */
  set(topic: string, payload: string, force = false): Promise<void> {
    const slot = this.slots.get(topic);
    if (slot !== undefined) {
      // A publication is in flight: note what is wanted; it goes out when that one is acknowledged.
      if (force || payload !== slot.wanted) slot.due = true;
      slot.wanted = payload;
      return new Promise((resolve) => slot.waiters.push(resolve));
    }
    return new Promise((resolve) => {
      const fresh: TopicSlot = { wanted: payload, due: true, waiters: [resolve] };
      this.slots.set(topic, fresh);
      void this.drain(topic, fresh);
    });
  }

  /** Publications in flight or due (for tests and a stop that waits for them). */
  get busy(): number {
    return this.slots.size;
  }

  private async drain(topic: string, slot: TopicSlot): Promise<void> {
    while (slot.due) {
      slot.due = false;
      const payload = slot.wanted;
      // Whoever waits now is answered by this publication; later callers wait for the next one.
      const waiters = slot.waiters.splice(0);
      try {
        await this.publish(topic, payload);
      } catch (error) {
        // Not published: the broker keeps what it had; a newer value or a republish tries again.
        this.onError(topic, error);
      }
      for (const waiter of waiters) waiter();
    }
    // Callers who came while the last publication was in flight asked for its value (else it
    // would be due again): it answers them too.
    for (const waiter of slot.waiters.splice(0)) waiter();
    this.slots.delete(topic);
  }
}
