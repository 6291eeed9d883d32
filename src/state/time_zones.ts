/**
 * Zone maps over a time column: for each block of 4,096 slots, a lower and an upper bound of the
 * times in it (null counted as -Infinity, as the sort does). A sorted listing visits the blocks
 * most likely to win first and stops at the first block that cannot beat what it already holds,
 * so `sort_by=-received&limit=100` over a million tasks reads a block or two instead of all.
 *
 * Bounds only widen as times are written (a write may raise or lower a value; the bound follows)
 * and are made exact again whenever a listing reads a block through. Loose bounds cost extra
 * reading, never a wrong answer.
 */

/** log2 of the slots per block. */
export const ZONE_SHIFT = 12;
const ZONE = 1 << ZONE_SHIFT;

/** Bounds per block of one time column. */
export class TimeZones {
  #hi: Float64Array;
  #lo: Float64Array;

  /** Zones for `slots` slots, all empty. */
  constructor(slots: number) {
    this.#hi = new Float64Array(0);
    this.#lo = new Float64Array(0);
    this.grow(slots);
  }

  /** Makes room for slots up to `slots - 1`; new blocks are empty. */
  grow(slots: number): void {
    const blocks = Math.ceil(slots / ZONE);
    const old = this.#hi.length;
    if (blocks <= old) return;
    const hi = new Float64Array(blocks).fill(-Infinity);
    const lo = new Float64Array(blocks).fill(Infinity);
    hi.set(this.#hi);
    lo.set(this.#lo);
    this.#hi = hi;
    this.#lo = lo;
  }

  /** Records that `slot` now holds `value` (NaN for null). */
  note(slot: number, value: number): void {
    const block = slot >>> ZONE_SHIFT;
    const v = value !== value ? -Infinity : value;
    if (v > this.#hi[block]) this.#hi[block] = v;
    if (v < this.#lo[block]) this.#lo[block] = v;
  }

  /** An upper bound of the times in `block`. */
  hi(block: number): number {
    return this.#hi[block];
  }

  /** A lower bound of the times in `block`. */
  lo(block: number): number {
    return this.#lo[block];
  }

  /** Sets exact bounds for `block`, measured by reading it through. */
  reset(block: number, hi: number, lo: number): void {
    this.#hi[block] = hi;
    this.#lo[block] = lo;
  }

  /**
   * The blocks that hold slots `0 .. size-1`, highest upper bound first when `descending`,
   * else lowest lower bound first.
   */
  order(size: number, descending: boolean): Int32Array {
    const count = Math.ceil(size / ZONE);
    const blocks = new Int32Array(count);
    for (let b = 0; b < count; b++) blocks[b] = b;
    const hi = this.#hi;
    const lo = this.#lo;
    // Compared, not subtracted: bounds may be infinite.
    return descending
      ? blocks.sort((a, b) => (hi[a] > hi[b] ? -1 : hi[a] < hi[b] ? 1 : 0))
      : blocks.sort((a, b) => (lo[a] < lo[b] ? -1 : lo[a] > lo[b] ? 1 : 0));
  }
}

/** Slots per block. */
export const ZONE_SLOTS = ZONE;
