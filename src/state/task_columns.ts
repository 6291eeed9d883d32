/**
 * The task table in struct-of-arrays form: one typed array per numeric field and one chunked
 * string column per free-text field (`TextColumn`, see there why chunked), indexed by slot. A
 * million tasks then cost a few hundred bytes each instead of an object with thirty properties,
 * and a scan over one field touches contiguous memory.
 */
import { NONE } from "./intern.ts";
import { TextColumn } from "./text_column.ts";

/** Stored in `retries` for null (retries are small non-negative integers). */
export const NO_RETRIES = -0x80000000;

/** Subjects that stamp a same-named timestamp field (Celery's `TASK_EVENT_TO_STATE` keys). */
export type TimeField =
  | "received"
  | "sent"
  | "started"
  | "rejected"
  | "succeeded"
  | "failed"
  | "retried"
  | "revoked";

/** The float columns, in file order (the persistence format lists them by these names). */
export const F64_COLUMNS = [
  "received",
  "sent",
  "started",
  "rejected",
  "succeeded",
  "failed",
  "retried",
  "revoked",
  "timestamp",
  "runtime",
  "clock",
  "seq",
] as const;

/** The integer columns: interned ids and retries. */
export const I32_COLUMNS = [
  "name",
  "state",
  "worker",
  "client",
  "exchange",
  "routing_key",
  "retries",
] as const;

/** The free-text columns. */
export const TEXT_COLUMNS = [
  "uuid",
  "args",
  "kwargs",
  "result",
  "exception",
  "traceback",
  "eta",
  "expires",
  "root_id",
  "parent_id",
] as const;

/** A float column's name. */
export type F64Column = typeof F64_COLUMNS[number];
/** An integer column's name. */
export type I32Column = typeof I32_COLUMNS[number];
/** A text column's name. */
export type TextColumnName = typeof TEXT_COLUMNS[number];

/**
 * The columns. Typed arrays are replaced on `grow`, so never keep one across an insertion; the
 * text columns grow in place.
 */
export class TaskColumns {
  /** Slots allocated so far. */
  length: number;

  // Times in epoch seconds, NaN for null.
  received: Float64Array;
  sent: Float64Array;
  started: Float64Array;
  rejected: Float64Array;
  succeeded: Float64Array;
  failed: Float64Array;
  retried: Float64Array;
  revoked: Float64Array;
  timestamp: Float64Array;
  runtime: Float64Array;
  clock: Float64Array;
  /**
   * Update order: the store's event sequence number at the task's last update. The recency
   * lists follow it, and a restore rebuilds them from it.
   */
  seq: Float64Array;

  // Interned ids, NONE for null.
  name: Int32Array;
  state: Int32Array;
  worker: Int32Array;
  client: Int32Array;
  exchange: Int32Array;
  routing_key: Int32Array;
  /** NO_RETRIES for null. */
  retries: Int32Array;

  readonly uuid: TextColumn<string>;
  readonly args: TextColumn<string | null>;
  readonly kwargs: TextColumn<string | null>;
  readonly result: TextColumn<string | null>;
  readonly exception: TextColumn<string | null>;
  readonly traceback: TextColumn<string | null>;
  readonly eta: TextColumn<string | null>;
  readonly expires: TextColumn<string | null>;
  readonly root_id: TextColumn<string | null>;
  readonly parent_id: TextColumn<string | null>;

  /**
   * Columns for `length` slots. A copy passes `textLength` 0: its text chunks are copied in
   * whole, so allocating them first would be wasted work. The typed arrays may be allocated
   * longer, for `room` slots: a large typed array is zero pages the kernel maps on first write,
   * so room costs no memory until used, and growing into it copies nothing (each doubling used
   * to leave the old arrays behind as garbage the allocator kept: a third of the RSS at a
   * million tasks).
   */
  constructor(length: number, textLength = length, room = length) {
    this.length = length;
    const n = Math.max(length, room);
    this.received = new Float64Array(n);
    this.sent = new Float64Array(n);
    this.started = new Float64Array(n);
    this.rejected = new Float64Array(n);
    this.succeeded = new Float64Array(n);
    this.failed = new Float64Array(n);
    this.retried = new Float64Array(n);
    this.revoked = new Float64Array(n);
    this.timestamp = new Float64Array(n);
    this.runtime = new Float64Array(n);
    this.clock = new Float64Array(n);
    this.seq = new Float64Array(n);
    this.name = new Int32Array(n);
    this.state = new Int32Array(n);
    this.worker = new Int32Array(n);
    this.client = new Int32Array(n);
    this.exchange = new Int32Array(n);
    this.routing_key = new Int32Array(n);
    this.retries = new Int32Array(n);
    this.uuid = new TextColumn<string>(textLength, "");
    this.args = nulls(textLength);
    this.kwargs = nulls(textLength);
    this.result = nulls(textLength);
    this.exception = nulls(textLength);
    this.traceback = nulls(textLength);
    this.eta = nulls(textLength);
    this.expires = nulls(textLength);
    this.root_id = nulls(textLength);
    this.parent_id = nulls(textLength);
  }

