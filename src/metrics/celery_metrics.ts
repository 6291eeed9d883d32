/**
 * Flower's Prometheus metrics (`flower/events.py` `PrometheusMetrics`), with the same names,
 * labels and buckets, updated from events as Flower updates them. One improvement: worker
 * liveness is read at scrape time, so a worker that stops heartbeating drops to 0 instead of
 * staying 1 until it says goodbye.
 *
 * This runs once per event, so each (worker, task) pair keeps handles to its series: an event
 * costs two Map lookups and no string building.
 */
import type { TaskPhase } from "../state/state.ts";
import type { CeleryEvent } from "../state/types.ts";
import {
  type Cell,
  Counter,
  DEFAULT_BUCKETS,
  Gauge,
  Histogram,
  type HistogramSeries,
  observeInto,
} from "./registry.ts";

/** What the metrics read from the event state (after it applied the event). */
export interface MetricsState {
  taskPhase(uuid: string): TaskPhase | undefined;
  workerStatus(): Record<string, boolean>;
}

/** Saved series of the families that events feed (liveness is recomputed at scrape time). */
export interface MetricsImage {
  events: SavedSeries[];
  prefetchTime: SavedSeries[];
  prefetched: SavedSeries[];
  executing: SavedSeries[];
  runtime: { buckets: number[]; series: SavedHistogram[] };
}

/** One counter or gauge series. */
export interface SavedSeries {
  labels: string[];
  value: number;
}

/** One histogram series. */
export interface SavedHistogram {
  labels: string[];
  counts: number[];
  sum: number;
  count: number;
}

/** Handles to the series of one (worker, task) pair, each created on first use. */
interface Bundle {
  events: Map<string, Cell>;
  runtime?: HistogramSeries;
  prefetchTime?: Cell;
  prefetched?: Cell;
  /** How much of `prefetched` is tasks in `#waiting`; the rest was restored from a snapshot. */
  waiting: number;
}

/** The most tasks counted as prefetched at once; past it the oldest stops counting. */
export const MAX_WAITING_TASKS = 100_000;

