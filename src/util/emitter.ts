// The project's one way to notify: a small typed event emitter. Listeners are kept in insertion
// order and removable, and `clearListeners()` lets a stopped owner drop every listener at once (no
// leaks). Unlike Node's EventEmitter, an `error` event has no special meaning: an owner that must
// not lose an error checks `listenerCount("error")` itself.

export type EventMap<Events> = { [E in keyof Events]: (...args: never[]) => void };

export class TypedEmitter<Events extends EventMap<Events>> {
  readonly #listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<E extends keyof Events>(event: E, listener: Events[E]): void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
  }

  off<E extends keyof Events>(event: E, listener: Events[E]): void {
    this.#listeners.get(event)?.delete(listener);
  }

  /** Calls `listener` for the next `event` only; returns a function that cancels it. */
  once<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    const wrapper = ((...args: Parameters<Events[E]>) => {
      this.off(event, wrapper);
      (listener as (...a: Parameters<Events[E]>) => void)(...args);
    }) as Events[E];
    this.on(event, wrapper);
    return () => this.off(event, wrapper);
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  protected emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) (listener as (...a: Parameters<Events[E]>) => void)(...args);
  }

  protected clearListeners(): void {
    this.#listeners.clear();
  }
}
