// The request queue: one job on the wire at a time, `user` jobs ahead of `poll` jobs, first in first
// out within a priority (zigbee-herdsman's one-at-a-time mutex, with two lanes). A job holds the
// line from its first byte to its last: a two-press command or a setting edit is one job.

export type Priority = "user" | "poll";

interface QueuedJob {
  readonly run: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class RequestQueue {
  readonly #lanes: Record<Priority, QueuedJob[]> = { user: [], poll: [] };
  readonly #ready: () => boolean;
  #busy = false;

  /** `ready`: whether jobs may run now (the link is up); queued jobs wait otherwise. */
  constructor(ready: () => boolean) {
    this.#ready = ready;
  }

  /** Jobs waiting, not counting the one running. */
  get size(): number {
    return this.#lanes.user.length + this.#lanes.poll.length;
  }

  /** True while a job runs. */
  get busy(): boolean {
    return this.#busy;
  }

  /** Queues a job; resolves or rejects with it once it has run. */
  run<T>(priority: Priority, job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#lanes[priority].push({ run: job, resolve: resolve as (value: unknown) => void, reject });
      this.pump();
    });
  }

  /** Starts the next job when the line is free and ready (call it when the link comes up). */
  pump(): void {
    if (this.#busy || !this.#ready()) return;
    const job = this.#lanes.user.shift() ?? this.#lanes.poll.shift();
    if (job === undefined) return;
    this.#busy = true;
    job.run().then(
      (value) => this.#finish(() => job.resolve(value)),
      (error: unknown) => this.#finish(() => job.reject(error)),
    );
  }

  /** Removes every waiting job, rejecting each with the given error (the running one finishes on its own). */
  rejectAll(error: unknown): void {
    const jobs = [...this.#lanes.user, ...this.#lanes.poll];
    this.#lanes.user = [];
    this.#lanes.poll = [];
    for (const job of jobs) job.reject(error);
  }

  #finish(settle: () => void): void {
    this.#busy = false;
    settle();
    this.pump();
  }
}
