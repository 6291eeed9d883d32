/**
 * The worker-info cache behind `/api/workers`: the eight inspect replies Flower shows, per worker.
 * Unlike Flower's cache it is refreshed when a worker comes online and on a TTL, its entries
 * for long-offline workers are dropped, and concurrent inspections of a worker are shared.
 */
import { describeError, log } from "../log.ts";
import type { ControlClient, Replies } from "./control_client.ts";

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
  now?: () => number;
}

const ARGS: Partial<Record<InspectMethod, Record<string, unknown>>> = { active: { safe: true } };

/** Keeps the inspect cache. */
export class Inspector {
  readonly #control: ControlClient;
  readonly #options: Required<InspectorOptions>;
  readonly #workers = new Map<string, WorkerInfo>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #offlineSince = new Map<string, number>();
  /** When a worker missing from the cache was last inspected, to avoid asking every heartbeat. */
  readonly #lastAttempt = new Map<string, number>();
  #sweep?: ReturnType<typeof setInterval>;

  constructor(control: ControlClient, options: InspectorOptions) {
    this.#control = control;
    this.#options = { ttl: 60_000, offlineRetention: 15 * 60_000, now: Date.now, ...options };
  }

  /** Every cached worker. */
  all(): Record<string, WorkerInfo> {
    return Object.fromEntries(this.#workers);
  }

  /** One worker's cached info. */
  get(name: string): WorkerInfo | undefined {
    return this.#workers.get(name);
  }

  /**
   * Inspects one worker, or every worker when `name` is omitted. Concurrent calls for the same
   * worker, or while a global inspection runs, share one inspection. Never rejects: broker
   * errors are logged and leave the cache as it was.
   */
  refresh(name?: string): Promise<void> {
    const key = name ?? "*";
    const running = this.#running.get(key) ?? (name ? this.#running.get("*") : undefined);
    if (running) return running;
    const work = this.#inspect(name).finally(() => this.#running.delete(key));
    this.#running.set(key, work);
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
  }

  /** Called for every worker event: inspects a worker that is new to the cache. */
  onWorkerEvent(type: string, hostname: string): void {
    const now = this.#options.now();
    if (type === "worker-offline") return;
    if (type !== "worker-online") {
      if (this.#workers.has(hostname)) return;
      if (now - (this.#lastAttempt.get(hostname) ?? -Infinity) < this.#options.ttl / 2) return;
    }
    this.#lastAttempt.set(hostname, now);
    void this.refresh(hostname);
  }

  async #inspect(name?: string): Promise<void> {
    const destination = name ? [name] : undefined;
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
    if (name && !this.#workers.has(name)) {
      log.debug(`Worker '${name}' did not answer inspection within ${this.#options.timeout} ms`);
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
    info[method] = reply;
    info.timestamp = this.#options.now() / 1000;
    this.#workers.set(worker, info);
  }

  #sweepOnce(): void {
    const now = this.#options.now();
    const status = this.#options.workerStatus();
    for (const [worker, info] of this.#workers) {
      const alive = status[worker];
      if (alive) {
        this.#offlineSince.delete(worker);
        if (now - (info.timestamp ?? 0) * 1000 >= this.#options.ttl) void this.refresh(worker);
        continue;
      }
      const since = this.#offlineSince.get(worker) ?? now;
      this.#offlineSince.set(worker, since);
      if (now - since >= this.#options.offlineRetention) {
        this.#workers.delete(worker);
        this.#offlineSince.delete(worker);
        this.#lastAttempt.delete(worker);
      }
    }
  }
}