  /** Makes every column hold `length` slots, keeping the contents (typed arrays only grow). */
  grow(length: number): void {
    this.received = f64(this.received, length);
    this.sent = f64(this.sent, length);
    this.started = f64(this.started, length);
    this.rejected = f64(this.rejected, length);
    this.succeeded = f64(this.succeeded, length);
    this.failed = f64(this.failed, length);
    this.retried = f64(this.retried, length);
    this.revoked = f64(this.revoked, length);
    this.timestamp = f64(this.timestamp, length);
    this.runtime = f64(this.runtime, length);
    this.clock = f64(this.clock, length);
    this.seq = f64(this.seq, length);
    this.name = i32(this.name, length);
    this.state = i32(this.state, length);
    this.worker = i32(this.worker, length);
    this.client = i32(this.client, length);
    this.exchange = i32(this.exchange, length);
    this.routing_key = i32(this.routing_key, length);
    this.retries = i32(this.retries, length);
    this.uuid.grow(length);
    this.args.grow(length);
    this.kwargs.grow(length);
    this.result.grow(length);
    this.exception.grow(length);
    this.traceback.grow(length);
    this.eta.grow(length);
    this.expires.grow(length);
    this.root_id.grow(length);
    this.parent_id.grow(length);
    this.length = length;
  }

  /** Resets `slot` to an empty task with id `uuid`; interned ids must be released first. */
  clear(slot: number, uuid: string): void {
    this.received[slot] = NaN;
    this.sent[slot] = NaN;
    this.started[slot] = NaN;
    this.rejected[slot] = NaN;
    this.succeeded[slot] = NaN;
    this.failed[slot] = NaN;
    this.retried[slot] = NaN;
    this.revoked[slot] = NaN;
    this.timestamp[slot] = NaN;
    this.runtime[slot] = NaN;
    this.clock[slot] = NaN;
    this.seq[slot] = 0;
    this.name[slot] = NONE;
    this.state[slot] = NONE;
    this.worker[slot] = NONE;
    this.client[slot] = NONE;
    this.exchange[slot] = NONE;
    this.routing_key[slot] = NONE;
    this.retries[slot] = NO_RETRIES;
    this.uuid.set(slot, uuid);
    this.args.set(slot, null);
    this.kwargs.set(slot, null);
    this.result.set(slot, null);
    this.exception.set(slot, null);
    this.traceback.set(slot, null);
    this.eta.set(slot, null);
    this.expires.set(slot, null);
    this.root_id.set(slot, null);
    this.parent_id.set(slot, null);
  }

  /**
   * Copies slots `start .. end-1` of every column from `from`, which has at least `end`; text
   * columns copy the whole chunks those slots are in.
   */
  copyRange(from: TaskColumns, start: number, end: number): void {
    for (const name of F64_COLUMNS) this[name].set(from[name].subarray(start, end), start);
    for (const name of I32_COLUMNS) this[name].set(from[name].subarray(start, end), start);
    for (const name of TEXT_COLUMNS) {
      (this[name] as TextColumn<string | null>).copyChunks(from[name], start, end);
    }
  }

  /** Copies `slots` of every column from `from`, column by column (each loop stays simple). */
  copySlots(from: TaskColumns, slots: Int32Array): void {
    for (const name of F64_COLUMNS) copyEach(this[name], from[name], slots);
    for (const name of I32_COLUMNS) copyEach(this[name], from[name], slots);
    for (const name of TEXT_COLUMNS) {
      const to = this[name] as TextColumn<string | null>;
      const source = from[name] as TextColumn<string | null>;
      for (let i = 0; i < slots.length; i++) to.set(slots[i], source.get(slots[i]));
    }
  }
}

function copyEach<A extends Float64Array | Int32Array>(to: A, from: A, slots: Int32Array): void {
  for (let i = 0; i < slots.length; i++) to[slots[i]] = from[slots[i]];
}
function nulls(length: number): TextColumn<string | null> {
  return new TextColumn<string | null>(length, null);
}

function f64(old: Float64Array, length: number): Float64Array {
  if (old.length >= length) return old;
  const next = new Float64Array(length);
  next.set(old);
  return next;
}

function i32(old: Int32Array, length: number): Int32Array {
  if (old.length >= length) return old;
  const next = new Int32Array(length);
  next.set(old);
  return next;
}
