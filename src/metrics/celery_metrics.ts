/**
 * Flower's Prometheus metrics (`flower/events.py` `PrometheusMetrics`), with the same names,
 * labels and buckets, updated from events as Flower updates them. One improvement: worker
 * liveness is read at scrape time, so a worker that stops heartbeating drops to 0 instead of
 * staying 1 until it says goodbye.
 */
import type { CeleryEvent } from "../state/types.ts";
import { Counter, DEFAULT_BUCKETS, Gauge, Histogram } from "./registry.ts";

/** What the metrics read from the event state. */
export interface MetricsState {
  /** The known name of a task, for events that do not carry one. */
  taskName(uuid: string): string | null;
  workerStatus(): Record<string, boolean>;
}

/** Flower's metric families, fed one event at a time. */
export class CeleryMetrics {
  readonly #state: MetricsState;
  readonly events = new Counter("flower_events_total", "Number of events", [
    "worker",
    "type",
    "task",
  ]);
  readonly runtime: Histogram;
  readonly prefetchTime = new Gauge(
    "flower_task_prefetch_time_seconds",
    "The time the task spent waiting at the worker to be processed.",
    ["worker", "task"],
  );
  readonly prefetched = new Gauge(
    "flower_worker_prefetched_tasks",
    "Number of tasks of given type prefetched at a worker",
    ["worker", "task"],
  );
  readonly online = new Gauge("flower_worker_online", "Worker online status", ["worker"]);
  readonly executing = new Gauge(
    "flower_worker_number_of_currently_executing_tasks",
    "Number of tasks currently executing at a worker",
    ["worker"],
  );
  /** `received` time of tasks waiting to start, for the prefetch-time gauge. */
  readonly #received = new Map<string, number>();

  constructor(state: MetricsState, buckets: number[] = DEFAULT_BUCKETS) {
    this.#state = state;
    this.runtime = new Histogram(
      "flower_task_runtime_seconds",
      "Task runtime",
      ["worker", "task"],
      buckets,
    );
  }

  /** Updates the metrics for one event, after the state has applied it. */
  observe(event: CeleryEvent): void {
    const worker = event.hostname;
    if (event.type.startsWith("worker-")) {
      if (typeof event.active === "number") this.executing.set([worker], event.active);
      return;
    }
    if (!event.type.startsWith("task-")) return;
    const uuid = String(event.uuid);
    const task = typeof event.name === "string" ? event.name : this.#state.taskName(uuid) ?? "";
    this.events.inc([worker, event.type, task]);
    const labels = [worker, task];
    const runtime = event.runtime;
    if (typeof runtime === "number" && runtime > 0) this.runtime.observe(labels, runtime);
    const hasEta = typeof event.eta === "string" && event.eta !== "";
    switch (event.type) {
      case "task-received":
        if (!hasEta) {
          this.prefetched.inc(labels);
          this.#received.set(uuid, event.timestamp);
        }
        break;
      case "task-started": {
        const received = this.#received.get(uuid);
        if (received !== undefined) {
          this.#received.delete(uuid);
          this.prefetched.inc(labels, -1);
          this.prefetchTime.set(labels, Math.max(0, event.timestamp - received));
        }
        break;
      }
      case "task-succeeded":
      case "task-failed":
        this.prefetchTime.set(labels, 0);
        break;
      case "task-revoked":
      case "task-rejected":
        // Flower never decrements here and drifts; a task that will not start is no longer
        // prefetched.
        if (this.#received.delete(uuid)) this.prefetched.inc(labels, -1);
        break;
    }
    if (this.#received.size > 100_000) this.#received.clear();
  }

  /** The exposition text of every family. */
  render(): string {
    const status = this.#state.workerStatus();
    for (const [worker, alive] of Object.entries(status)) this.online.set([worker], alive ? 1 : 0);
    return [
      this.events,
      this.runtime,
      this.prefetchTime,
      this.prefetched,
      this.online,
      this.executing,
    ]
      .map((family) => family.render())
      .join("");
  }
}
