/**
 * One full garbage collection when a burst of events is over. A burst leaves garbage behind
 * (every message's decoded text and parsed objects), and the allocator gives freed memory back
 * to the system only after a collection has freed it; a server that goes quiet after a burst
 * allocates too little for the runtime to collect on its own, so its RSS stays at the burst's
 * peak. Measured at a million tasks: about 800 MiB held after the burst, 470 MiB once collected.
 *
 * It costs one counter per event. Its timer is armed only after `minEvents` events since the
 * last collection, so a quiet cluster (heartbeats only) never wakes the process for it.
 */

/** The timer functions it uses (injectable for tests). */
export interface CollectorTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options for {@linkcode QuietCollector}. */
export interface QuietCollectorOptions {
  /** Runs the collection; returns false when the runtime cannot (then the collector stops). */
  collect: () => boolean;
  /** Events since the last collection before one is worth it. Default 50,000. */
  minEvents?: number;
  /** Milliseconds between checks once armed. Default 1,000. */
  checkMs?: number;
  /** Fewer events than this during a check interval means the burst is over. Default 1,000. */
  quietBelow?: number;
  timers?: CollectorTimers;
}

/** Counts events and collects once ingestion slows down after enough of them. */
export class QuietCollector {
  readonly #collect: () => boolean;
  readonly #minEvents: number;
  readonly #checkMs: number;
  readonly #quietBelow: number;
  readonly #timers: CollectorTimers;
  #sinceCollect = 0;
  #atLastCheck = 0;
  #timer: unknown;
  #stopped = false;
  #collections = 0;

  constructor(options: QuietCollectorOptions) {
    this.#collect = options.collect;
    this.#minEvents = options.minEvents ?? 50_000;
    this.#checkMs = options.checkMs ?? 1_000;
    this.#quietBelow = options.quietBelow ?? 1_000;
    this.#timers = options.timers ?? globalThis;
  }

  /** Collections run so far. */
  get collections(): number {
    return this.#collections;
  }

  /** Counts one event; arms the check once enough have been seen. */
  observe(): void {
    if (++this.#sinceCollect < this.#minEvents || this.#timer !== undefined || this.#stopped) {
      return;
    }
    this.#atLastCheck = this.#sinceCollect;
    this.#arm();
  }

  /** Cancels the pending check; nothing is collected after this. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    this.#timer = this.#timers.setTimeout(() => this.#check(), this.#checkMs);
  }

  #check(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const recent = this.#sinceCollect - this.#atLastCheck;
    this.#atLastCheck = this.#sinceCollect;
    if (recent >= this.#quietBelow) {
      this.#arm();
      return;
    }
    this.#sinceCollect = 0;
    this.#atLastCheck = 0;
    if (this.#collect()) this.#collections++;
    else this.#stopped = true;
  }
}
