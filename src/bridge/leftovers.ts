// Per-key topics an earlier run left retained (issue 12 item 6): an earlier UPS on the same id, or
// keys this UPS does not have (an old serial stayed on `ups_serial_number` while the new unit's `n`
// never answered). After every connect the bridge reads its retained topics under `<base>/<ups>/`
// back (mqtt/retained-read.ts), and once the UPS's first full read is over it clears, with an empty
// retained message, every per-key topic of a key the current UPS does not have. A key it has but
// that got no value in this run (a query listed in `a` that only answers `NA`) is published with
// what the bridge knows, `null` (CONTRACT.md: unknown is `null`, never an empty payload), instead of
// keeping an earlier unit's value.
//
// Never cleared: the topics the bridge owns (`state`, `availability`, `info`, `pending`, `event`:
// the reserved levels), anything under `command/`, `set/` or `response/` (the read covers one level
// only), the current UPS's keys, and any topic this run has published: the snapshot may be older
// than a value published meanwhile, and that value must stay.
import type { Logger } from "../log.js";
import type { RetainedReader } from "../mqtt/retained-read.js";
import { RESERVED_KEYS } from "../mqtt/topics.js";
import type { BridgeTopics } from "./topics.js";

const RESERVED: ReadonlySet<string> = new Set(RESERVED_KEYS);

/**
 * The topics of `retained` that are per-key topics directly under `prefix` (`<base>/<ups>/`) and
 * that `keep` does not claim, in the order given.
 */
export function leftoverTopics(
  retained: Iterable<string>,
  prefix: string,
  keep: (name: string, topic: string) => boolean,
): string[] {
  const leftovers: string[] = [];
  for (const topic of retained) {
    if (!topic.startsWith(prefix)) continue;
    const name = topic.slice(prefix.length);
    if (name === "" || name.includes("/") || RESERVED.has(name)) continue;
    if (!keep(name, topic)) leftovers.push(topic);
  }
  return leftovers;
}

interface UpsLeftovers {
  readonly topics: BridgeTopics;
  /** The latest read-back not yet acted on. */
  snapshot: ReadonlyMap<string, Buffer> | null;
  /** The keys of the UPS as last discovered; null until its capabilities are known. */
  keys: ReadonlySet<string> | null;
  /** The first full read after the capabilities is over: every key that answered is published. */
  read: boolean;
  /** A read-back is running; `again`: another was asked for meanwhile (a reconnect). */
  reading: boolean;
  again: boolean;
}

export interface LeftoverOptions {
  readonly reader: Pick<RetainedReader, "read">;
  /** Publishes the empty retained message that clears a topic (through the bridge's publisher). */
  readonly clear: (topic: string) => void;
  /** Publishes the value the bridge holds for a key of the UPS that this run has not published. */
  readonly refresh: (ups: string, key: string) => void;
  readonly log: Logger;
}

export class Leftovers {
  private readonly upses = new Map<string, UpsLeftovers>();
  /** Every retained topic this run has published (or cleared): never cleared by a read-back. */
  private readonly published = new Set<string>();
  private stopped = false;

  constructor(private readonly options: LeftoverOptions) {}

  add(ups: string, topics: BridgeTopics): void {
    this.upses.set(ups, { topics, snapshot: null, keys: null, read: false, reading: false, again: false });
  }

  /** The bridge publishes a retained message on `topic` (call it before the publication starts). */
  noteRetained(topic: string): void {
    this.published.add(topic);
  }

  /**
   * The keys the UPS publishes from now on (its capabilities were read; the firmware update topic
   * included when it will be published). Nothing is swept before the first full read is over.
   */
  keysKnown(ups: string, keys: Iterable<string>): void {
    const entry = this.upses.get(ups);
    if (entry === undefined) return;
    entry.keys = new Set(keys);
    entry.read = false;
  }

  /** The first full read after `keysKnown` is over: the read-back can be acted on. */
  firstReadDone(ups: string): void {
    const entry = this.upses.get(ups);
    if (entry === undefined || entry.keys === null) return;
    entry.read = true;
    this.sweep(ups, entry);
  }

  /** Reads every UPS's topics back (after a connect); overlapping requests coalesce. */
  readBackAll(): void {
    for (const [ups, entry] of this.upses) void this.readBack(ups, entry);
  }

  stop(): void {
    this.stopped = true;
  }

  private async readBack(ups: string, entry: UpsLeftovers): Promise<void> {
    if (entry.reading) {
      entry.again = true;
      return;
    }
    entry.reading = true;
    try {
      do {
        entry.again = false;
        const snapshot = await this.options.reader.read(entry.topics.key("+"));
        if (this.stopped) return;
        // Even an incomplete read holds only what the broker did retain: act on what it saw.
        if (snapshot.messages.size > 0) {
          entry.snapshot = snapshot.messages;
          this.sweep(ups, entry);
        }
      } while (entry.again && !this.stopped);
    } finally {
      entry.reading = false;
    }
  }

  private sweep(ups: string, entry: UpsLeftovers): void {
    const { snapshot, keys } = entry;
    if (snapshot === null || keys === null || !entry.read || this.stopped) return;
    entry.snapshot = null;
    const prefix = entry.topics.key("");
    const stale = leftoverTopics(snapshot.keys(), prefix, (_name, topic) => this.published.has(topic));
    if (stale.length === 0) return;
    const names = stale.map((topic) => topic.slice(prefix.length));
    const cleared = names.filter((name) => !keys.has(name));
    const refreshed = names.filter((name) => keys.has(name));
    this.options.log.info(
      { ups, cleared, refreshed },
      "retained topics left by an earlier run: cleared those of keys this UPS does not have, published the current value (null: unknown) of the others",
    );
    for (const name of cleared) this.options.clear(entry.topics.key(name));
    for (const name of refreshed) this.options.refresh(ups, name);
  }
}
