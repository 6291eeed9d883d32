/**
 * A consistent copy of the task store, taken without stopping the event loop, and the reverse:
 * a store rebuilt from such a copy.
 *
 * Copying a million tasks' columns takes longer than any pause Stalk allows itself (about
 * 100 MB of typed arrays; 40-100 ms on a busy 2-core machine), so `TaskCopier` copies a slice
 * per turn of the event loop while events keep arriving, records which slots they touch, and
 * re-copies those at the end: the result is exactly the store as of that last step.
 */
import { NONE } from "./intern.ts";
import { ALL } from "./task_index.ts";
import {
  F64_COLUMNS,
  type F64Column,
  type I32Column,
  TaskColumns,
  type TextColumnName,
} from "./task_columns.ts";
import type { TaskStore } from "./task_store.ts";
import { CHUNK } from "./text_column.ts";

/** Interned string tables by id, as the copied columns refer to them. */
export interface InternTables {
  names: (string | undefined)[];
  states: (string | undefined)[];
  hosts: (string | undefined)[];
  routes: (string | undefined)[];
}

/** The columns an image needs: `TaskColumns`, or views of a state file's sections. */
export type ImageColumns =
  & Record<F64Column, Float64Array>
  & Record<I32Column, Int32Array>
  & Record<TextColumnName, { get(slot: number): string | null }>;

/** The task store at one moment: columns in slot order, and where the ring starts. */
export interface TaskImage<C extends ImageColumns = ImageColumns> {
  /** Columns of `length` slots (slot order, not age order). */
  cols: C;
  /** Slots allocated. */
  length: number;
  /** Tasks held. */
  size: number;
  /** The store's capacity when copied. */
  capacity: number;
  /** The slot of the oldest task. */
  start: number;
  /** The last update sequence number. */
  seq: number;
  tables: InternTables;
}

/** Changed slots left for `finish` to copy at once; above this, `step` copies them first. */
const FINISH_AT_MOST = 4096;
/** Rounds of re-copying changed slots before `finish` takes what is left, however many. */
const MAX_ROUNDS = 4;

/** Copies a store in slices; see the module comment. */
export class TaskCopier {
  readonly #store: TaskStore;
  readonly #copy: TaskColumns;
  #next = 0;
  /** Changed slots still to copy again, deduplicated, and how far that is done. */
  #pending: Int32Array = new Int32Array(0);
  #pendingAt = 0;
  #rounds = 0;

  /** Starts copying `store`; call `step` until it returns false, then `finish`. */
  constructor(store: TaskStore) {
    this.#store = store;
    this.#copy = new TaskColumns(store.cols.length, 0);
    store.watchChanges();
  }

