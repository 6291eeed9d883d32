/**
 * The bounded task store: a ring buffer of `capacity` slots over `TaskColumns`, a uuid -> slot
 * map, interned strings and the recency indexes.
 *
 * Flower keeps tasks in Celery's LRU cache, which evicts the least recently *touched* task, so a
 * busy stream of updates can push out tasks still queued (flower#1192). Stalk uses a ring buffer
 * instead: when it is full, the task seen first is evicted (FIFO by first sight). That makes
 * eviction O(1) with no per-task bookkeeping beyond the slot, and every index entry, intern
 * reference and child link of the evicted task is removed with it.
 */
import { ChildLinks } from "./children.ts";
import { IdKeys } from "./id_keys.ts";
import { Interner, NONE } from "./intern.ts";
import { PairIndex } from "./pair_index.ts";
import { SearchText } from "./search_text.ts";
import { SlotIndex } from "./slot_index.ts";
import { NO_RETRIES, TaskColumns, type TimeField } from "./task_columns.ts";
import { TimeZones } from "./time_zones.ts";
import { ALL, TaskIndex } from "./task_index.ts";
import type { TaskJson } from "./types.ts";

/** Slots allocated before the first growth; the columns then double up to the capacity. */
const INITIAL_SLOTS = 1024;
/**
 * Typed columns are allocated for the whole capacity up to this many slots: untouched pages cost
 * nothing, and growing copies nothing. Beyond it they double as the text columns do.
 */
const TYPED_ROOM = 1 << 22;

/** Text columns substring search reads through `SearchText`. */
export type SearchColumn = "uuid" | "args" | "kwargs" | "result" | "exception";

/** Celery's state for a task nobody has reported on yet. */
export const PENDING = "PENDING";

/** Tasks by slot, bounded, with O(1) insertion, eviction and index maintenance. */
export class TaskStore {
  /** Most tasks held; the oldest is evicted beyond it. */
  readonly capacity: number;
  /** The columns; see `TaskColumns` on why not to keep an array across a `create`. */
  readonly cols: TaskColumns;
  /** Recency lists: all tasks, by name, by state, by worker. */
  readonly index: TaskIndex;
  /** Task names. */
  readonly names = new Interner();
  /** States, including custom ones. */
  readonly states = new Interner();
  /** Hostnames of workers and clients. */
  readonly hosts = new Interner();
  /** Exchanges and routing keys. */
  readonly routes = new Interner();
  /** Children of each task. */
  readonly children = new ChildLinks();
  /** Zone maps of the two sortable time columns. */
  readonly zones: { received: TimeZones; started: TimeZones };
  /** Folded text of the columns substring search reads, built on first search. */
  readonly searchText: Readonly<Record<SearchColumn, SearchText>>;
  /** Integer keys of ids for `uuid:` prefixes and `root:`, built on first search. */
  readonly idKeys: { readonly uuid: IdKeys; readonly root_id: IdKeys };
  /** Hashes of the kwargs' `key=value` pairs for `kwargs:key=value`, built on first search. */
  readonly pairs: PairIndex;

  #slots: SlotIndex;
  #cursor = 0;
  #size = 0;
  /** Events applied: stamped into `cols.seq` by `touch`. */
  #seq = 0;
  #evictions = 0;
  /** Slots touched since `watchChanges`, while a snapshot is being copied. */
  #changes: number[] | undefined;

