/**
 * A short list of slots in the order of the recency lists (most recently updated first), walked
 * as one: a listing narrowed by a search term that names few tasks (`parent:`, `root:`, `uuid:`)
 * walks these instead of every task.
 */
import { NONE } from "./intern.ts";

/** What a listing walks: one list per key, each most recently updated first. */
export interface SlotLists {
  head(key: number): number;
  tail(key: number): number;
  next(slot: number): number;
  prev(slot: number): number;
  size(key: number): number;
}

/** `slots` as one list (under any key), ordered by update sequence, newest first. */
export class SlotList implements SlotLists {
  readonly #order: number[];
  readonly #at = new Map<number, number>();

  /** The list of `slots`, ordered by `seq` (the store's update sequence per slot). */
  constructor(slots: number[], seq: Float64Array) {
    this.#order = slots.slice().sort((a, b) => seq[b] - seq[a]);
    this.#order.forEach((slot, i) => this.#at.set(slot, i));
  }

  head(): number {
    return this.#order.length === 0 ? NONE : this.#order[0];
  }

  tail(): number {
    return this.#order.length === 0 ? NONE : this.#order[this.#order.length - 1];
  }

  next(slot: number): number {
    return this.#order[this.#at.get(slot)! + 1] ?? NONE;
  }

  prev(slot: number): number {
    const at = this.#at.get(slot)!;
    return at === 0 ? NONE : this.#order[at - 1];
  }

  size(): number {
    return this.#order.length;
  }
}
