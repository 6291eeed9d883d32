/**
 * A bounded set of keys, each remembered until its expiry: the login's used states and ended
 * sessions. Expired keys are dropped from the oldest on as new ones arrive, and when the set is
 * full the oldest key goes first, so no flood of logins, callbacks or logouts can grow it past
 * `capacity`; each operation is amortised constant time (`_bounded_map.ts`).
 */
import { BoundedMap } from "./_bounded_map.ts";

/** Keys remembered until they expire, at most `capacity` of them. */
export class ExpiringSet {
  readonly #now: () => number;
  /** Key → expiry, in seconds since the epoch. */
  readonly #expiries: BoundedMap<number>;

  /** `now` is seconds since the epoch; a test passes a fake clock. */
  constructor(capacity: number, now: () => number = () => Date.now() / 1000) {
    this.#expiries = new BoundedMap(capacity);
    this.#now = now;
  }

  /** Whether `key` was added and has not expired yet. */
  has(key: string): boolean {
    const expiry = this.#expiries.get(key);
    return expiry !== undefined && expiry > this.#now();
  }

  /** Remembers `key` until `expiry` (seconds since the epoch). */
  add(key: string, expiry: number): void {
    const now = this.#now();
    this.#expiries.dropOldestWhile((until) => until <= now);
    this.#expiries.set(key, expiry);
  }

  /** Keys held now (an expired one may linger behind a younger unexpired one). */
  get size(): number {
    return this.#expiries.size;
  }

  /** Unexpired keys dropped because the set was full. */
  get evicted(): number {
    return this.#expiries.evicted;
  }
}
