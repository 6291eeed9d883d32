/**
 * The worker and task control actions of Flower's API, as a service: each resolves its worker
 * (known from events or from inspection, else 404), refuses in read-only mode, sends the
 * command, and turns the worker's reply into a message or a typed error — 403 with the worker's
 * own text when it answers with an error, 504 when it does not answer in time.
 */
import { registeredTaskNames } from "../celery/pidbox.ts";
import { StalkError } from "../errors.ts";
import type { ControlClient } from "./control_client.ts";
import type { Inspector } from "./inspector.ts";

/** What the actions read from the worker-info cache. */
export type WorkerInfoSource = Pick<Inspector, "get" | "refresh">;

/** Options for {@linkcode WorkerControl}. */
export interface WorkerControlOptions {
  readOnly: boolean;
  /** Milliseconds to wait for a worker's reply. */
  timeout: number;
  /** True when events have shown this worker. */
  knownFromEvents: (name: string) => boolean;
}

/** A successful action's response body. */
export interface ControlResult {
  message: string;
}

/** How {@linkcode WorkerControl.revoke} revokes. */
export interface RevokeOptions {
  /** Also kill the task where it runs (Celery's `terminate`). */
  terminate?: boolean;
  /** The signal `terminate` sends; SIGTERM when absent. */
  signal?: string;
}

/** Sends control commands to workers on behalf of the API. */
export class WorkerControl {
  readonly #control: ControlClient;
  readonly #inspector: WorkerInfoSource;
  readonly #options: WorkerControlOptions;

  constructor(control: ControlClient, inspector: WorkerInfoSource, options: WorkerControlOptions) {
    this.#control = control;
    this.#inspector = inspector;
    this.#options = options;
  }

  /** Refuses mutating actions in read-only mode. */
  guardWrite(): void {
    if (this.#options.readOnly) throw new StalkError("forbidden", "Read only mode is enabled");
  }

  /** Throws 404 unless the worker is known from events or inspection. */
  requireWorker(name: string): void {
    if (this.#options.knownFromEvents(name) || this.#inspector.get(name)) return;
    throw new StalkError("not_found", `Unknown worker '${name}'`);
  }

  /** Throws 404 unless `worker` registers `task` (inspecting it first when the cache is cold). */
  async requireTask(worker: string, task: string): Promise<void> {
    let registered = this.#inspector.get(worker)?.registered;
    if (!Array.isArray(registered)) {
      await this.#inspector.refresh(worker, { forced: true });
      registered = this.#inspector.get(worker)?.registered;
    }
    if (!registeredTaskNames(registered).includes(task)) {
      throw new StalkError("not_found", `Unknown task '${task}'`);
    }
  }

  async shutdown(worker: string): Promise<ControlResult> {
    this.#prepare(worker);
    await this.#control.cast("shutdown", {}, { destination: [worker] });
    return { message: "Shutting down!" };
  }

  async poolRestart(worker: string): Promise<ControlResult> {
    await this.#ask(
      worker,
      "pool_restart",
      { reload: false },
      `Failed to restart the '${worker}' pool`,
    );
    return { message: `Restarting '${worker}' worker's pool` };
  }

  async poolGrow(worker: string, n: number): Promise<ControlResult> {
    await this.#ask(worker, "pool_grow", { n }, `Failed to grow '${worker}' worker's pool`);
    return { message: `Growing '${worker}' worker's pool by ${n}` };
  }

  async poolShrink(worker: string, n: number): Promise<ControlResult> {
    await this.#ask(worker, "pool_shrink", { n }, `Failed to shrink '${worker}' worker's pool`);
    return { message: `Shrinking '${worker}' worker's pool by ${n}` };
  }

  async autoscale(worker: string, min: number, max: number): Promise<ControlResult> {
    await this.#ask(worker, "autoscale", { min, max }, `Failed to autoscale '${worker}' worker`);
    return { message: `Autoscaling '${worker}' worker (min=${min}, max=${max})` };
  }

  async addConsumer(worker: string, queue: string): Promise<ControlResult> {
    const ok = await this.#ask(
      worker,
      "add_consumer",
      { queue },
      `Failed to add '${queue}' consumer to '${worker}' worker`,
    );
    return { message: ok };
  }

  async cancelConsumer(worker: string, queue: string): Promise<ControlResult> {
    const ok = await this.#ask(
      worker,
      "cancel_consumer",
      { queue },
      `Failed to cancel '${queue}' consumer from '${worker}' worker`,
    );
    return { message: ok };
  }

  async timeLimit(
    worker: string,
    task: string,
    soft?: number,
    hard?: number,
  ): Promise<ControlResult> {
    this.#prepare(worker);
    await this.requireTask(worker, task);
    const ok = await this.#ask(worker, "time_limit", {
      task_name: task,
      soft: soft ?? null,
      hard: hard ?? null,
    }, "Failed to set timeouts");
    return { message: ok };
  }

  async rateLimit(worker: string, task: string, rate: string): Promise<ControlResult> {
    this.#prepare(worker);
    await this.requireTask(worker, task);
    const ok = await this.#ask(
      worker,
      "rate_limit",
      { task_name: task, rate_limit: rate },
      "Failed to set rate limit",
    );
    return { message: ok };
  }

  /**
   * Revokes a task on every worker, and with `terminate` also kills it with `signal` (SIGTERM by
   * default) where it runs; Celery sends no reply, neither does Flower wait.
   */
  async revoke(
    taskId: string,
    { terminate = false, signal = "SIGTERM" }: RevokeOptions = {},
  ): Promise<ControlResult> {
    this.guardWrite();
    await this.#control.cast("revoke", { task_id: taskId, terminate, signal });
    return { message: `Revoked '${taskId}'` };
  }

  #prepare(worker: string): void {
    this.guardWrite();
    this.requireWorker(worker);
  }

  /** Sends `command` to one worker and returns its `ok` text, or throws 403/504. */
  async #ask(
    worker: string,
    command: string,
    args: Record<string, unknown>,
    failure: string,
  ): Promise<string> {
    this.#prepare(worker);
    const timeout = this.#options.timeout;
    const replies = await this.#control.call(command, args, { destination: [worker], timeout });
    if (!(worker in replies)) {
      throw new StalkError("timeout", `${failure}: worker did not reply within ${timeout} ms`);
    }
    const reply = replies[worker];
    if (reply && typeof reply === "object" && "ok" in reply) {
      return String((reply as { ok: unknown }).ok);
    }
    const reason = reply && typeof reply === "object" && "error" in reply
      ? String((reply as { error: unknown }).error)
      : `unexpected reply ${JSON.stringify(reply)}`;
    throw new StalkError("forbidden", `${failure}: ${reason}`);
  }
}

/** The control actions, as the API routes and the UI pages call them. */
export type WorkerActions = Pick<
  WorkerControl,
  | "guardWrite"
  | "shutdown"
  | "poolRestart"
  | "poolGrow"
  | "poolShrink"
  | "autoscale"
  | "addConsumer"
  | "cancelConsumer"
  | "timeLimit"
  | "rateLimit"
  | "revoke"
>;
