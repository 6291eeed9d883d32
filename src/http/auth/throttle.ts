/**
 * Slows down repeated failed logins from one address: the first few failures cost nothing, then
 * each one waits twice as long as the last, up to a cap. An address that stops failing for the
 * quiet period starts afresh, and so does one that logs in. The table is bounded, so a flood of
 * addresses cannot grow it without limit, and each failure costs constant time however full it
 * is. An IPv6 client counts by its /64, the block one host is usually given, so rotating through
 * its own addresses does not start it afresh.
 */
import { BoundedMap } from "./_bounded_map.ts";

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
  readonly #now: () => number;
  /** Set order is recency order: a failing address becomes the newest. */
  readonly #records: BoundedMap<Record>;

  constructor(options: LoginThrottleOptions = {}) {
    this.#free = options.freeFailures ?? 5;
    this.#base = options.baseDelayMs ?? 250;
    this.#max = options.maxDelayMs ?? 10_000;
    this.#quiet = options.quietMs ?? 15 * 60_000;
    this.#records = new BoundedMap(options.maxAddresses ?? 10_000);
    this.#now = options.now ?? Date.now;
  }

  /** Records a failed login from `address`; returns how long to wait before answering, in ms. */
  fail(address: string): number {
    const now = this.#now();
    const key = throttleKey(address);
    const previous = this.#records.get(key);
    const failures = previous && now - previous.last < this.#quiet ? previous.failures + 1 : 1;
    this.#records.set(key, { failures, last: now });
    const slowed = failures - this.#free;
    return slowed <= 0 ? 0 : Math.min(this.#max, this.#base * 2 ** Math.min(slowed - 1, 30));
  }

  /** Forgets `address`'s failures after a successful login. */
  succeed(address: string): void {
    this.#records.delete(throttleKey(address));
  }

  /** Addresses currently remembered. */
  get size(): number {
    return this.#records.size;
  }
}

/**
 * The throttle's key for a client address: an IPv4 address as it is (also when IPv4-mapped),
 * an IPv6 address as its /64 prefix, anything else unchanged.
 */
export function throttleKey(address: string): string {
  const bare = address.split("%")[0].toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped) return mapped[1];
  if (!/^[0-9a-f:.]+$/.test(bare) || !bare.includes(":")) return address;
  const halves = bare.split("::");
  if (halves.length > 2) return address;
  // A dotted IPv4 tail fills the last two groups.
  const groups = (part: string) =>
    part ? part.split(":").flatMap((g) => (g.includes(".") ? ["0", "0"] : [g])) : [];
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const zeros = halves.length === 2
    ? Array(Math.max(0, 8 - left.length - right.length)).fill("0")
    : [];
  const all = [...left, ...zeros, ...right];
  if (all.length !== 8) return address;
  return `${all.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(":")}::/64`;
}
