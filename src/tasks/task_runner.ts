/**
 * Running tasks for the API (Flower's `apply`, `async-apply`, `send-task`, `result`, `abort`):
 * build the message, publish it through the Transport, and read or wait for the result through
 * the ResultBackend. Framework-free: it returns plain data or throws StalkError.
 */
import { hostname } from "node:os";
import process from "node:process";
import { registeredTaskNames } from "../celery/pidbox.ts";
import { buildTaskMessage, type TaskMessage } from "../celery/task_message.ts";
import {
  InvalidTaskRequest,
  resolveRoute,
  type TaskRequest,
  type TaskRoute,
} from "../celery/task_options.ts";
import { isReady, pendingOutcome } from "../celery/task_result.ts";
import {
  buildTaskSentEvent,
  type OutgoingEvent,
  sentEventQueue,
} from "../celery/task_sent_event.ts";
import { badRequest, StalkError } from "../errors.ts";
import { posixUtcOffset } from "../ingest/receiver.ts";
import { describeError, log } from "../log.ts";
import type { ResultBackend, ResultWatch, WaitResult } from "../backend/backend.ts";

/** The broker side: publishes task messages and events (every Transport does). */
export interface TaskPublisher {
  publishTask(message: TaskMessage, route: TaskRoute): Promise<void>;
  publishEvent(event: OutgoingEvent): Promise<void>;
}

/** What the workers say they run: the inspect cache's `registered` lists. */
export interface TaskRegistry {
  all(): Record<string, { registered?: unknown }>;
  refresh(): Promise<void>;
}

/** Options for {@linkcode TaskRunner}. */
export interface TaskRunnerOptions {
  /** Seconds `apply` waits when the request names no timeout (`--apply_timeout`). */
  applyTimeout: number;
  /** The sender's node name; `gen<pid>@<hostname>` by default, as Celery's `anon_nodename`. */
  origin?: string;
  /** Publish `task-sent` after each task (`--task_send_sent_event`); off by default. */
  sendSentEvent?: boolean;
  /** The process's Lamport clock, ticked for each event sent. */
  clock?: () => number;
  now?: () => number;
  newId?: () => string;
}

/** How {@linkcode TaskRunner.send} sends. */
export interface SendOptions {
  /** Refuse (404) a task that no worker lists as registered (`async-apply`; not `send-task`). */
  checkRegistered: boolean;
}

/** A task just sent: its id and the state the backend reports (PENDING without one). */
export interface SentTask {
  taskId: string;
  state: string;
}

/** Sends tasks and reads their results on behalf of the API. */
export class TaskRunner {
  readonly #publisher: TaskPublisher;
  readonly #backend?: ResultBackend;
  readonly #registry: TaskRegistry;
  readonly #options: Required<TaskRunnerOptions>;
  /** Where `rpc://` results go; set even without that backend, as Celery always sets it. */
  readonly #replyTo: string;

