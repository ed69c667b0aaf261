// The request queue: one job on the wire at a time, `user` jobs ahead of `poll` jobs, first in first
// out within a priority (zigbee-herdsman's one-at-a-time mutex, with two lanes).

export type Priority = "user" | "poll";

export interface QueuedJob<T = unknown> {
  readonly priority: Priority;
  readonly run: () => Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
}

export class RequestQueue {
  readonly #lanes: Record<Priority, QueuedJob[]> = { user: [], poll: [] };

  get size(): number {
    return this.#lanes.user.length + this.#lanes.poll.length;
  }

  push<T>(job: QueuedJob<T>): void {
    this.#lanes[job.priority].push(job as QueuedJob);
  }

  /** The next job: the oldest `user` job, else the oldest `poll` job. */
  shift(): QueuedJob | undefined {
    return this.#lanes.user.shift() ?? this.#lanes.poll.shift();
  }

  /** Removes every job, rejecting each with the given error. */
  rejectAll(error: unknown): void {
    const jobs = [...this.#lanes.user, ...this.#lanes.poll];
    this.#lanes.user = [];
    this.#lanes.poll = [];
    for (const job of jobs) job.reject(error);
  }
}
