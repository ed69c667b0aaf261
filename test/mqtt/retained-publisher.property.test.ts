// Issue 12 (1): the retained publisher under every interleaving a seeded random schedule makes of
// wanted values, republishes, acknowledgements and failures, on a fake broker that acknowledges in
// any order across topics. Deterministic: each seed replays the same schedule.
import { describe, expect, it } from "vitest";
import { RetainedPublisher } from "../../src/mqtt/retained-publisher.js";

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface InFlight {
  readonly topic: string;
  readonly payload: string;
  settle(ok: boolean): void;
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("RetainedPublisher", () => {
  it("ends every topic at its latest wanted value, one publication in flight per topic (300 schedules)", async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
      const topics = ["a", "b", "c", "d"];
      const inFlight: InFlight[] = [];
      /** What the broker holds per topic: the last acknowledged publication. */
      const broker = new Map<string, string>();
      const errors: string[] = [];
      const publisher = new RetainedPublisher(
        (topic, payload) => {
          // Never two publications of one topic at once: their order on the wire would decide.
          expect(
            inFlight.some((f) => f.topic === topic),
            `seed ${seed}: second publication of ${topic}`,
          ).toBe(false);
          return new Promise<void>((resolve, reject) => {
            inFlight.push({
              topic,
              payload,
              settle: (ok) => {
                if (ok) {
                  broker.set(topic, payload);
                  resolve();
                } else reject(new Error("refused"));
              },
            });
          });
        },
        (topic) => errors.push(topic),
      );
      const wanted = new Map<string, string>();
      const settled: Promise<void>[] = [];
      for (let step = 0; step < 60; step++) {
        const roll = next();
        if (roll < 0.45) {
          const topic = pick(topics);
          const payload = String(Math.floor(next() * 4)); // repeats on purpose: A → B → A
          wanted.set(topic, payload);
          settled.push(publisher.set(topic, payload));
        } else if (roll < 0.55) {
          // A republish of everything (reconnect, Home Assistant birth) with the values now.
          for (const [topic, payload] of wanted) settled.push(publisher.set(topic, payload, true));
        } else if (inFlight.length > 0) {
          // The broker answers some publication, in any order across topics; rarely a failure.
          const index = Math.floor(next() * inFlight.length);
          const [done] = inFlight.splice(index, 1);
          done?.settle(next() > 0.05);
        }
        await flush();
      }
      // Nothing changes any more: the broker answers everything, and every failure is followed by a
      // republish (as the bridge does on the next connect or refresh).
      for (let round = 0; inFlight.length > 0 || publisher.busy > 0 || round === 0; round++) {
        while (inFlight.length > 0) {
          inFlight.shift()?.settle(true);
          await flush();
        }
        if (errors.length > 0) {
          errors.length = 0;
          for (const [topic, payload] of wanted) settled.push(publisher.set(topic, payload, true));
        }
        await flush();
        if (round > 1000) throw new Error(`seed ${seed}: never settles`);
      }
      await Promise.all(settled);
      expect(Object.fromEntries(broker), `seed ${seed}`).toEqual(Object.fromEntries(wanted));
      expect(publisher.busy).toBe(0);
    }
  });

  it("coalesces a burst of changes and republishes into one more publication", async () => {
    const sent: string[] = [];
    const acks: (() => void)[] = [];
    const publisher = new RetainedPublisher(
      (topic, payload) => {
        sent.push(`${topic}=${payload}`);
        return new Promise<void>((resolve) => acks.push(resolve));
      },
      () => {},
    );
    const first = publisher.set("t", "1");
    const later = [publisher.set("t", "2"), publisher.set("t", "3", true), publisher.set("t", "4", true)];
    await flush();
    expect(sent).toEqual(["t=1"]);
    acks.shift()?.();
    await first;
    await flush();
    expect(sent).toEqual(["t=1", "t=4"]);
    acks.shift()?.();
    await Promise.all(later);
    expect(publisher.busy).toBe(0);
    // The value in flight asked for again without `force` needs nothing more; with it, once more.
    const again = publisher.set("t", "5");
    publisher.set("t", "5");
    await flush();
    acks.shift()?.();
    await again;
    expect(sent).toEqual(["t=1", "t=4", "t=5"]);
  });
});