  constructor(
    publisher: TaskPublisher,
    backend: ResultBackend | undefined,
    registry: TaskRegistry,
    options: TaskRunnerOptions,
  ) {
    this.#publisher = publisher;
    this.#backend = backend;
    this.#registry = registry;
    this.#options = {
      origin: `gen${process.pid}@${hostname()}`,
      sendSentEvent: false,
      clock: counter(),
      now: Date.now,
      newId: () => crypto.randomUUID(),
      ...options,
    };
    this.#replyTo = backend?.replyTo ?? crypto.randomUUID();
  }

  /** Seconds `apply` waits by default. */
  get applyTimeout(): number {
    return this.#options.applyTimeout;
  }

  /**
   * Publishes task `name` and returns at once (`async-apply`, and `send-task` with
   * `checkRegistered` false). Throws 404 for a task no worker registers, 503 when the broker is
   * down.
   */
  async send(name: string, request: TaskRequest, options: SendOptions): Promise<SentTask> {
    if (options.checkRegistered) await this.requireRegistered(name);
    const message = this.#build(name, request);
    const taskId = message.properties.correlation_id;
    await this.#publish(name, message, request);
    return { taskId, state: await this.#stateAfterSend(taskId) };
  }

  /**
   * Publishes task `name` and waits up to `timeoutSeconds` for its result (`apply`). Returns
   * `ready: false` with the latest state when time runs out. Throws 503 without a backend.
   */
  async apply(
    name: string,
    request: TaskRequest,
    timeoutSeconds = this.applyTimeout,
  ): Promise<WaitResult> {
    const backend = this.requireBackend();
    await this.requireRegistered(name);
    const message = this.#build(name, request);
    // Listen before publishing, so a fast result cannot be missed.
    const watch = await backend.watch(message.properties.correlation_id);
    try {
      await this.#publish(name, message, request);
      return await watch.wait(timeoutSeconds * 1000);
    } finally {
      watch.close();
    }
  }

  /** The task's state now, or after waiting up to `timeoutSeconds` for it to be ready. */
  async result(taskId: string, timeoutSeconds?: number): Promise<WaitResult> {
    const backend = this.requireBackend();
    if (!timeoutSeconds) {
      const outcome = await backend.get(taskId);
      return { ready: isReady(outcome.state), outcome };
    }
    const watch: ResultWatch = await backend.watch(taskId);
    try {
      return await watch.wait(timeoutSeconds * 1000);
    } finally {
      watch.close();
    }
  }

  /** Marks the task ABORTED for an `AbortableTask` to notice. */
  async abort(taskId: string): Promise<void> {
    await this.requireBackend().abort(taskId);
  }

  /** The backend, or a 503 that says one is needed. */
  requireBackend(): ResultBackend {
    if (this.#backend) return this.#backend;
    throw new StalkError(
      "unavailable",
      "No result backend configured: start Stalk with --result_backend (or CELERY_RESULT_BACKEND) to read results",
    );
  }

  /** Throws 404 unless some worker lists `name` among its registered tasks. */
  async requireRegistered(name: string): Promise<void> {
    let lists = this.#registeredLists();
    if (lists.length === 0) {
      await this.#registry.refresh();
      lists = this.#registeredLists();
    }
    const known = lists.some((list) => registeredTaskNames(list).includes(name));
    if (!known) throw new StalkError("not_found", `Unknown task '${name}'`);
  }

  #registeredLists(): unknown[][] {
    return Object.values(this.#registry.all())
      .map((info) => info.registered)
      .filter((list): list is unknown[] => Array.isArray(list));
  }

  /** The message; 400 for options that only turn out unsendable now (a date past year 9999). */
  #build(name: string, request: TaskRequest): TaskMessage {
    try {
      return buildTaskMessage(name, request.args, request.kwargs, request.options, {
        id: this.#options.newId(),
        origin: this.#options.origin,
        replyTo: this.#replyTo,
        now: this.#options.now(),
      });
    } catch (error) {
      if (error instanceof InvalidTaskRequest) throw badRequest(error.message);
      throw error;
    }
  }

  async #publish(name: string, message: TaskMessage, request: TaskRequest): Promise<void> {
    const route = resolveRoute(request.options);
    await this.#publisher.publishTask(message, route);
    log.debug(
      `Sent task ${name}[${message.properties.correlation_id}] to '${route.exchange}'/'${route.routingKey}'`,
    );
    if (this.#options.sendSentEvent) await this.#sendSentEvent(message, route, request);
  }

  /** `task-sent`, as Celery's `send_task_message` publishes it right after the task. */
  async #sendSentEvent(message: TaskMessage, route: TaskRoute, request: TaskRequest) {
    const event = buildTaskSentEvent(message, route, sentEventQueue(request.options), {
      hostname: this.#options.origin,
      pid: process.pid,
      clock: this.#options.clock(),
      utcoffset: posixUtcOffset(),
      timestamp: this.#options.now() / 1000,
    });
    try {
      await this.#publisher.publishEvent(event);
    } catch (error) {
      // The task is already sent; a lost event must not make the caller send it again.
      log.warn(`Cannot send task-sent for '${event.uuid}': ${describeError(error)}`);
    }
  }

  /** The state Flower reports after sending: read from the backend when there is one. */
  async #stateAfterSend(taskId: string): Promise<string> {
    if (!this.#backend) return "PENDING";
    try {
      return (await this.#backend.get(taskId)).state;
    } catch (error) {
      // The task is already sent; a failing read must not make the caller send it again.
      log.debug(`Cannot read the state of '${taskId}' after sending: ${describeError(error)}`);
      return pendingOutcome(taskId).state;
    }
  }
}

/** A Lamport clock of its own, for runners built without the process's clock. */
function counter(): () => number {
  let value = 0;
  return () => ++value;
}
