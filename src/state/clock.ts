/** A Lamport clock, as kombu's `LamportClock` (`kombu/clocks.py`). */
export class LamportClock {
  #value: number;

  /** Starts at `initial`, 0 like kombu's. */
  constructor(initial = 0) {
    this.#value = isClockValue(initial) ? initial : 0;
  }

  /** The current value. */
  get value(): number {
    return this.#value;
  }

  /** Ticks for a local event and returns the new value. */
  forward(): number {
    if (this.#value < Number.MAX_SAFE_INTEGER) this.#value++;
    return this.#value;
  }

  /**
   * Merges a value seen on a message: the clock becomes max(own, other) + 1. A value that is not
   * a non-negative safe integer is ignored (the clock only ticks): one bad event must not push
   * the clock, and with it every header Stalk sends, past what a worker can round-trip.
   */
  adjust(other: number): number {
    if (isClockValue(other) && other > this.#value) this.#value = other;
    return this.forward();
  }
}

/** Whether `n` may move a clock: a non-negative safe integer. */
export function isClockValue(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}
