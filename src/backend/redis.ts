/**
 * Celery's Redis result backend (`celery/backends/redis.py`): results under
 * `celery-task-meta-<id>`, each write also PUBLISHed on a channel of the same name. Waiting
 * works as `AsyncResult.get()` does: SUBSCRIBE before the task is sent, GET once, then wait for
 * a ready state on the channel; after a reconnect, GET every watched key again.
 */
import { decodeResult, pendingOutcome, type TaskOutcome } from "../celery/task_result.ts";
import { abortedDocument, RESULT_EXPIRES } from "../celery/aborted_result.ts";
import { StalkError } from "../errors.ts";
import { describeError, log } from "../log.ts";
import { backendUnavailable, type ResultBackend, type ResultWatch } from "./backend.ts";
import { Listeners, Watch } from "./_watch.ts";
import type { RedisPort } from "./redis_client.ts";

interface Subscription {
  done: Promise<void>;
  onMessage: (message: string) => void;
}

/** `celery-task-meta-`: the key and channel prefix of task results. */
export const TASK_KEY_PREFIX = "celery-task-meta-";

/** Results read from (and aborts written to) a Redis result backend. */
export class RedisBackend implements ResultBackend {
  readonly kind = "redis" as const;
  readonly #redis: RedisPort;
  readonly #listeners = new Listeners();
  /** Channel subscriptions in flight or done, shared by concurrent watches of one task. */
  readonly #subscribed = new Map<string, Subscription>();

  constructor(redis: RedisPort) {
    this.#redis = redis;
    redis.onReconnect(() => void this.#rereadWatched());
  }

  async get(taskId: string): Promise<TaskOutcome> {
    let text: string | null;
    try {
      text = await this.#redis.get(TASK_KEY_PREFIX + taskId);
    } catch (error) {
      throw backendUnavailable(describeError(error), error);
    }
    if (text === null) return pendingOutcome(taskId);
    try {
      return decodeResult(taskId, text);
    } catch (error) {
      throw new StalkError(
        "internal",
        `Cannot read the result of '${taskId}': ${describeError(error)}`,
      );
    }
  }

  async watch(taskId: string): Promise<ResultWatch> {
    const watch: Watch = new Watch({
      read: () => this.get(taskId),
      release: (listener) => {
        if (this.#listeners.remove(taskId, listener)) this.#unsubscribe(taskId);
      },
    });
    this.#listeners.add(taskId, watch.listener);
    try {
      await this.#subscribe(taskId);
    } catch (error) {
      watch.close();
      throw backendUnavailable(describeError(error), error);
    }
    return watch;
  }

  async abort(taskId: string): Promise<void> {
    const current = await this.get(taskId);
    // Celery's write guard (`_store_result`): a task that succeeded keeps its result.
    if (current.state === "SUCCESS") return;
    try {
      await this.#redis.setexAndPublish(
        TASK_KEY_PREFIX + taskId,
        RESULT_EXPIRES,
        abortedDocument(taskId),
      );
    } catch (error) {
      throw backendUnavailable(describeError(error), error);
    }
  }

  async close(): Promise<void> {
    await this.#redis.close();
  }

  #subscribe(taskId: string): Promise<void> {
    const existing = this.#subscribed.get(taskId);
    if (existing) return existing.done;
    const onMessage = (message: string) => this.#onMessage(taskId, message);
    const done = this.#redis.subscribe(TASK_KEY_PREFIX + taskId, onMessage);
    const subscription = { done, onMessage };
    this.#subscribed.set(taskId, subscription);
    done.catch(() => {
      if (this.#subscribed.get(taskId) === subscription) this.#subscribed.delete(taskId);
    });
    return done;
  }

  /** Removes this subscription's own listener, so a newer watch of the task keeps its own. */
  #unsubscribe(taskId: string): void {
    const subscription = this.#subscribed.get(taskId);
    if (!subscription) return;
    this.#subscribed.delete(taskId);
    const channel = TASK_KEY_PREFIX + taskId;
    void subscription.done.then(() => this.#redis.unsubscribe(channel, subscription.onMessage))
      .catch(() => {});
  }

  #onMessage(taskId: string, message: string): void {
    try {
      this.#listeners.deliver(decodeResult(taskId, message));
    } catch (error) {
      log.warn(`Ignoring an unreadable result message for '${taskId}': ${describeError(error)}`);
    }
  }

  /** Updates published while the pub/sub connection was down are lost; read them instead. */
  async #rereadWatched(): Promise<void> {
    for (const taskId of this.#listeners.ids()) {
      try {
        const outcome = await this.get(taskId);
        if (outcome.state !== "PENDING") this.#listeners.deliver(outcome);
      } catch (error) {
        log.debug(`Cannot re-read '${taskId}' after reconnecting: ${describeError(error)}`);
      }
    }
  }
}
