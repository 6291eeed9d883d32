/**
 * The worker-info cache behind `/api/workers`: the eight inspect replies Flower shows, per worker.
 * Unlike Flower's cache it is refreshed when a worker comes online and on a TTL, its entries
 * for long-offline workers are dropped, and concurrent inspections of a worker are shared.
 */
import { redactDeep } from "../celery/redact_url.ts";
import { describeError, log } from "../log.ts";
import type { ControlClient, Replies, Timers } from "./control_client.ts";

/** The inspect methods Flower calls, in its order. */
export const INSPECT_METHODS = [
  "stats",
  "active_queues",
  "registered",
  "scheduled",
  "active",
  "reserved",
  "revoked",
  "conf",
] as const;

/** One inspect method's name. */
export type InspectMethod = typeof INSPECT_METHODS[number];

/** What is known of one worker: each method's last good reply and when it came (epoch s). */
export type WorkerInfo = Partial<Record<InspectMethod, unknown>> & { timestamp?: number };

/** Options for {@linkcode Inspector}. */
export interface InspectorOptions {
  /** Milliseconds to wait for inspect replies (`--inspect_timeout`). */
  timeout: number;
  /** Milliseconds after which a worker's info is refreshed by the periodic sweep. */
  ttl?: number;
  /** Milliseconds an offline worker's info is kept. */
  offlineRetention?: number;
  /** Liveness of workers known from events. */
  workerStatus: () => Record<string, boolean>;
  /** Workers `all()` and `get()` leave out (`--purge_offline_workers`). */
  hidden?: () => ReadonlySet<string>;
  now?: () => number;
  /**
   * Milliseconds a due retry waits for others to join it: the retries due within this window
   * go out as one broadcast per method to all of them. Default 2000, a heartbeat interval.
   */
  retryWindow?: number;
  /** The global timers by default; a unit test passes a fake clock's. */
  timers?: Timers;
}

/** How a refresh is asked for. */
export interface RefreshOptions {
  /** A client asked for it (`refresh=true`): share no inspection sent before this call. */
  forced?: boolean;
}

const ARGS: Partial<Record<InspectMethod, Record<string, unknown>>> = { active: { safe: true } };

const GLOBAL_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Keeps the inspect cache. */
export class Inspector {
  readonly #control: ControlClient;
  readonly #options: Required<InspectorOptions>;
  readonly #workers = new Map<string, WorkerInfo>();
  /** Inspections in flight, by worker name or `*`; `forced` ones were asked for by a client. */
  readonly #running = new Map<string, { work: Promise<void>; forced: boolean }>();
  readonly #offlineSince = new Map<string, number>();
  /**
   * Retry schedule of workers whose info is incomplete: a worker can announce itself before
   * its mailbox exists (Celery 5.2 starts them in a seed-dependent order), so the first
   * inspection may go unheard. Retries back off from 2 s to the TTL.
   */
  readonly #retry = new Map<string, { at: number; delay: number }>();
  /**
   * Workers whose retry is due, sent together when the window closes: a cluster of workers that
   * never answer (inspection disabled, or a simulator) costs one broadcast per method and
   * window, not one per worker, and the workers of one batch stay due together afterwards.
   */
  readonly #due = new Set<string>();
  #dueTimer?: unknown;
  #sweep?: ReturnType<typeof setInterval>;

