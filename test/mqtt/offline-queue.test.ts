// The bounded offline queue on its own (the connection test drives it through a real broker).
import { describe, expect, it } from "vitest";
import { OfflineQueue, type QueuedPublication } from "../../src/mqtt/offline-queue.js";

const retained = (topic: string, payload: string): QueuedPublication => ({
  topic,
  payload,
  qos: 1,
  retain: true,
});
const event = (payload: string): QueuedPublication => ({
  topic: "b/ups/event",
  payload,
  qos: 1,
  retain: false,
});

function order(queue: OfflineQueue): string[] {
  return queue.take().map((entry) => `${entry.publication.topic}=${String(entry.publication.payload)}`);
}

describe("OfflineQueue", () => {
  it("keeps one value per retained topic, at the place of its last publication", () => {
    const queue = new OfflineQueue(10);
    void queue.add(retained("b/ups/load", "1"));
    void queue.add(event("a"));
    void queue.add(retained("b/ups/state", "s1"));
    void queue.add(retained("b/ups/load", "2"));
    void queue.add(event("b"));
    expect(queue.size).toBe(4);
    expect(order(queue)).toEqual(["b/ups/event=a", "b/ups/state=s1", "b/ups/load=2", "b/ups/event=b"]);
    expect(queue.size).toBe(0);
  });

  it("drops the oldest non-retained publications past the limit, never a retained value", async () => {
    const queue = new OfflineQueue(2);
    const first = queue.add(event("1"));
    void queue.add(retained("b/ups/load", "50"));
    void queue.add(event("2"));
    void queue.add(event("3"));
    void queue.add(event("4"));
    await expect(first).resolves.toBeUndefined(); // dropped: nothing left to wait for
    expect(queue.dropped).toBe(2);
    expect(order(queue)).toEqual(["b/ups/load=50", "b/ups/event=3", "b/ups/event=4"]);
    expect(queue.dropped).toBe(0);
  });

  it("hands the callers of a replaced value to its replacement, and fails everyone on abandon", async () => {
    const queue = new OfflineQueue(5);
    const settled: string[] = [];
    const older = queue.add(retained("b/ups/load", "1")).then(() => settled.push("older"));
    const newer = queue.add(retained("b/ups/load", "2")).then(() => settled.push("newer"));
    const [entry] = queue.take();
    expect(entry?.waiters).toHaveLength(2);
    for (const waiter of entry?.waiters ?? []) waiter.resolve();
    await Promise.all([older, newer]);
    expect(settled.sort()).toEqual(["newer", "older"]);

    const abandoned = queue.add(event("x"));
    queue.abandon(new Error("closed"));
    await expect(abandoned).rejects.toThrow("closed");
    expect(queue.size).toBe(0);
  });
});
