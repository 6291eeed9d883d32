/**
 * The result backend seen from Stalk: one interface, one implementation per kind (`redis.ts`,
 * `rpc.ts`, `memcached.ts`, `database.ts`). Routes and services use only this. The network
 * clients sit behind ports: `redis_client.ts` (over `createRedisClient`, the one Redis client
 * factory, in `src/broker/redis_connection.ts`) and `memcached_client.ts`.
 */
import type { TaskOutcome } from "../celery/task_result.ts";
import { StalkError } from "../errors.ts";

/** What a wait ended with: `ready` is false when the time ran out first. */
export interface WaitResult {
  ready: boolean;
  outcome: TaskOutcome;
}

/** Listening for one task's result; opened before the task is published, so none is missed. */
export interface ResultWatch {
  /**
   * Resolves with the task's outcome once it is ready, or after `timeoutMs` with the latest
   * state known. Throws `StalkError("unavailable")` when the backend cannot be read.
   */
  wait(timeoutMs: number): Promise<WaitResult>;
  /** Stops listening. Safe to call more than once. */
  close(): void;
}

/** Where Celery workers store task results, as Stalk reads (and, for abort, writes) them. */
export interface ResultBackend {
  readonly kind: "redis" | "rpc" | "memcached" | "database";
  /** The `reply_to` to put on published tasks, when this backend needs its own (rpc://). */
  readonly replyTo?: string;
  /** The task's current state; PENDING when nothing is stored. Throws 503 when unreachable. */
  get(taskId: string): Promise<TaskOutcome>;
  /** Starts listening for the task's result. Throws 503 when unreachable. */
  watch(taskId: string): Promise<ResultWatch>;
  /**
   * Marks the task ABORTED as Celery's `AbortableAsyncResult.abort()` does (not after SUCCESS).
   * Throws 503 when unreachable, 501 when the backend cannot store states.
   */
  abort(taskId: string): Promise<void>;
  /** Closes connections; the backend is unusable afterwards. */
  close(): Promise<void>;
}

/** The 503 every backend throws when it cannot be reached. */
export function backendUnavailable(reason: string, cause?: unknown): StalkError {
  return new StalkError("unavailable", `Result backend unavailable: ${reason}`, { cause });
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
