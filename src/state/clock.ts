/** A Lamport clock, as kombu's `LamportClock` (`kombu/clocks.py`). */
export class LamportClock {
  #value: number;

  /** Starts at `initial`, 0 like kombu's. */
  constructor(initial = 0) {
    this.#value = initial;
  }

  /** The current value. */
  get value(): number {
    return this.#value;
  }

  /** Ticks for a local event and returns the new value. */
  forward(): number {
    return ++this.#value;
  }

  /** Merges a value seen on a message: the clock becomes max(own, other) + 1. */
  adjust(other: number): number {
    this.#value = Math.max(this.#value, other) + 1;
    return this.#value;
  }
}