/** Distinct (worker, task) label pairs kept by default; see `CeleryMetricsOptions.maxSeries`. */
export const DEFAULT_MAX_SERIES = 10_000;

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
  readonly #bundles = new Map<string, Map<string, Bundle>>();
  /** The tasks counted in a `prefetched` gauge now, by id, oldest first. */
  readonly #waiting = new Map<string, Bundle>();
  readonly #maxSeries: number;
  #pairs = 0;
  /** Observations refused by the cap, by family. */
  readonly dropped: Record<string, number> = {};

  /**
   * `maxSeries` caps the distinct (worker, task) pairs (and workers) with series, so that a
   * stream of made-up task names or hostnames cannot grow memory without bound; what it refuses
   * is counted in `dropped`.
   */
  constructor(
    state: MetricsState,
    buckets: number[] = DEFAULT_BUCKETS,
    maxSeries = DEFAULT_MAX_SERIES,
  ) {
    this.#state = state;
    this.#maxSeries = maxSeries;
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
    const type = event.type;
    if (type.startsWith("worker-")) {
      if (typeof event.active !== "number") return;
      if (this.#bundles.has(worker) || this.#bundles.size < this.#maxSeries) {
        this.executing.set([worker], event.active);
      } else {
        this.#drop("flower_worker_number_of_currently_executing_tasks");
      }
      return;
    }
    if (!type.startsWith("task-")) return;
    const phase = this.#state.taskPhase(String(event.uuid));
    const task = typeof event.name === "string" ? event.name : phase?.name ?? "";
    const bundle = this.#bundle(worker, task);
    if (!bundle) {
      this.#drop("flower_events_total");
      return;
    }
    let count = bundle.events.get(type);
    if (!count) {
      count = this.events.cell([worker, type, task]);
      bundle.events.set(type, count);
    }
    count.n++;
    const runtime = event.runtime;
    if (typeof runtime === "number" && runtime > 0) {
      bundle.runtime ??= this.runtime.seriesFor([worker, task]);
      observeInto(bundle.runtime, this.runtime.buckets, runtime);
    }
    // `task-sent` comes from clients: only workers' events touch the worker gauges, so a
    // client process (a web worker, a cron job) never gets a series of its own there.
    if (!phase || type === "task-sent") return;
    // Flower's rules: a received task without ETA is prefetched until it starts. Flower counts
    // events, so a retry or events out of order drive its gauge below 0 or leave it high;
    // Stalk counts each task once, from its task-received to its next event of another kind.
    const uuid = String(event.uuid);
    const counted = type !== "task-received" && this.#stopWaiting(uuid);
    if (phase.hasEta && !counted) return;
    switch (type) {
      case "task-received":
        if (phase.started === null && !this.#waiting.has(uuid)) {
          this.#startWaiting(uuid, bundle, worker, task);
        }
        break;
      case "task-started":
        if (phase.received !== null) {
          if (!counted) this.#drainRestored(bundle, worker, task);
          this.#prefetchTime(bundle, worker, task).n = Math.max(
            0,
            event.timestamp - phase.received,
          );
        }
        break;
      case "task-succeeded":
      case "task-failed":
        if (phase.received !== null && phase.started !== null) {
          this.#prefetchTime(bundle, worker, task).n = 0;
        }
        break;
      case "task-revoked":
      case "task-rejected":
        // Flower never decrements here and drifts; a task that will not start is no longer
        // prefetched.
        if (!counted && phase.received !== null && phase.started === null) {
          this.#drainRestored(bundle, worker, task);
        }
        break;
    }
  }

  #startWaiting(uuid: string, bundle: Bundle, worker: string, task: string): void {
    if (this.#waiting.size >= MAX_WAITING_TASKS) {
      const [oldest] = this.#waiting.keys();
      this.#stopWaiting(oldest);
    }
    this.#prefetched(bundle, worker, task).n++;
    bundle.waiting++;
    this.#waiting.set(uuid, bundle);
  }

  /** Ends the count of a waiting task; whether it was counted. */
  #stopWaiting(uuid: string): boolean {
    const bundle = this.#waiting.get(uuid);
    if (!bundle) return false;
    this.#waiting.delete(uuid);
    bundle.waiting--;
    if (bundle.prefetched) bundle.prefetched.n--;
    return true;
  }

  /** Flower's decrement for a task not counted here, from what a snapshot restored only. */
  #drainRestored(bundle: Bundle, worker: string, task: string): void {
    const cell = this.#prefetched(bundle, worker, task);
    if (cell.n > bundle.waiting) cell.n--;
  }

  /** Removes every series of `workers` (`--purge_offline_workers`). */
  purgeWorkers(workers: Iterable<string>): void {
    const purged = new Set<Bundle>();
    for (const worker of workers) {
      const byTask = this.#bundles.get(worker);
      if (byTask) {
        this.#pairs -= byTask.size;
        this.#bundles.delete(worker);
        for (const bundle of byTask.values()) purged.add(bundle);
      }
      for (const family of this.#families()) family.removeWhere("worker", worker);
    }
    if (purged.size === 0) return;
    for (const [uuid, bundle] of this.#waiting) {
      if (purged.has(bundle)) this.#waiting.delete(uuid);
    }
  }

  #families() {
    return [
      this.events,
      this.runtime,
      this.prefetchTime,
      this.prefetched,
      this.online,
      this.executing,
    ];
  }

  /** A copy of every series fed by events. */
  image(): MetricsImage {
    const cells = (family: Counter | Gauge) =>
      family.entries().map(({ labels, value }) => ({ labels: [...labels], value: value.n }));
    return {
      events: cells(this.events),
      prefetchTime: cells(this.prefetchTime),
      prefetched: cells(this.prefetched),
      executing: cells(this.executing),
      runtime: {
        buckets: [...this.runtime.buckets],
        series: this.runtime.entries().map(({ labels, value }) => ({
          labels: [...labels],
          counts: [...value.counts],
          sum: value.sum,
          count: value.count,
        })),
      },
    };
  }

  /**
   * Restores saved series into these (fresh) families. Runtime series are dropped when the
   * buckets changed since, since their counts no longer mean the same.
   */
  restore(image: MetricsImage): boolean {
    const into = (family: Counter | Gauge, saved: SavedSeries[], arity: number) => {
      for (const { labels, value } of saved) {
        if (labels.length === arity) family.cell(labels).n = value;
      }
    };
    into(this.events, image.events, 3);
    into(this.prefetchTime, image.prefetchTime, 2);
    into(this.prefetched, image.prefetched, 2);
    into(this.executing, image.executing, 1);
    const buckets = this.runtime.buckets;
    const same = image.runtime.buckets.length === buckets.length &&
      image.runtime.buckets.every((bound, i) => bound === buckets[i]);
    if (!same) return false;
    for (const saved of image.runtime.series) {
      if (saved.labels.length !== 2 || saved.counts.length !== buckets.length) continue;
      const series = this.runtime.seriesFor(saved.labels);
      series.counts = [...saved.counts];
      series.sum = saved.sum;
      series.count = saved.count;
    }
    return true;
  }

  /** The exposition text of every family; `hidden` workers get no liveness series. */
  render(hidden: ReadonlySet<string> = new Set()): string {
    const status = this.#state.workerStatus();
    for (const [worker, alive] of Object.entries(status)) {
      if (!hidden.has(worker)) this.online.set([worker], alive ? 1 : 0);
    }
    return this.#families().map((family) => family.render()).join("");
  }

  #bundle(worker: string, task: string): Bundle | undefined {
    let byTask = this.#bundles.get(worker);
    let bundle = byTask?.get(task);
    if (bundle) return bundle;
    if (this.#pairs >= this.#maxSeries) return undefined;
    if (!byTask) {
      byTask = new Map();
      this.#bundles.set(worker, byTask);
    }
    bundle = { events: new Map(), waiting: 0 };
    byTask.set(task, bundle);
    this.#pairs++;
    return bundle;
  }

  #prefetched(bundle: Bundle, worker: string, task: string): Cell {
    return bundle.prefetched ??= this.prefetched.cell([worker, task]);
  }

  #prefetchTime(bundle: Bundle, worker: string, task: string): Cell {
    return bundle.prefetchTime ??= this.prefetchTime.cell([worker, task]);
  }

  #drop(family: string): void {
    this.dropped[family] = (this.dropped[family] ?? 0) + 1;
  }
}
