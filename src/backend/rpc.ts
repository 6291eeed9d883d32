/**
 * Celery's `rpc://` backend (`celery/backends/rpc.py`) from the sender's side: workers publish
 * each state of a task to the queue named in its `reply_to`, with the task id as
 * `correlation_id`. Stalk's queue is its own oid, so only tasks Stalk sent can be read.
 */
import type { ResultMessage, Transport } from "../broker/transport.ts";
import { decodeResult, pendingOutcome, type TaskOutcome } from "../celery/task_result.ts";
import { StalkError } from "../errors.ts";
import { describeError, log } from "../log.ts";
import type { ResultBackend, ResultWatch } from "./backend.ts";
import { Listeners, Watch } from "./_watch.ts";

/** Options for {@linkcode RpcBackend}. */
export interface RpcBackendOptions {
  /** The result queue's name; a random UUID by default, like Celery's `thread_oid`. */
  oid?: string;
  /** Latest outcomes kept, oldest dropped first. */
  maxEntries?: number;
}

const decoder = new TextDecoder();

/** Results of the tasks Stalk published, read from its own reply queue. */
export class RpcBackend implements ResultBackend {
  readonly kind = "rpc" as const;
  readonly replyTo: string;
  readonly #listeners = new Listeners();
  /** The latest outcome per task, in insertion order for eviction. */
  readonly #latest = new Map<string, TaskOutcome>();
  readonly #maxEntries: number;

  constructor(
    transport: Pick<Transport, "kind" | "consumeResults">,
    options: RpcBackendOptions = {},
  ) {
    if (!transport.consumeResults) {
      throw new Error(
        `rpc:// results need a broker that can consume them; the ${transport.kind} transport cannot`,
      );
    }
    this.replyTo = options.oid ?? crypto.randomUUID();
    this.#maxEntries = options.maxEntries ?? 10_000;
    transport.consumeResults(this.replyTo, (message) => this.handle(message));
  }

  /** Takes one message from the result queue. */
  handle(message: ResultMessage): void {
    const text = decoder.decode(message.body);
    let outcome: TaskOutcome;
    try {
      const taskId = message.correlationId || taskIdOf(text);
      if (!taskId) throw new Error("no correlation_id and no task_id");
      outcome = decodeResult(taskId, text);
    } catch (error) {
      log.warn(`Ignoring an unreadable rpc:// result message: ${describeError(error)}`);
      return;
    }
    this.#latest.delete(outcome.taskId);
    this.#latest.set(outcome.taskId, outcome);
    if (this.#latest.size > this.#maxEntries) {
      this.#latest.delete(this.#latest.keys().next().value!);
    }
    this.#listeners.deliver(outcome);
  }

  get(taskId: string): Promise<TaskOutcome> {
    return Promise.resolve(this.#latest.get(taskId) ?? pendingOutcome(taskId));
  }

  watch(taskId: string): Promise<ResultWatch> {
    const watch: Watch = new Watch({
      read: () => this.get(taskId),
      release: (listener) => this.#listeners.remove(taskId, listener),
    });
    this.#listeners.add(taskId, watch.listener);
    return Promise.resolve(watch);
  }

  abort(taskId: string): Promise<void> {
    // Celery's `abort()` raises here too: the rpc backend has nowhere to store a state.
    return Promise.reject(
      new StalkError(
        "not_implemented",
        `Cannot abort '${taskId}': the rpc:// result backend cannot store the ABORTED state; use redis://`,
      ),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function taskIdOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { task_id?: unknown }).task_id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}
