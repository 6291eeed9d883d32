/**
 * Workers as seen through events (`celery.events.state.Worker` and the worker half of
 * `State._event`), bounded and evicted least recently updated first, like Celery's LRU cache.
 */
import type { WorkerJson } from "./types.ts";

/** Celery's `Worker.heartbeat_max`. */
const HEARTBEAT_MAX = 4;
/** Celery's `HEARTBEAT_EXPIRE_WINDOW` as a factor: a worker is alive for 2 x freq. */
const EXPIRE_FACTOR = 200 / 100;
/** `Worker.__init__`'s default freq: what a worker first seen through a task event gets. */
const DEFAULT_FREQ = 60;

/** One worker's mutable record. */
export class Worker {
  pid: number | null = null;
  freq = DEFAULT_FREQ;
  /** Sorted, at most `HEARTBEAT_MAX`. */
  heartbeats: number[] = [];
  clock: number | null = 0;
  active: number | null = null;
  processed: number | null = null;
  loadavg: number[] | null = null;
  sw_ident: string | null = null;
  sw_ver: string | null = null;
  sw_sys: string | null = null;
  timestamp: number | null = null;

  /** A worker known by its node name. */
  constructor(readonly hostname: string) {}

  /** Celery's `Worker.alive`: heard from within 2 x freq seconds of `now`. */
  alive(now: number): boolean {
    const hb = this.heartbeats;
    return hb.length > 0 && now < hb[hb.length - 1] + this.freq * EXPIRE_FACTOR;
  }

  /** Records a heartbeat as `Worker.event` does: drop the oldest when full, insert in order. */
  beat(at: number): void {
    const hb = this.heartbeats;
    if (hb.length > HEARTBEAT_MAX - 1) hb.shift();
    let i = hb.length;
    while (i > 0 && hb[i - 1] > at) i--;
    // In order is the common case (every task event beats): a push, not a splice.
    if (i === hb.length) hb.push(at);
    else hb.splice(i, 0, at);
  }

  /** Copies the fields a `worker-*` event carries, skipping absent or mistyped ones. */
  update(e: Record<string, unknown>): void {
    if (typeof e.freq === "number") this.freq = e.freq;
    if (isInt(e.active)) this.active = e.active;
    if (isInt(e.processed)) this.processed = e.processed;
    if (Array.isArray(e.loadavg) && e.loadavg.every((x) => typeof x === "number")) {
      this.loadavg = e.loadavg;
    }
    if (typeof e.sw_ident === "string") this.sw_ident = e.sw_ident;
    if (typeof e.sw_ver === "string") this.sw_ver = e.sw_ver;
    if (typeof e.sw_sys === "string") this.sw_sys = e.sw_sys;
    if (isInt(e.pid)) this.pid = e.pid;
    if (typeof e.clock === "number") this.clock = e.clock;
    if (typeof e.timestamp === "number") this.timestamp = e.timestamp;
  }

  /** The worker as the HTTP layer serialises it, `status` computed at `now`. */
  toJson(now: number): WorkerJson {
    return {
      hostname: this.hostname,
      pid: this.pid,
      freq: this.freq,
      heartbeats: [...this.heartbeats],
      clock: this.clock,
      active: this.active,
      processed: this.processed,
      loadavg: this.loadavg ? [...this.loadavg] : null,
      sw_ident: this.sw_ident,
      sw_ver: this.sw_ver,
      sw_sys: this.sw_sys,
      timestamp: this.timestamp,
      status: this.alive(now),
    };
  }
}

/** A worker's fields as saved and restored: the JSON without the computed `status`. */
export type WorkerRecord = Omit<WorkerJson, "status">;

/** Workers by hostname, at most `capacity`, least recently updated evicted first. */
export class WorkerTable {
  readonly capacity: number;
  // A Map iterates in insertion order; re-inserting on update keeps the stalest first.
  #workers = new Map<string, Worker>();
  /** The most recently updated worker: the last in `#workers`. */
  #last: Worker | undefined;

  /** A table for at most `capacity` workers (at least 1). */
  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
  }

  /** Workers held. */
  get size(): number {
    return this.#workers.size;
  }

  /** The worker called `hostname`, if held. */
  get(hostname: string): Worker | undefined {
    return this.#workers.get(hostname);
  }

  /** Every worker, least recently updated first. */
  all(): IterableIterator<Worker> {
    return this.#workers.values();
  }

  /** Every worker's fields, least recently updated first. */
  records(): WorkerRecord[] {
    return [...this.#workers.values()].map((worker) => {
      const { status: _, ...record } = worker.toJson(0);
      return record;
    });
  }

  /** Adds `records` (least recently updated first) to an empty table, the newest if too many. */
  restore(records: readonly WorkerRecord[]): void {
    for (const record of records.slice(-this.capacity)) {
      const worker = Object.assign(new Worker(record.hostname), record);
      this.#workers.delete(record.hostname);
      this.#workers.set(record.hostname, worker);
      this.#last = worker;
    }
  }

  /**
   * Applies a `worker-<subject>` event. An unknown worker's `offline` changes nothing: Celery
   * applies it to a temporary worker it does not store. Returns the held worker's hostname (the
   * same text as `hostname`, one string per worker), or undefined when nothing was applied.
   */
  applyWorkerEvent(
    subject: string,
    hostname: string,
    timestamp: number,
    localReceived: number,
    event: Record<string, unknown>,
  ): string | undefined {
    const offline = subject === "offline";
    if (offline && !this.#workers.has(hostname)) return undefined;
    const worker = this.#touch(hostname);
    worker.update(event);
    if (offline) worker.heartbeats = [];
    else if (localReceived && timestamp) worker.beat(localReceived);
    return worker.hostname;
  }

  /**
   * Records that a task event came from `hostname`, creating the worker if needed. Celery calls
   * `worker.event(None, local_received, timestamp)` with the two times swapped, so the heartbeat
   * recorded is the event's own `timestamp`; copied on purpose.
   */
  applyTaskEvent(hostname: string, timestamp: number, localReceived: number): void {
    const worker = this.#touch(hostname);
    if (localReceived && timestamp) worker.beat(timestamp);
  }

  /** Gets or creates `hostname` and marks it most recently updated, evicting beyond capacity. */
  #touch(hostname: string): Worker {
    // A batch of events comes from one worker: it is usually the most recent one already.
    const last = this.#last;
    if (last !== undefined && last.hostname === hostname) return last;
    const workers = this.#workers;
    let worker = workers.get(hostname);
    if (worker) {
      workers.delete(hostname);
    } else {
      worker = new Worker(hostname);
      if (workers.size >= this.capacity) workers.delete(workers.keys().next().value!);
    }
    workers.set(hostname, worker);
    this.#last = worker;
    return worker;
  }
}

function isInt(value: unknown): value is number {
  return Number.isInteger(value);
}