  /**
   * Copies up to `slots` more slots: first every slot allocated at the start, then, round after
   * round, the slots that events changed meanwhile. False once what is left for `finish` is
   * small, or after a few rounds: under a steady flood the rounds shrink as long as copying
   * outpaces the events, and when it does not, `finish` copies the rest at once.
   */
  step(slots: number): boolean {
    const copy = this.#copy;
    if (this.#next < copy.length) {
      const end = Math.min(this.#next + slots, copy.length);
      copy.copyRange(this.#store.cols, this.#next, end);
      this.#next = end;
      return true;
    }
    if (this.#pendingAt >= this.#pending.length) {
      this.#growCopy();
      this.#pending = distinct(this.#store.takeChanges(), this.#store.cols.length);
      this.#pendingAt = 0;
      if (this.#pending.length <= FINISH_AT_MOST || ++this.#rounds > MAX_ROUNDS) {
        this.#pendingAt = this.#pending.length;
        copy.copySlots(this.#store.cols, this.#pending);
        return false;
      }
    }
    const end = Math.min(this.#pendingAt + slots, this.#pending.length);
    copy.copySlots(this.#store.cols, this.#pending.subarray(this.#pendingAt, end));
    this.#pendingAt = end;
    return true;
  }

  /** Completes the copy in one synchronous step and returns it. */
  finish(): TaskImage<TaskColumns> {
    const store = this.#store;
    const copy = this.#copy;
    while (this.#next < copy.length) this.step(1 << 16);
    this.#growCopy();
    copy.copySlots(store.cols, this.#pending.subarray(this.#pendingAt));
    copy.copySlots(store.cols, distinct(store.takeChanges(), store.cols.length));
    store.unwatchChanges();
    return {
      cols: copy,
      length: copy.length,
      size: store.size,
      capacity: store.capacity,
      start: store.start,
      seq: store.seq,
      tables: {
        names: store.names.table(),
        states: store.states.table(),
        hosts: store.hosts.table(),
        routes: store.routes.table(),
      },
    };
  }

  /** Gives up the copy (the store stops recording changes). */
  cancel(): void {
    this.#store.unwatchChanges();
  }

  /** When the store grew, copies its new slots (from the start of their text chunk). */
  #growCopy(): void {
    const live = this.#store.cols;
    const copy = this.#copy;
    if (live.length <= copy.length) return;
    const from = copy.length - (copy.length % CHUNK);
    copy.grow(live.length);
    copy.copyRange(live, from, live.length);
    this.#next = copy.length;
  }
}

/** The distinct slots of `slots` (each below `length`), in first-seen order. */
function distinct(slots: number[], length: number): Int32Array {
  const seen = new Uint8Array(length);
  const out = new Int32Array(slots.length);
  let n = 0;
  for (const slot of slots) {
    if (seen[slot]) continue;
    seen[slot] = 1;
    out[n++] = slot;
  }
  return out.subarray(0, n);
}

/** Thrown when an image does not describe a valid store (a corrupt file that passed its sums). */
export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageError";
  }
}

/**
 * Fills an empty `store` from `image`. When the image holds more tasks than the store's
 * capacity, the newest are kept. Throws ImageError on inconsistent data.
 */
export function restoreTasks(store: TaskStore, image: TaskImage): void {
  const { size, start, length } = image;
  if (size > length || (start !== 0 && (size !== length || start >= size))) {
    throw new ImageError(`Inconsistent ring: ${size} tasks in ${length} slots from slot ${start}`);
  }
  const keep = Math.min(size, store.capacity);
  const drop = size - keep;
  store.reserve(keep);
  const from = image.cols;
  const to = store.cols;
  // The slot of age `a` is (start + a) % size: ages drop..size-1 form at most two runs.
  const first = size === 0 ? 0 : (start + drop) % size;
  const firstLength = Math.min(keep, size - first);
  const runs: [number, number, number][] = [[first, first + firstLength, 0]];
  if (firstLength < keep) runs.push([0, keep - firstLength, firstLength]);
  for (const [a, b, at] of runs) {
    for (const name of F64_COLUMNS) to[name].set(from[name].subarray(a, b), at);
    to.retries.set(from.retries.subarray(a, b), at);
    for (let slot = a; slot < b; slot++) {
      const target = at + slot - a;
      const uuid = from.uuid.get(slot);
      if (typeof uuid !== "string") throw new ImageError(`Task in slot ${slot} has no id`);
      to.uuid.set(target, uuid);
      to.args.set(target, from.args.get(slot));
      to.kwargs.set(target, from.kwargs.get(slot));
      to.result.set(target, from.result.get(slot));
      to.exception.set(target, from.exception.get(slot));
      to.traceback.set(target, from.traceback.get(slot));
      to.eta.set(target, from.eta.get(slot));
      to.expires.set(target, from.expires.get(slot));
      to.parent_id.set(target, from.parent_id.get(slot));
      const root = from.root_id.get(slot);
      to.root_id.set(target, root === uuid ? uuid : root);
    }
    remap(from.name, to.name, a, b, at, image.tables.names, store.names, "name");
    remap(from.state, to.state, a, b, at, image.tables.states, store.states, "state");
    remap(from.worker, to.worker, a, b, at, image.tables.hosts, store.hosts, "worker");
    remap(from.client, to.client, a, b, at, image.tables.hosts, store.hosts, "client");
    remap(from.exchange, to.exchange, a, b, at, image.tables.routes, store.routes, "exchange");
    remap(from.routing_key, to.routing_key, a, b, at, image.tables.routes, store.routes, "route");
  }
  for (let slot = 0; slot < keep; slot++) {
    if (to.state[slot] === NONE) throw new ImageError(`Task ${to.uuid.get(slot)} has no state`);
  }
  // Renumbered 1..keep in update order, which is also the order the lists are rebuilt in.
  const seq = to.seq;
  const order = updateOrder(seq, keep);
  try {
    store.adoptRestored(keep, keep);
  } catch (error) {
    throw new ImageError((error as Error).message);
  }
  const { index, zones } = store;
  for (let i = 0; i < keep; i++) {
    const slot = order[i];
    seq[slot] = i + 1;
    index.all.touch(slot, NONE, ALL);
    if (to.name[slot] !== NONE) index.byName.touch(slot, NONE, to.name[slot]);
    index.byState.touch(slot, NONE, to.state[slot]);
    if (to.worker[slot] !== NONE) index.byWorker.touch(slot, NONE, to.worker[slot]);
  }
  for (let slot = 0; slot < keep; slot++) {
    zones.received.note(slot, to.received[slot]);
    zones.started.note(slot, to.started[slot]);
    const parent = to.parent_id.get(slot);
    if (parent) store.children.link(to.uuid.get(slot), parent, store.slotOf(parent));
  }
}

/**
 * Slots `0 .. count-1` by ascending `seq`. Sequence numbers are distinct integers, usually
 * within a few times `count` of each other, so they are placed by value; a comparison sort
 * (several times slower at a million) is the fallback for a wide spread.
 */
function updateOrder(seq: Float64Array, count: number): Int32Array {
  const order = new Int32Array(count);
  let min = Infinity;
  let max = -Infinity;
  for (let slot = 0; slot < count; slot++) {
    if (seq[slot] < min) min = seq[slot];
    if (seq[slot] > max) max = seq[slot];
  }
  const spread = max - min + 1;
  if (count > 0 && spread <= count * 8) {
    const at = new Int32Array(spread).fill(-1);
    for (let slot = 0; slot < count; slot++) {
      const i = seq[slot] - min;
      if (!Number.isInteger(i) || at[i] !== -1) return sortedOrder(seq, count);
      at[i] = slot;
    }
    let n = 0;
    for (let i = 0; i < spread; i++) if (at[i] !== -1) order[n++] = at[i];
    return order;
  }
  return sortedOrder(seq, count);
}

function sortedOrder(seq: Float64Array, count: number): Int32Array {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order.sort((a, b) => seq[a] - seq[b]);
}

/** Copies interned ids `a..b-1` to `at..`, re-interning each distinct value once. */
function remap(
  from: Int32Array,
  to: Int32Array,
  a: number,
  b: number,
  at: number,
  table: (string | undefined)[],
  interner: TaskStore["names"],
  what: string,
): void {
  const ids = new Map<number, number>();
  for (let slot = a; slot < b; slot++) {
    const old = from[slot];
    if (old === NONE) {
      to[at + slot - a] = NONE;
      continue;
    }
    let id = ids.get(old);
    if (id === undefined) {
      const value = table[old];
      if (typeof value !== "string") throw new ImageError(`Unknown ${what} id ${old}`);
      id = interner.acquire(value);
      ids.set(old, id);
    } else {
      interner.retain(id);
    }
    to[at + slot - a] = id;
  }
}
