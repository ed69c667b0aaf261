// The UPS's published state: one value per key (query, feedback, status bit, setting, derived),
// `null` while unknown. Knows nothing of MQTT: the bridge turns changes into retained topics.
import type { Value } from "../protocol/types.js";

export type ChangeListener<K extends string = string> = (key: K, value: Value) => void;

/** Values by key; `K` is the key vocabulary (the catalogue's `KeyId` in the bridge). */
export class StateStore<K extends string = string> {
  private readonly values = new Map<K, Value>();
  private readonly listeners = new Set<ChangeListener<K>>();

  /** Declares the keys this UPS supports; each starts as `null` (unknown) unless already known. */
  declare(keys: Iterable<K>): void {
    for (const key of keys) if (!this.values.has(key)) this.values.set(key, null);
  }

  /** Forgets keys that are no longer supported (their topics are cleared by the bridge). */
  retain(keys: ReadonlySet<K>): K[] {
    const removed: K[] = [];
    for (const key of this.values.keys()) {
      if (!keys.has(key)) {
        this.values.delete(key);
        removed.push(key);
      }
    }
    return removed;
  }

  /** Sets a value; listeners hear only real changes. Returns whether it changed. */
  set(key: K, value: Value): boolean {
    const previous = this.values.get(key);
    if (previous !== undefined && sameValue(previous, value)) return false;
    this.values.set(key, value);
    for (const listener of this.listeners) listener(key, value);
    return true;
  }

  get(key: K): Value | undefined {
    return this.values.get(key);
  }

  has(key: K): boolean {
    return this.values.has(key);
  }

  keys(): K[] {
    return [...this.values.keys()];
  }

  /** Every key and value, for the `state` JSON. */
  snapshot(): { [key: string]: Value } {
    return Object.fromEntries(this.values);
  }

  onChange(listener: ChangeListener<K>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