  /** A store for at most `capacity` tasks (at least 1). */
  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
    // Memory follows use: a large --max_tasks costs nothing until tasks arrive.
    const initial = Math.min(this.capacity, INITIAL_SLOTS);
    const room = Math.min(this.capacity, TYPED_ROOM);
    this.cols = new TaskColumns(initial, initial, room);
    this.index = new TaskIndex(initial, room);
    this.#slots = new SlotIndex(this.cols.uuid, initial, undefined, room);
    this.zones = { received: new TimeZones(initial), started: new TimeZones(initial) };
    const c = this.cols;
    this.searchText = {
      uuid: new SearchText(c.uuid, true),
      args: new SearchText(c.args),
      kwargs: new SearchText(c.kwargs),
      result: new SearchText(c.result),
      exception: new SearchText(c.exception),
    };
    this.idKeys = { uuid: new IdKeys(c.uuid, "prefix"), root_id: new IdKeys(c.root_id, "hash") };
    this.pairs = new PairIndex(c.kwargs);
  }

  /** Tasks held. */
  get size(): number {
    return this.#size;
  }

  /** The slot holding `uuid`, if held. */
  slotOf(uuid: string): number | undefined {
    return this.#slots.get(uuid);
  }

  /** The slot of the task created `age` tasks after the oldest held one (0 = oldest). */
  slotByAge(age: number): number {
    const start = this.#size < this.capacity ? 0 : this.#cursor;
    const slot = start + age;
    return slot < this.capacity ? slot : slot - this.capacity;
  }

  /** Adds an empty PENDING task, evicting the oldest when full, and returns its slot. */
  create(uuid: string): number {
    const slot = this.#cursor;
    if (this.#size === this.capacity) {
      this.#evict(slot);
    } else {
      this.#size++;
      if (slot >= this.cols.length) this.#grow();
    }
    this.#cursor = slot + 1 === this.capacity ? 0 : slot + 1;
    const cols = this.cols;
    cols.clear(slot, uuid);
    this.zones.received.note(slot, NaN);
    this.zones.started.note(slot, NaN);
    this.#slots.add(slot);
    const pending = this.states.acquire(PENDING);
    cols.state[slot] = pending;
    this.index.all.touch(slot, NONE, ALL);
    this.index.byState.touch(slot, NONE, pending);
    this.children.adopt(uuid, slot);
    return slot;
  }

  /** The slot of the oldest task held (where the ring starts). */
  get start(): number {
    return this.#size < this.capacity ? 0 : this.#cursor;
  }

  /** Tasks evicted to make room since the store was made. */
  get evictions(): number {
    return this.#evictions;
  }

  /** The last update sequence number handed out. */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Starts recording every slot touched from now on (duplicates included), read with
   * `takeChanges`, until `unwatchChanges`. A snapshot copies the columns over many turns of the event
   * loop and then re-copies these slots, which makes the copy exact as of its last turn.
   */
  watchChanges(): void {
    this.#changes = [];
  }

  /** The slots recorded since the last call (or `watchChanges`); recording goes on afresh. */
  takeChanges(): number[] {
    const taken = this.#changes ?? [];
    if (this.#changes !== undefined) this.#changes = [];
    return taken;
  }

  /** Stops recording touched slots. */
  unwatchChanges(): void {
    this.#changes = undefined;
  }

  /** Allocates columns for at least `count` slots (before a restore writes into them). */
  reserve(count: number): void {
    const length = Math.min(count, this.capacity);
    if (length > this.cols.length) this.#grow(length);
    this.#slots.reserve(length);
  }

  /**
   * Takes slots `0 .. count-1`, written straight into the columns by a restore, as the held
   * tasks, oldest first, and files their ids. The caller rebuilds the lists and interned
   * references; `seq` is the last sequence number in `cols.seq`.
   */
  adoptRestored(count: number, seq: number): void {
    if (this.#size !== 0) throw new Error("Cannot restore into a store that holds tasks");
    for (let slot = 0; slot < count; slot++) {
      if (!this.#slots.addIfAbsent(slot)) {
        throw new Error(`Duplicate task id '${this.cols.uuid.get(slot)}'`);
      }
    }
    this.#size = count;
    this.#cursor = count === this.capacity ? 0 : count;
    this.#seq = seq;
  }

  /** Moves `slot` to the front of every list it is in: it is now the newest-updated task. */
  touch(slot: number): void {
    const { cols, index } = this;
    cols.seq[slot] = ++this.#seq;
    if (this.#changes !== undefined) this.#changes.push(slot);
    index.all.touch(slot, ALL, ALL);
    const name = cols.name[slot];
    if (name !== NONE) index.byName.touch(slot, name, name);
    const state = cols.state[slot];
    index.byState.touch(slot, state, state);
    const worker = cols.worker[slot];
    if (worker !== NONE) index.byWorker.touch(slot, worker, worker);
  }

  /** Stamps the time of `field` (e.g. `succeeded`) on the task at `slot`. */
  setTime(slot: number, field: TimeField, at: number): void {
    this.cols[field][slot] = at;
    if (field === "received" || field === "started") this.zones[field].note(slot, at);
  }

  /** The state of the task at `slot`. */
  state(slot: number): string {
    return this.states.value(this.cols.state[slot]);
  }

  /** Sets the task name, re-indexing the task under it. */
  setName(slot: number, name: string | null): void {
    const old = this.cols.name[slot];
    // Unchanged (the usual case) costs a string comparison, not an intern lookup.
    if (old !== NONE && name !== null && this.names.value(old) === name) return;
    const id = name === null ? NONE : this.names.acquire(name);
    if (id === old) {
      if (id !== NONE) this.names.release(id);
      return;
    }
    this.cols.name[slot] = id;
    this.index.byName.touch(slot, old, id);
    if (old !== NONE) this.names.release(old);
  }

  /** Sets the state, re-indexing the task under it. */
  setState(slot: number, state: string): void {
    const old = this.cols.state[slot];
    if (old !== NONE && this.states.value(old) === state) return;
    const id = this.states.acquire(state);
    if (id === old) {
      this.states.release(id);
      return;
    }
    this.cols.state[slot] = id;
    this.index.byState.touch(slot, old, id);
    this.states.release(old);
  }

  /** Sets the worker hostname, re-indexing the task under it. */
  setWorker(slot: number, hostname: string): void {
    const old = this.cols.worker[slot];
    if (old !== NONE && this.hosts.value(old) === hostname) return;
    const id = this.hosts.acquire(hostname);
    if (id === old) {
      this.hosts.release(id);
      return;
    }
    this.cols.worker[slot] = id;
    this.index.byWorker.touch(slot, old, id);
    if (old !== NONE) this.hosts.release(old);
  }

  /** Sets the client hostname (the sender of `task-sent`). */
  setClient(slot: number, hostname: string): void {
    this.cols.client[slot] = swap(this.hosts, this.cols.client[slot], hostname);
  }

  /** Sets the exchange the task was published to. */
  setExchange(slot: number, exchange: string | null): void {
    this.cols.exchange[slot] = swap(this.routes, this.cols.exchange[slot], exchange);
  }

  /** Sets the routing key the task was published with. */
  setRoutingKey(slot: number, key: string | null): void {
    this.cols.routing_key[slot] = swap(this.routes, this.cols.routing_key[slot], key);
  }

  /** Sets the root task id; a root task's own id is shared, not stored twice. */
  setRootId(slot: number, rootId: string | null): void {
    const uuid = this.cols.uuid.get(slot);
    this.cols.root_id.set(slot, rootId === uuid ? uuid : rootId);
  }

  /** Sets the parent task id and files the task among the parent's children. */
  setParentId(slot: number, parentId: string | null): void {
    const cols = this.cols;
    const old = cols.parent_id.get(slot);
    if (old === parentId) return;
    const uuid = cols.uuid.get(slot);
    // Celery links only truthy parent ids.
    if (old) this.children.unlink(uuid, old, this.#slots.get(old));
    cols.parent_id.set(slot, parentId);
    if (parentId) this.children.link(uuid, parentId, this.#slots.get(parentId));
  }

  /** The task at `slot` as Flower serialises it. */
  toJson(slot: number): TaskJson {
    const c = this.cols;
    return {
      uuid: c.uuid.get(slot),
      name: text(this.names, c.name[slot]),
      state: this.states.value(c.state[slot]),
      received: num(c.received[slot]),
      sent: num(c.sent[slot]),
      started: num(c.started[slot]),
      rejected: num(c.rejected[slot]),
      succeeded: num(c.succeeded[slot]),
      failed: num(c.failed[slot]),
      retried: num(c.retried[slot]),
      revoked: num(c.revoked[slot]),
      args: c.args.get(slot),
      kwargs: c.kwargs.get(slot),
      eta: c.eta.get(slot),
      expires: c.expires.get(slot),
      retries: c.retries[slot] === NO_RETRIES ? null : c.retries[slot],
      worker: text(this.hosts, c.worker[slot]),
      result: c.result.get(slot),
      exception: c.exception.get(slot),
      timestamp: num(c.timestamp[slot]),
      runtime: num(c.runtime[slot]),
      traceback: c.traceback.get(slot),
      exchange: text(this.routes, c.exchange[slot]),
      routing_key: text(this.routes, c.routing_key[slot]),
      clock: num(c.clock[slot]),
      client: text(this.hosts, c.client[slot]),
      root: c.root_id.get(slot),
      root_id: c.root_id.get(slot),
      parent: c.parent_id.get(slot),
      parent_id: c.parent_id.get(slot),
      children: this.children.of(slot),
    };
  }

  #grow(length = Math.min(this.capacity, this.cols.length * 2)): void {
    this.cols.grow(length);
    this.index.grow(length);
    this.#slots.grow(length);
    this.zones.received.grow(length);
    this.zones.started.grow(length);
  }

  /** Removes the task at `slot` from the map, the indexes, the interners and the child links. */
  #evict(slot: number): void {
    this.#evictions++;
    const { cols, index } = this;
    const uuid = cols.uuid.get(slot);
    const parentId = cols.parent_id.get(slot);
    if (parentId) this.children.unlink(uuid, parentId, this.#slots.get(parentId));
    this.children.orphan(uuid, slot);
    this.#slots.remove(slot);
    index.all.remove(slot, ALL);
    const name = cols.name[slot];
    if (name !== NONE) {
      index.byName.remove(slot, name);
      this.names.release(name);
    }
    const state = cols.state[slot];
    index.byState.remove(slot, state);
    this.states.release(state);
    const worker = cols.worker[slot];
    if (worker !== NONE) {
      index.byWorker.remove(slot, worker);
      this.hosts.release(worker);
    }
    if (cols.client[slot] !== NONE) this.hosts.release(cols.client[slot]);
    if (cols.exchange[slot] !== NONE) this.routes.release(cols.exchange[slot]);
    if (cols.routing_key[slot] !== NONE) this.routes.release(cols.routing_key[slot]);
  }
}

/** Interns `value` in place of `old`, acquiring before releasing so a shared id survives. */
function swap(table: Interner, old: number, value: string | null): number {
  // Unchanged (every task-sent of one client, every routing key) costs a string comparison.
  if (old !== NONE && value !== null && table.value(old) === value) return old;
  const id = value === null ? NONE : table.acquire(value);
  if (old !== NONE) table.release(old);
  return id;
}

function text(table: Interner, id: number): string | null {
  return id === NONE ? null : table.value(id);
}

function num(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}
