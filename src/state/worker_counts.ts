/**
 * Task counts per worker as Flower's dashboard shows them (`state.counter`): processed counts
 * `task-received` events, the others their own event type. Fed one event at a time, O(1).
 */
import type { CeleryEvent } from "./types.ts";

/** One worker's counts since Stalk started. */
export interface WorkerCounts {
  processed: number;
  succeeded: number;
  failed: number;
  retried: number;
}

const FIELD: Record<string, keyof WorkerCounts> = {
  "task-received": "processed",
  "task-succeeded": "succeeded",
  "task-failed": "failed",
  "task-retried": "retried",
};

const ZERO: Readonly<WorkerCounts> = Object.freeze({
  processed: 0,
  succeeded: 0,
  failed: 0,
  retried: 0,
});

/** Counts per worker hostname, at most `capacity` workers (the oldest-seen dropped beyond). */
export class WorkerCountTable {
  readonly #counts = new Map<string, WorkerCounts>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = Math.max(1, capacity);
  }

  /** Counts one event if it is one of the four counted types. */
  observe(event: CeleryEvent): void {
    const field = FIELD[event.type];
    if (field === undefined) return;
    let counts = this.#counts.get(event.hostname);
    if (!counts) {
      if (this.#counts.size >= this.#capacity) {
        this.#counts.delete(this.#counts.keys().next().value!);
      }
      counts = { processed: 0, succeeded: 0, failed: 0, retried: 0 };
      this.#counts.set(event.hostname, counts);
    }
    counts[field]++;
  }

  /** The counts of `hostname`; zeros for a worker without counted events. */
  get(hostname: string): WorkerCounts {
    return this.#counts.get(hostname) ?? ZERO;
  }
}
