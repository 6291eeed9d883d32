/**
 * Secondary indexes over task slots: for each key (an interned name, state or worker id) a doubly
 * linked list of slots, most recently updated first. Moving a task to the front or between keys
 * is O(1), and a listing walks one list instead of sorting.
 */
import { NONE } from "./intern.ts";

/** Many linked lists over the same slots; each slot is in at most one list of a family. */
export class RecencyLists {
  #prev: Int32Array;
  #next: Int32Array;
  // Per key; keys are dense interned ids, so plain arrays indexed by id.
  #heads: number[] = [];
  #tails: number[] = [];
  #sizes: number[] = [];

  /** Lists over slots `0 .. capacity-1` (allocated for `room` slots; see `TaskColumns`). */
  constructor(capacity: number, room = capacity) {
    this.#prev = new Int32Array(Math.max(capacity, room));
    this.#next = new Int32Array(Math.max(capacity, room));
  }

  /** Makes room for slots up to `capacity - 1`, keeping every link. */
  grow(capacity: number): void {
    if (this.#prev.length >= capacity) return;
    const prev = new Int32Array(capacity);
    const next = new Int32Array(capacity);
    prev.set(this.#prev);
    next.set(this.#next);
    this.#prev = prev;
    this.#next = next;
  }

  /** Moves `slot` to the front of `to`'s list, out of `from`'s (either may be NONE). */
  touch(slot: number, from: number, to: number): void {
    if (from === to && (to === NONE || this.#heads[to] === slot)) return;
    if (from !== NONE) this.remove(slot, from);
    if (to === NONE) return;
    const head = this.#heads[to] ?? NONE;
    this.#prev[slot] = NONE;
    this.#next[slot] = head;
    if (head === NONE) this.#tails[to] = slot;
    else this.#prev[head] = slot;
    this.#heads[to] = slot;
    this.#sizes[to] = (this.#sizes[to] ?? 0) + 1;
  }

  /** Unlinks `slot` from `key`'s list, where it must be. */
  remove(slot: number, key: number): void {
    const prev = this.#prev[slot];
    const next = this.#next[slot];
    if (prev === NONE) this.#heads[key] = next;
    else this.#next[prev] = next;
    if (next === NONE) this.#tails[key] = prev;
    else this.#prev[next] = prev;
    this.#sizes[key]--;
  }

  /** The most recently updated slot under `key`, or NONE. */
  head(key: number): number {
    return this.#heads[key] ?? NONE;
  }

  /** The least recently updated slot under `key`, or NONE. */
  tail(key: number): number {
    return this.#tails[key] ?? NONE;
  }

  /** The next older slot in the same list, or NONE. */
  next(slot: number): number {
    return this.#next[slot];
  }

  /** The next newer slot in the same list, or NONE. */
  prev(slot: number): number {
    return this.#prev[slot];
  }

  /** Slots under `key`. */
  size(key: number): number {
    return this.#sizes[key] ?? 0;
  }
}

/** Key of the one list that holds every task. */
export const ALL = 0;

/** The four families a task belongs to: every task, and by name, state and worker. */
export class TaskIndex {
  /** Every task, most recently updated first, under key `ALL`. */
  readonly all: RecencyLists;
  /** By interned name id. */
  readonly byName: RecencyLists;
  /** By interned state id. */
  readonly byState: RecencyLists;
  /** By interned worker hostname id. */
  readonly byWorker: RecencyLists;

  /** Indexes over slots `0 .. capacity-1`, allocated for `room`. */
  constructor(capacity: number, room = capacity) {
    this.all = new RecencyLists(capacity, room);
    this.byName = new RecencyLists(capacity, room);
    this.byState = new RecencyLists(capacity, room);
    this.byWorker = new RecencyLists(capacity, room);
  }

  /** Makes room for slots up to `capacity - 1`. */
  grow(capacity: number): void {
    this.all.grow(capacity);
    this.byName.grow(capacity);
    this.byState.grow(capacity);
    this.byWorker.grow(capacity);
  }
}
