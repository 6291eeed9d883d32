/**
 * The event state: Celery's `State._event` (protocol doc 2.9) over a bounded task store and
 * worker table, with the queries the HTTP layer needs. Pure: no I/O, time comes from `now`.
 */
import { NONE } from "./intern.ts";
import { type EventKind, eventKind, mergeTaskEvent } from "./merge.ts";
import { countTasks, iterateTasks, queryTasks } from "./query.ts";
import { restoreTasks, TaskCopier, type TaskImage } from "./task_image.ts";
import { warmSearch } from "./search_warm.ts";
import { TaskStore } from "./task_store.ts";
import type { CeleryEvent, CompiledSearch, TaskJson, TaskQuery, WorkerJson } from "./types.ts";
import { type WorkerRecord, WorkerTable } from "./worker_table.ts";

/** Sizes and clock of a `State`. */
export interface StateOptions {
  /** Most tasks held (Flower's `--max_tasks`); the first-seen task is evicted beyond it. */
  maxTasks: number;
  /** Most workers held (`--max_workers`); the least recently updated is evicted beyond it. */
  maxWorkers: number;
  /** Current time in epoch seconds, for worker liveness. Defaults to the system clock. */
  now?: () => number;
}

/** A task's name, received and started times, and whether it has an ETA. */
export interface TaskPhase {
  name: string | null;
  received: number | null;
  started: number | null;
  hasEta: boolean;
}

/** Tasks and workers as the event stream describes them. */
export class State {
  readonly #phase: TaskPhase = { name: null, received: null, started: null, hasEta: false };
  #tasks: TaskStore;
  #workers: WorkerTable;
  #now: () => number;
  /** The id and slot of the last task event applied (a slot stays valid until the next one). */
  #lastUuid: string | undefined;
  #lastSlot = 0;

  /** An empty state bounded by `options`. */
  constructor(options: StateOptions) {
    this.#tasks = new TaskStore(options.maxTasks);
    this.#workers = new WorkerTable(options.maxWorkers);
    this.#now = options.now ?? (() => Date.now() / 1000);
  }

  /** Applies one prepared event in O(1). Events of other groups, or malformed, are ignored. */
  apply(event: CeleryEvent): void {
    const type = event.type;
    if (typeof type !== "string") return;
    if (typeof event.hostname !== "string" || typeof event.timestamp !== "number") return;
    const kind = eventKind(type);
    event.type = kind.type;
    if (kind.group === "task") this.#applyTask(kind, event);
    else if (kind.group === "worker") this.#applyWorker(kind.subject, event);
  }

  /** The task `uuid`, if held. */
  task(uuid: string): TaskJson | undefined {
    const slot = this.#tasks.slotOf(uuid);
    return slot === undefined ? undefined : this.#tasks.toJson(slot);
  }

  /**
   * What per-event metrics need of task `uuid`, read without building its JSON. The returned
   * object is reused by the next call: read it at once.
   */
  taskPhase(uuid: string): TaskPhase | undefined {
    // Metrics ask for the task just applied, by the same string: no second id lookup.
    const slot = uuid === this.#lastUuid ? this.#lastSlot : this.#tasks.slotOf(uuid);
    if (slot === undefined) return undefined;
    const cols = this.#tasks.cols;
    const phase = this.#phase;
    const name = cols.name[slot];
    phase.name = name === NONE ? null : this.#tasks.names.value(name);
    phase.received = Number.isNaN(cols.received[slot]) ? null : cols.received[slot];
    phase.started = Number.isNaN(cols.started[slot]) ? null : cols.started[slot];
    phase.hasEta = cols.eta.get(slot) !== null;
    return phase;
  }

