/**
 * Reading results from a store that cannot push updates (SQL databases, memcached): every read
 * joins the next batch, so one query serves all the ids asked for at once, and one poll loop
 * re-reads every watched id on a fixed interval while anyone waits. A thousand waiters cost one
 * query per interval, never a thousand.
 */
import { pendingOutcome, type TaskOutcome } from "../celery/task_result.ts";
import { StalkError } from "../errors.ts";
import { describeError, log } from "../log.ts";
import { backendUnavailable, type ResultWatch } from "./backend.ts";
import { Watch } from "./_watch.ts";

/** What a batch read found for one id: its outcome, or why its stored value is unreadable. */
export type BatchRead = TaskOutcome | Error;

/**
 * Reads many task ids in one query; ids with nothing stored are left out of the map. Throws
 * when the store cannot be reached.
 */
export type ReadMany = (taskIds: string[]) => Promise<Map<string, BatchRead>>;

/** Options for {@linkcode PolledResults}. */
export interface PolledResultsOptions {
  /** Time between two polls of the watched ids; Celery's own database backend sleeps 0.5 s. */
  intervalMs?: number;
  /** The most ids in one query; more wait for the next one. */
  maxBatch?: number;
}

interface Pending {
  resolve: (outcome: TaskOutcome) => void;
  reject: (error: unknown) => void;
}

/** The default poll interval: a result shows up within a quarter of a second. */
export const POLL_INTERVAL_MS = 250;

/** Batched reads and one shared poll loop over a {@linkcode ReadMany}. */
export class PolledResults {
  readonly #readMany: ReadMany;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  readonly #pending = new Map<string, Pending[]>();
  readonly #watches = new Map<string, Set<Watch>>();
  #reading = false;
  #timer?: ReturnType<typeof setTimeout>;
  #closed = false;

  constructor(readMany: ReadMany, options: PolledResultsOptions = {}) {
    this.#readMany = readMany;
    this.#intervalMs = options.intervalMs ?? POLL_INTERVAL_MS;
    this.#maxBatch = options.maxBatch ?? 500;
  }

  /** The task's outcome, read in the next batch. Throws 503 when the store is unreachable. */
  get(taskId: string): Promise<TaskOutcome> {
    return new Promise((resolve, reject) => {
      const waiting = this.#pending.get(taskId);
      if (waiting) waiting.push({ resolve, reject });
      else this.#pending.set(taskId, [{ resolve, reject }]);
      if (!this.#reading) queueMicrotask(() => void this.#flush());
    });
  }

  /** Watches the task until the watch closes; the poll loop runs while any watch is open. */
  watch(taskId: string): ResultWatch {
    const watch: Watch = new Watch({
      read: () => this.get(taskId),
      release: () => {
        const set = this.#watches.get(taskId);
        set?.delete(watch);
        if (set?.size === 0) this.#watches.delete(taskId);
      },
    });
    const set = this.#watches.get(taskId);
    if (set) set.add(watch);
    else this.#watches.set(taskId, new Set([watch]));
    this.#schedule();
    return watch;
  }

  /** How many task ids are watched now (for tests and metrics). */
  get watchedIds(): number {
    return this.#watches.size;
  }

  /** Stops polling; reads still pending fail with 503. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const [, waiting] of this.#pending) {
      for (const { reject } of waiting) reject(backendUnavailable("the backend is closed"));
    }
    this.#pending.clear();
  }

  /** Runs batches until nothing is pending; only one query is in flight at a time. */
  async #flush(): Promise<void> {
    if (this.#reading || this.#closed) return;
    this.#reading = true;
    try {
      while (this.#pending.size > 0) {
        const ids = [...this.#pending.keys()].slice(0, this.#maxBatch);
        const batch = ids.map((id) => [id, this.#pending.get(id)!] as const);
        for (const id of ids) this.#pending.delete(id);
        await this.#readBatch(batch);
      }
    } finally {
      this.#reading = false;
    }
  }

  async #readBatch(batch: (readonly [string, Pending[]])[]): Promise<void> {
    let found: Map<string, BatchRead>;
    try {
      found = await this.#readMany(batch.map(([id]) => id));
    } catch (error) {
      const failure = error instanceof StalkError
        ? error
        : backendUnavailable(describeError(error), error);
      for (const [, waiting] of batch) for (const { reject } of waiting) reject(failure);
      return;
    }
    for (const [id, waiting] of batch) {
      const read = found.get(id) ?? pendingOutcome(id);
      for (const { resolve, reject } of waiting) {
        if (read instanceof Error) reject(unreadable(id, read));
        else resolve(read);
      }
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed || this.#watches.size === 0) return;
    this.#timer = setTimeout(() => void this.#poll(), this.#intervalMs);
  }

  /** One round: every watched id in one batch, each outcome handed to its watches. */
  async #poll(): Promise<void> {
    const ids = [...this.#watches.keys()];
    const reads = await Promise.allSettled(ids.map((id) => this.get(id)));
    reads.forEach((read, i) => {
      const watches = this.#watches.get(ids[i]) ?? [];
      if (read.status === "fulfilled") {
        if (read.value.state === "PENDING") return;
        for (const watch of watches) watch.listener(read.value);
      } else if (read.reason instanceof StalkError && read.reason.status === 500) {
        for (const watch of watches) watch.fail(read.reason);
      } else {
        // Unreachable for now: the watch's last read at its deadline reports it.
        log.debug(`Cannot poll the result of '${ids[i]}': ${describeError(read.reason)}`);
      }
    });
    this.#timer = undefined;
    this.#schedule();
  }
}

/**
 * The read side of a backend that polls: `get` and `watch` go through one
 * {@linkcode PolledResults} over the backend's own {@linkcode PolledBackend.readMany}.
 */
export abstract class PolledBackend {
  readonly #results: PolledResults;

  constructor(options: PolledResultsOptions = {}) {
    this.#results = new PolledResults((ids) => this.readMany(ids), options);
  }

  /** Reads many ids in one round trip to the store (see {@linkcode ReadMany}). */
  protected abstract readMany(taskIds: string[]): Promise<Map<string, BatchRead>>;

  /** The task's outcome, read in the next batch. Throws 503 when the store is unreachable. */
  get(taskId: string): Promise<TaskOutcome> {
    return this.#results.get(taskId);
  }

  /** Watches the task until it is ready, re-read by the shared poll loop. */
  watch(taskId: string): Promise<ResultWatch> {
    return Promise.resolve(this.#results.watch(taskId));
  }

  /** Ends the poll loop and fails what still waits. */
  protected stopPolling(): void {
    this.#results.close();
  }
}

/** The 500 for a stored result Stalk cannot read (a pickle naming Python objects, bad JSON). */
export function unreadable(taskId: string, error: unknown): StalkError {
  return new StalkError(
    "internal",
    `Cannot read the result of '${taskId}': ${describeError(error)}`,
    { cause: error },
  );
}
