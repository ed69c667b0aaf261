// A small typed event emitter: listeners are kept in insertion order, removable, and `clear()` lets
// a stopped session or transport drop every listener at once (no leaks).

export class TypedEmitter<Events extends { [E in keyof Events]: (...args: never[]) => void }> {
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
