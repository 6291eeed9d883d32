/**
 * The part of waiting for a result that every backend shares: listeners by task id, and a
 * watch that takes the first READY outcome from either a read or a pushed update.
 */
import { isReady, type TaskOutcome } from "../celery/task_result.ts";
import { delay, type ResultWatch, type WaitResult } from "./backend.ts";

type Listener = (outcome: TaskOutcome) => void;

/** Listeners for pushed outcomes, by task id. */
export class Listeners {
  readonly #byId = new Map<string, Set<Listener>>();

  /** Adds a listener; returns whether it is the first for `taskId`. */
  add(taskId: string, listener: Listener): boolean {
    const set = this.#byId.get(taskId);
    if (set) {
      set.add(listener);
      return false;
    }
    this.#byId.set(taskId, new Set([listener]));
    return true;
  }

  /** Removes a listener; returns whether `taskId` has none left. */
  remove(taskId: string, listener: Listener): boolean {
    const set = this.#byId.get(taskId);
    if (!set) return false;
    set.delete(listener);
    if (set.size > 0) return false;
    this.#byId.delete(taskId);
    return true;
  }

  /** Task ids someone listens for. */
  ids(): string[] {
    return [...this.#byId.keys()];
  }

  /** Hands `outcome` to every listener of its task. */
  deliver(outcome: TaskOutcome): void {
    for (const listener of this.#byId.get(outcome.taskId) ?? []) listener(outcome);
  }
}

/** How a {@linkcode Watch} reads the stored outcome. */
export interface WatchSource {
  /** Reads the current outcome (a GET, or a cache lookup); may throw 503. */
  read(): Promise<TaskOutcome>;
  /** Called once when the watch closes, with its listener. */
  release(listener: Listener): void;
}

/** A watch on one task: register `listener` with the backend before publishing. */
export class Watch implements ResultWatch {
  readonly listener: Listener;
  readonly #source: WatchSource;
  readonly #closed = new AbortController();
  #pushed?: TaskOutcome;
  #onReady?: (outcome: TaskOutcome) => void;
  #onFail?: (error: Error) => void;

  constructor(source: WatchSource) {
    this.#source = source;
    this.listener = (outcome) => {
      if (this.#pushed && isReady(this.#pushed.state)) return;
      this.#pushed = outcome;
      if (isReady(outcome.state)) this.#onReady?.(outcome);
    };
  }

  /**
   * Ends a wait in progress with `error` (a polled backend whose stored result turned out
   * unreadable); without a wait in progress, the next read reports it.
   */
  fail(error: Error): void {
    this.#onFail?.(error);
  }

  async wait(timeoutMs: number): Promise<WaitResult> {
    const read = await this.#source.read();
    if (isReady(read.state)) return { ready: true, outcome: read };
    if (this.#pushed && isReady(this.#pushed.state)) return { ready: true, outcome: this.#pushed };
    if (timeoutMs > 0) {
      const timer = new AbortController();
      const ready = new Promise<TaskOutcome>((resolve, reject) => {
        this.#onReady = resolve;
        this.#onFail = reject;
      });
      let winner: TaskOutcome | void;
      try {
        winner = await Promise.race([
          ready,
          delay(timeoutMs, AbortSignal.any([timer.signal, this.#closed.signal])),
        ]);
      } finally {
        timer.abort();
        this.#onReady = undefined;
        this.#onFail = undefined;
      }
      if (winner) return { ready: true, outcome: winner };
    }
    // Time is up: one more read, in case an update was missed (e.g. during a reconnect).
    const last = timeoutMs > 0 ? await this.#source.read() : read;
    if (isReady(last.state)) return { ready: true, outcome: last };
    return { ready: false, outcome: last.state !== "PENDING" ? last : this.#pushed ?? last };
  }

  close(): void {
    if (this.#closed.signal.aborted) return;
    this.#closed.abort();
    this.#source.release(this.listener);
  }
}