  constructor(control: ControlClient, options: InspectorOptions) {
    this.#control = control;
    this.#options = {
      ttl: 60_000,
      offlineRetention: 15 * 60_000,
      now: Date.now,
      hidden: () => new Set(),
      retryWindow: 2000,
      timers: GLOBAL_TIMERS,
      ...options,
    };
  }

  /** Every cached worker but the hidden ones. */
  all(): Record<string, WorkerInfo> {
    const hidden = this.#options.hidden();
    if (hidden.size === 0) return Object.fromEntries(this.#workers);
    return Object.fromEntries([...this.#workers].filter(([name]) => !hidden.has(name)));
  }

  /** Every cached worker, hidden ones included (what a save keeps). */
  cached(): Record<string, WorkerInfo> {
    return Object.fromEntries(this.#workers);
  }

  /** Fills the cache from a saved copy of `all()` (before `start`, which refreshes it). */
  restore(saved: Record<string, WorkerInfo>): void {
    for (const [name, info] of Object.entries(saved)) this.#workers.set(name, { ...info });
  }

  /** One worker's cached info, unless hidden. */
  get(name: string): WorkerInfo | undefined {
    return this.#options.hidden().has(name) ? undefined : this.#workers.get(name);
  }

  /**
   * Inspects one worker, or every worker when `name` is omitted. Calls for the same target
   * share one inspection; a `forced` call (a client's `refresh=true`) shares only another forced
   * one, so it never settles for an inspection sent before the worker could hear it. Never
   * rejects: broker errors are logged and leave the cache as it was.
   */
  refresh(name?: string, options: RefreshOptions = {}): Promise<void> {
    const forced = options.forced ?? false;
    const key = name ?? "*";
    const running = this.#running.get(key);
    if (running && (running.forced || !forced)) return running.work;
    const work = this.#inspect(name).finally(() => {
      if (this.#running.get(key)?.work === work) this.#running.delete(key);
    });
    this.#running.set(key, { work, forced });
    return work;
  }

  /** Starts the TTL sweep (and an initial inspection of every worker). */
  start(): void {
    void this.refresh();
    this.#sweep ??= setInterval(() => this.#sweepOnce(), Math.min(this.#options.ttl, 30_000));
  }

  stop(): void {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    this.#options.timers.clearTimeout(this.#dueTimer);
    this.#dueTimer = undefined;
    this.#due.clear();
  }

  /**
   * Called for every worker event: inspects a worker whose cached info is incomplete, at once
   * when it comes online, then with backoff, batched with the other workers due (see `#due`).
   */
  onWorkerEvent(type: string, hostname: string): void {
    if (type === "worker-offline") return;
    if (type === "worker-online") {
      this.#due.delete(hostname);
      this.#retry.set(hostname, { at: this.#options.now() + 2000, delay: 2000 });
      void this.refresh(hostname);
      return;
    }
    const retry = this.#retry.get(hostname);
    if (retry !== undefined && this.#options.now() < retry.at) return;
    if (this.#isComplete(hostname)) {
      this.#retry.delete(hostname);
      return;
    }
    // First heard of by a heartbeat (Stalk started after the worker, whose info the first
    // broadcast of `start` did not bring), or its retry is due.
    if (retry === undefined) this.#retry.set(hostname, { at: this.#options.now(), delay: 0 });
    if (this.#due.has(hostname)) return;
    this.#due.add(hostname);
    this.#dueTimer ??= this.#options.timers.setTimeout(
      () => this.#retryDue(),
      this.#options.retryWindow,
    );
  }

  /** Sends one inspection to every worker whose retry came due in the window. */
  #retryDue(): void {
    this.#dueTimer = undefined;
    const now = this.#options.now();
    const names: string[] = [];
    for (const name of this.#due) {
      const retry = this.#retry.get(name);
      if (retry === undefined || this.#isComplete(name)) continue;
      const delay = Math.min(this.#options.ttl, Math.max(2000, retry.delay * 2));
      this.#retry.set(name, { at: now + delay, delay });
      names.push(name);
    }
    this.#due.clear();
    if (names.length === 1) void this.refresh(names[0]);
    else if (names.length > 1) void this.#inspect(names);
  }

  /** Whether every inspect method has answered for `name`. */
  #isComplete(name: string): boolean {
    const info = this.#workers.get(name);
    return info !== undefined && INSPECT_METHODS.every((method) => method in info);
  }

  async #inspect(name?: string | string[]): Promise<void> {
    const destination = name === undefined ? undefined : typeof name === "string" ? [name] : name;
    await Promise.all(INSPECT_METHODS.map(async (method) => {
      let replies: Replies;
      try {
        replies = await this.#control.call(method, ARGS[method] ?? {}, {
          destination,
          timeout: this.#options.timeout,
        });
      } catch (error) {
        log.warn(`Inspect '${method}' failed: ${describeError(error)}`);
        return;
      }
      for (const [worker, reply] of Object.entries(replies)) this.#store(worker, method, reply);
    }));
    for (const worker of destination ?? []) {
      if (this.#workers.has(worker)) continue;
      log.debug(`Worker '${worker}' did not answer inspection within ${this.#options.timeout} ms`);
    }
  }

  #store(worker: string, method: InspectMethod, reply: unknown): void {
    if (reply === null || reply === undefined) return;
    if (typeof reply === "object" && !Array.isArray(reply) && "error" in reply) {
      log.warn(
        `Inspect '${method}' of '${worker}' answered an error: ${
          String((reply as { error: unknown }).error)
        }`,
      );
      return;
    }
    if (method === "stats" && typeof reply === "object" && !Array.isArray(reply)) {
      const broker = (reply as { broker?: Record<string, unknown> }).broker;
      if (broker && typeof broker === "object") delete broker.alternates;
    }
    const info = this.#workers.get(worker) ?? {};
    // `conf` and `stats.broker` may carry broker and backend URLs: never return a password.
    info[method] = method === "conf" || method === "stats" ? redactDeep(reply) : reply;
    info.timestamp = this.#options.now() / 1000;
    this.#workers.set(worker, info);
  }

  #sweepOnce(): void {
    const now = this.#options.now();
    const status = this.#options.workerStatus();
    for (const worker of this.#retry.keys()) {
      if (!status[worker]) {
        this.#retry.delete(worker);
        this.#due.delete(worker);
      }
    }
    const stale: string[] = [];
    for (const [worker, info] of this.#workers) {
      const alive = status[worker];
      if (alive) {
        this.#offlineSince.delete(worker);
        if (now - (info.timestamp ?? 0) * 1000 >= this.#options.ttl) stale.push(worker);
        continue;
      }
      const since = this.#offlineSince.get(worker) ?? now;
      this.#offlineSince.set(worker, since);
      if (now - since >= this.#options.offlineRetention) {
        this.#workers.delete(worker);
        this.#offlineSince.delete(worker);
        this.#retry.delete(worker);
      }
    }
    // One broadcast per method for every stale worker, as for retries.
    if (stale.length === 1) void this.refresh(stale[0]);
    else if (stale.length > 1) void this.#inspect(stale);
  }
}
