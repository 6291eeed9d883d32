/** Bounded selection: the first `k` slots by numeric key without sorting every candidate. */

/** Orders two slots whose keys are equal: negative when `a` comes first. */
export type TieOrder = (a: number, b: number) => number;

/**
 * Keeps the `k` slots with the smallest (key, tie) in a binary max-heap whose root is the worst
 * slot kept. Most offers cost one float comparison against the root; a winner costs log k.
 */
export class TopK {
  readonly #k: number;
  readonly #tie: TieOrder;
  readonly #slots: Int32Array;
  readonly #keys: Float64Array;
  #size = 0;

  /** Keeps the first `k` offered slots; equal keys are ordered by `tie`. */
  constructor(k: number, tie: TieOrder) {
    this.#k = Math.max(0, k);
    this.#tie = tie;
    this.#slots = new Int32Array(this.#k);
    this.#keys = new Float64Array(this.#k);
  }

  /** Most slots kept. */
  get capacity(): number {
    return this.#k;
  }

  /** Keys above this cannot enter: +Infinity until the heap is full, then the worst key kept. */
  get bound(): number {
    return this.#size < this.#k ? Infinity : this.#keys[0];
  }

  /** Considers `slot` with sort key `key`. */
  offer(slot: number, key: number): void {
    if (this.#size < this.#k) {
      this.#slots[this.#size] = slot;
      this.#keys[this.#size] = key;
      this.#up(this.#size++);
      return;
    }
    if (this.#size === 0) return;
    const rootKey = this.#keys[0];
    if (key > rootKey || (key === rootKey && this.#tie(slot, this.#slots[0]) >= 0)) return;
    this.#slots[0] = slot;
    this.#keys[0] = key;
    this.#down(0);
  }

  /** The slots kept, first first. Empties the heap. */
  drain(): number[] {
    const out = new Array<number>(this.#size);
    // Heap sort: the root is the worst slot left, so fill from the back.
    while (this.#size > 0) {
      out[this.#size - 1] = this.#slots[0];
      this.#size--;
      this.#slots[0] = this.#slots[this.#size];
      this.#keys[0] = this.#keys[this.#size];
      this.#down(0);
    }
    return out;
  }

  /** True when heap entry `i` sorts after entry `j`. */
  #after(i: number, j: number): boolean {
    const a = this.#keys[i];
    const b = this.#keys[j];
    return a > b || (a === b && this.#tie(this.#slots[i], this.#slots[j]) > 0);
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#after(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const n = this.#size;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.#after(child + 1, child)) child++;
      if (!this.#after(child, i)) break;
      this.#swap(i, child);
      i = child;
    }
  }

  #swap(i: number, j: number): void {
    const slot = this.#slots[i];
    this.#slots[i] = this.#slots[j];
    this.#slots[j] = slot;
    const key = this.#keys[i];
    this.#keys[i] = this.#keys[j];
    this.#keys[j] = key;
  }
}