  /** The page of tasks `query` selects, in order. */
  tasks(query: TaskQuery): TaskJson[] {
    return queryTasks(this.#tasks, query);
  }

  /**
   * The tasks `query` selects, produced as they are pulled (for streaming a listing without a
   * limit). The selection and its order are fixed at the first pull; tasks evicted before they
   * are reached are skipped.
   */
  iterateTasks(query: TaskQuery): Iterator<TaskJson> {
    return iterateTasks(this.#tasks, query);
  }

  /**
   * Builds what `search` reads (folded text, id keys) a few milliseconds at a time, yielding to
   * the event loop, so that a first search over many tasks does not hold ingest up. Optional:
   * a search works without it, building in line.
   */
  prepareSearch(search: CompiledSearch): Promise<void> {
    return warmSearch(this.#tasks, search);
  }

  /** How many tasks `query`'s filters select, ignoring offset and limit. O(1) for one filter. */
  countTasks(query: TaskQuery): number {
    return countTasks(this.#tasks, query);
  }

  /** Distinct names of the tasks held, sorted. */
  taskTypes(): string[] {
    return this.#tasks.names.values().sort();
  }

  /** The worker `hostname`, if held. */
  worker(hostname: string): WorkerJson | undefined {
    return this.#workers.get(hostname)?.toJson(this.#now());
  }

  /** Every worker held, least recently updated first. */
  workers(): WorkerJson[] {
    const now = this.#now();
    return [...this.#workers.all()].map((worker) => worker.toJson(now));
  }

  /** Hostname -> alive, for every worker held. */
  workerStatus(): Record<string, boolean> {
    const now = this.#now();
    const status: Record<string, boolean> = {};
    for (const worker of this.#workers.all()) status[worker.hostname] = worker.alive(now);
    return status;
  }

  /** Tasks held (not Celery's `task_count`, which counts `task-received` events). */
  get taskCount(): number {
    return this.#tasks.size;
  }

  /**
   * Workers offline for at least `seconds` (or with no heartbeat at all), which
   * `--purge_offline_workers` hides and purges as Flower does.
   */
  offlineWorkers(seconds: number): Set<string> {
    const now = this.#now();
    const out = new Set<string>();
    for (const worker of this.#workers.all()) {
      if (worker.alive(now)) continue;
      const last = worker.heartbeats.at(-1);
      if (last === undefined || now - last >= seconds) out.add(worker.hostname);
    }
    return out;
  }

  /** Tasks evicted to make room under `maxTasks`. */
  get evictions(): number {
    return this.#tasks.evictions;
  }

  /** Workers held. */
  get workerCount(): number {
    return this.#workers.size;
  }

  /** Starts a consistent copy of the tasks, taken in slices (see `TaskCopier`). */
  copyTasks(): TaskCopier {
    return new TaskCopier(this.#tasks);
  }

  /** Every worker's saved fields, least recently updated first. */
  workerRecords(): WorkerRecord[] {
    return this.#workers.records();
  }

  /**
   * Fills this state, which must be empty, from a saved copy; beyond `maxTasks` and
   * `maxWorkers` the newest are kept. Throws `ImageError` on inconsistent data, after which
   * this state must be discarded.
   */
  restore(tasks: TaskImage, workers: readonly WorkerRecord[]): void {
    restoreTasks(this.#tasks, tasks);
    this.#workers.restore(workers);
  }

  #applyTask(kind: EventKind, event: CeleryEvent): void {
    const uuid = event.uuid;
    // Celery raises KeyError without a uuid; there is nothing to attach such an event to.
    if (typeof uuid !== "string") return;
    const store = this.#tasks;
    const slot = store.slotOf(uuid) ?? store.create(uuid);
    this.#lastUuid = uuid;
    this.#lastSlot = slot;
    const localReceived = typeof event.local_received === "number" ? event.local_received : 0;
    const cols = store.cols;
    if (kind.subject === "sent") {
      store.setClient(slot, event.hostname);
      event.hostname = store.hosts.value(cols.client[slot]);
    } else {
      store.setWorker(slot, event.hostname);
      event.hostname = store.hosts.value(cols.worker[slot]);
      this.#workers.applyTaskEvent(event.hostname, event.timestamp, localReceived);
    }
    mergeTaskEvent(store, slot, kind, event);
    store.touch(slot);
    // The listeners after the state key maps by hostname and name: hand them the interned
    // strings (equal text), whose hashes are computed once and which compare by identity.
    const name = cols.name[slot];
    if (typeof event.name === "string" && name !== NONE) {
      const interned = store.names.value(name);
      if (interned === event.name) event.name = interned;
    }
  }

  #applyWorker(subject: string, event: CeleryEvent): void {
    const localReceived = event.local_received;
    // Celery ignores a worker event without these.
    if (typeof localReceived !== "number") return;
    const hostname = this.#workers.applyWorkerEvent(
      subject,
      event.hostname,
      event.timestamp,
      localReceived,
      event,
    );
    if (hostname !== undefined) event.hostname = hostname;
  }
}
