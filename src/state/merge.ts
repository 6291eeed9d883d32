/**
 * Celery's task merge rules (`celery.events.state.Task.event`, protocol doc 2.9): which state an
 * event implies, when an event is out of order, and which of its fields are taken.
 */
import type { TimeField } from "./task_columns.ts";
import { NO_RETRIES } from "./task_columns.ts";
import type { TaskStore } from "./task_store.ts";
import type { CeleryEvent } from "./types.ts";

/** Celery's `TASK_EVENT_TO_STATE`: event subject -> state. */
export const TASK_EVENT_TO_STATE: ReadonlyMap<string, string> = new Map([
  ["sent", "PENDING"],
  ["received", "RECEIVED"],
  ["started", "STARTED"],
  ["failed", "FAILURE"],
  ["retried", "RETRY"],
  ["succeeded", "SUCCESS"],
  ["revoked", "REVOKED"],
  ["rejected", "REJECTED"],
]);

// celery/states.py PRECEDENCE; a custom state sits where `None` is, at 2.
const PRECEDENCE = new Map([
  ["SUCCESS", 0],
  ["FAILURE", 1],
  ["REVOKED", 3],
  ["STARTED", 4],
  ["RECEIVED", 5],
  ["REJECTED", 6],
  ["RETRY", 7],
  ["PENDING", 8],
]);
const CUSTOM_PRECEDENCE = 2;

/** Celery's `states.precedence`: a lower index wins. */
export function precedence(state: string): number {
  return PRECEDENCE.get(state) ?? CUSTOM_PRECEDENCE;
}

/**
 * True when an event implying `next` logically happened before the task's `current` state
 * (Celery: neither is RETRY and `next` has a larger index), so the state must not change.
 */
export function isOutOfOrder(next: string, current: string): boolean {
  return next !== "RETRY" && current !== "RETRY" && precedence(next) > precedence(current);
}

/** What one event type means to the state, worked out once per type (`eventKind`). */
export interface EventKind {
  /** The event type itself, one string per type (the listeners compare and key by it). */
  type: string;
  /** Text before the first `-` (Python's `str.partition`): `task`, `worker`, or another. */
  group: string;
  /** Text after it: `succeeded`, `heartbeat`, a custom subject, or "". */
  subject: string;
  /** The state a task event implies: Celery's mapping, or the subject upper-cased. */
  state: string;
  /** `precedence(state)`. */
  precedence: number;
  /** The time column a known task subject stamps. */
  time: TimeField | undefined;
}

const KINDS = new Map<string, EventKind>();
/** Custom event types are remembered up to this many; past it they are worked out each time. */
const MAX_KINDS = 1024;

/**
 * The kind of event `type`. Cached, because splitting and mapping the type on every event cost
 * two new strings and three lookups keyed by them, a tenth of the whole apply step.
 */
export function eventKind(type: string): EventKind {
  const cached = KINDS.get(type);
  if (cached !== undefined) return cached;
  const dash = type.indexOf("-");
  const group = dash < 0 ? type : type.slice(0, dash);
  const subject = dash < 0 ? "" : type.slice(dash + 1);
  const known = TASK_EVENT_TO_STATE.get(subject);
  const state = known ?? subject.toUpperCase();
  const kind: EventKind = {
    type,
    group,
    subject,
    state,
    precedence: precedence(state),
    // The map's own key, not the slice, so the column is looked up by a constant name.
    time: known === undefined ? undefined : TIME_FIELDS.get(subject),
  };
  if (KINDS.size < MAX_KINDS) KINDS.set(type, kind);
  return kind;
}

const TIME_FIELDS = new Map<string, TimeField>(
  [...TASK_EVENT_TO_STATE.keys()].map((subject) => [subject, subject as TimeField]),
);

/**
 * Applies a task event of `kind` to the task at `slot`, as `Task.event` does. Fields of the
 * wrong type (custom events may carry anything) are skipped, unknown ones ignored.
 */
export function mergeTaskEvent(
  store: TaskStore,
  slot: number,
  kind: EventKind,
  event: CeleryEvent,
): void {
  const state = kind.state;
  // Celery stamps e.g. `task.succeeded` whether or not the event is out of order.
  if (kind.time !== undefined) store.setTime(slot, kind.time, event.timestamp);
  const current = store.state(slot);
  const outOfOrder = state !== "RETRY" && current !== "RETRY" &&
    kind.precedence > precedence(current);
  if (outOfOrder && state === "RECEIVED") {
    mergeReceivedFields(store, slot, event);
    return;
  }
  mergeReceivedFields(store, slot, event);
  mergeOtherFields(store, slot, event);
  // Out-of-order events other than RECEIVED still bring every field, `timestamp` included.
  store.cols.timestamp[slot] = event.timestamp;
  if (typeof event.clock === "number") store.cols.clock[slot] = event.clock;
  if (!outOfOrder) store.setState(slot, state);
}

/** Celery's `merge_rules[RECEIVED]`: the fields an out-of-order `task-received` still brings. */
function mergeReceivedFields(store: TaskStore, slot: number, e: CeleryEvent): void {
  const cols = store.cols;
  const name = e.name;
  if (isText(name)) store.setName(slot, name);
  if (isText(e.args)) cols.args.set(slot, e.args);
  if (isText(e.kwargs)) cols.kwargs.set(slot, e.kwargs);
  const parentId = e.parent_id;
  if (isText(parentId)) store.setParentId(slot, parentId);
  const rootId = e.root_id;
  if (isText(rootId)) store.setRootId(slot, rootId);
  const retries = e.retries;
  if (retries === null) cols.retries[slot] = NO_RETRIES;
  else if (Number.isInteger(retries)) cols.retries[slot] = retries as number;
  if (isText(e.eta)) cols.eta.set(slot, e.eta);
  if (isText(e.expires)) cols.expires.set(slot, e.expires);
}

function mergeOtherFields(store: TaskStore, slot: number, e: CeleryEvent): void {
  const cols = store.cols;
  if (isText(e.result)) cols.result.set(slot, e.result);
  if (isText(e.exception)) cols.exception.set(slot, e.exception);
  if (isText(e.traceback)) cols.traceback.set(slot, e.traceback);
  const runtime = e.runtime;
  if (runtime === null) cols.runtime[slot] = NaN;
  else if (typeof runtime === "number") cols.runtime[slot] = runtime;
  const exchange = e.exchange;
  if (isText(exchange)) store.setExchange(slot, exchange);
  const routingKey = e.routing_key;
  if (isText(routingKey)) store.setRoutingKey(slot, routingKey);
}

/** A string or an explicit null: what the validator allows for Celery's text fields. */
function isText(value: unknown): value is string | null {
  return value === null || typeof value === "string";
}
