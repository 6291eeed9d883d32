/**
 * Slows down repeated failed logins from one address: the first few failures cost nothing, then
 * each one waits twice as long as the last, up to a cap. An address that stops failing for the
 * quiet period starts afresh, and so does one that logs in. The table is bounded, so a flood of
 * addresses cannot grow it without limit.
 */

/** Options for {@linkcode LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failures answered without delay (default 5). */
  freeFailures?: number;
  /** Delay after the first slowed failure, in ms (default 250). */
  baseDelayMs?: number;
  /** Longest delay, in ms (default 10 s). */
  maxDelayMs?: number;
  /** An address with no failure for this long is forgotten, in ms (default 15 min). */
  quietMs?: number;
  /** Addresses remembered at most (default 10,000); the least recently failing go first. */
  maxAddresses?: number;
  /** Milliseconds since the epoch; a test passes a fake clock. */
  now?: () => number;
}

interface Record {
  failures: number;
  last: number;
}

/** Counts failures per address and says how long each one should wait. */
export class LoginThrottle {
  readonly #free: number;
  readonly #base: number;
  readonly #max: number;
  readonly #quiet: number;
  readonly #capacity: number;
  readonly #now: () => number;
  /** Insertion order is recency order: a failing address is moved to the end. */
  readonly #records = new Map<string, Record>();

  constructor(options: LoginThrottleOptions = {}) {
    this.#free = options.freeFailures ?? 5;
    this.#base = options.baseDelayMs ?? 250;
    this.#max = options.maxDelayMs ?? 10_000;
    this.#quiet = options.quietMs ?? 15 * 60_000;
    this.#capacity = options.maxAddresses ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Records a failed login from `address`; returns how long to wait before answering, in ms. */
  fail(address: string): number {
    const now = this.#now();
    const previous = this.#records.get(address);
    const failures = previous && now - previous.last < this.#quiet ? previous.failures + 1 : 1;
    this.#records.delete(address);
    this.#records.set(address, { failures, last: now });
    if (this.#records.size > this.#capacity) {
      this.#records.delete(this.#records.keys().next().value as string);
    }
    const slowed = failures - this.#free;
    return slowed <= 0 ? 0 : Math.min(this.#max, this.#base * 2 ** Math.min(slowed - 1, 30));
  }

  /** Forgets `address`'s failures after a successful login. */
  succeed(address: string): void {
    this.#records.delete(address);
  }

  /** Addresses currently remembered. */
  get size(): number {
    return this.#records.size;
  }
}
