/**
 * Stalk's own health, so an alert can catch a sick monitor: what it ingested and dropped, whether
 * the broker is connected, how long since the last event, what it holds and evicted, how its
 * snapshots fare and what the label cap refused. Read at scrape time from the parts that know.
 */
import { Counter, Gauge } from "./registry.ts";

/** What the health families read of the snapshot saves (`Persister.stats` has this shape). */
export interface SnapshotHealth {
  /** Epoch seconds of the last completed save's copy. */
  savedAt?: number;
  /** Seconds the last completed save took, copy to rename. */
  duration?: number;
  /** Saves that failed since start. */
  failures: number;
}

/** Where the figures come from; each is read once per scrape. */
export interface HealthSources {
  /** Events applied, and messages or events dropped by reason. */
  ingest(): { events: number; rejected: Partial<Record<string, number>> };
  connected(): boolean;
  /** Epoch seconds of the last event applied, or undefined before the first. */
  lastEventAt(): number | undefined;
  tasks(): number;
  workers(): number;
  /** Tasks evicted to make room, since start. */
  evictions(): number;
  /** Label series refused by the cardinality cap, by family. */
  droppedSeries(): Record<string, number>;
  /** Save statistics, when `--persistent` is on (the persister's `stats`). */
  snapshots?(): SnapshotHealth;
  /** Epoch seconds. */
  now(): number;
}

/** The health families. */
export class StalkMetrics {
  readonly #sources: HealthSources;
  readonly #started: number;
  readonly #ingested = new Counter(
    "stalk_events_ingested_total",
    "Events applied to the state",
    [],
  );
  readonly #dropped = new Counter(
    "stalk_events_dropped_total",
    "Event messages or events dropped, by reason",
    ["reason"],
  );
  readonly #connected = new Gauge("stalk_broker_connected", "1 while the broker is connected", []);
  readonly #idle = new Gauge(
    "stalk_seconds_since_last_event",
    "Seconds since the last event was applied (since start-up before the first)",
    [],
  );
  readonly #tasks = new Gauge("stalk_tasks_held", "Tasks held in memory", []);
  readonly #workers = new Gauge("stalk_workers_held", "Workers held in memory", []);
  readonly #evictions = new Counter(
    "stalk_task_evictions_total",
    "Tasks evicted to make room under --max_tasks",
    [],
  );
  readonly #series = new Counter(
    "stalk_metric_series_dropped_total",
    "Observations not recorded because their labels would exceed the series cap, by family",
    ["family"],
  );
  readonly #age = new Gauge(
    "stalk_snapshot_age_seconds",
    "Seconds since the state copied by the last successful save (since start-up before it)",
    [],
  );
  readonly #duration = new Gauge(
    "stalk_snapshot_duration_seconds",
    "Seconds the last successful save took",
    [],
  );
  readonly #failures = new Counter(
    "stalk_snapshot_failures_total",
    "Saves that failed (the previous file was kept)",
    [],
  );

  constructor(sources: HealthSources) {
    this.#sources = sources;
    this.#started = sources.now();
  }

  /** The exposition text of every health family. */
  render(): string {
    const s = this.#sources;
    const now = s.now();
    const ingest = s.ingest();
    this.#ingested.cell([]).n = ingest.events;
    for (const [reason, count] of Object.entries(ingest.rejected)) {
      this.#dropped.cell([reason]).n = count ?? 0;
    }
    this.#connected.set([], s.connected() ? 1 : 0);
    this.#idle.set([], Math.max(0, now - (s.lastEventAt() ?? this.#started)));
    this.#tasks.set([], s.tasks());
    this.#workers.set([], s.workers());
    this.#evictions.cell([]).n = s.evictions();
    for (const [family, count] of Object.entries(s.droppedSeries())) {
      this.#series.cell([family]).n = count;
    }
    const families = [
      this.#ingested,
      this.#dropped,
      this.#connected,
      this.#idle,
      this.#tasks,
      this.#workers,
      this.#evictions,
      this.#series,
    ];
    const saves = s.snapshots?.();
    if (saves) {
      this.#age.set([], Math.max(0, now - (saves.savedAt ?? this.#started)));
      if (saves.duration !== undefined) this.#duration.set([], saves.duration);
      this.#failures.cell([]).n = saves.failures;
      families.push(this.#age, this.#duration, this.#failures);
    }
    return families.map((family) => family.render()).join("");
  }
}
