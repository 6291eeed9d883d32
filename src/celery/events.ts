/**
 * Decoding and validation of Celery event messages (`celery/events/receiver.py`). A message body
 * is one event object or, for `task.multi`, an array of them. Every event is checked against a
 * schema; a bad one is reported with a reason and the good ones beside it are kept. The valibot
 * schemas below are the definition; valid events pass through `_event_fast_path.ts`, plain checks
 * that accept exactly what the schemas accept at a fraction of the cost.
 */
import * as v from "valibot";
import { depthOf, fastAccepts } from "./_event_fast_path.ts";

/** The topic exchange Celery's events are published to (`celeryev`). */
export const EVENT_EXCHANGE = "celeryev";

/**
 * A task's epoch-second times (fields of Celery's `events.state.Task`): one stamped by each
 * task event of that name, and `timestamp`, the last event's. In the order a task lives them.
 */
export const TASK_TIME_FIELDS = [
  "sent",
  "received",
  "started",
  "succeeded",
  "failed",
  "retried",
  "revoked",
  "rejected",
  "timestamp",
] as const;

/** One of {@linkcode TASK_TIME_FIELDS}. */
export type TaskTimeField = typeof TASK_TIME_FIELDS[number];

/** Why an event or a message was dropped. Counted and logged once per kind. */
export type RejectReason =
  | "bad_envelope"
  | "too_large"
  | "content_type"
  | "bad_json"
  | "too_deep"
  | "not_an_event"
  | "unknown_type"
  | "invalid_fields";

/** A dropped event with its reason and a short detail for the log. */
export interface Rejection {
  reason: RejectReason;
  detail: string;
}

/** An event that passed validation: the fields Stalk reads have the right types. */
export interface RawEvent {
  type: string;
  hostname: string;
  timestamp: number;
  clock?: number;
  utcoffset?: number;
  [field: string]: unknown;
}

/** Result of decoding one message body. */
export interface DecodedMessage {
  events: RawEvent[];
  rejections: Rejection[];
}

/** Limits that keep one hostile message from costing more than it is worth. */
export interface DecodeLimits {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Deepest nesting of arrays and objects accepted inside one event. */
  maxDepth: number;
  /** Most events accepted in one `task.multi` batch. */
  maxBatch: number;
}

/**
 * Defaults: Celery's dispatcher flushes a batch at 24 events of a few KB each, so these bounds
 * sit far above real traffic and only stop a message that would exhaust memory or the stack.
 */
export const DEFAULT_LIMITS: DecodeLimits = { maxBytes: 8 << 20, maxDepth: 16, maxBatch: 10_000 };

const finite = v.pipe(v.number(), v.finite());
const int = v.pipe(v.number(), v.integer());
const text = v.nullish(v.string());

const Common = {
  type: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  hostname: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
  timestamp: finite,
  clock: v.optional(v.pipe(int, v.minValue(0))),
  utcoffset: v.optional(finite),
  pid: v.optional(int),
};

const TaskEvent = v.looseObject({
  ...Common,
  uuid: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
  name: text,
  args: text,
  kwargs: text,
  retries: v.nullish(int),
  eta: text,
  expires: text,
  root_id: text,
  parent_id: text,
  result: text,
  runtime: v.nullish(finite),
  exception: text,
  traceback: text,
  exchange: text,
  routing_key: text,
});

const WorkerEvent = v.looseObject({
  ...Common,
  freq: v.optional(v.pipe(finite, v.minValue(0))),
  active: v.optional(int),
  processed: v.optional(int),
  loadavg: v.optional(v.pipe(v.array(finite), v.maxLength(3))),
  sw_ident: v.optional(v.string()),
  sw_ver: v.optional(v.string()),
  sw_sys: v.optional(v.string()),
});

const strict = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder("utf-8");

/**
 * UTF-8 to text, throwing on malformed input. The lenient decoder is several times faster on
 * Deno, and a malformed sequence always leaves U+FFFD in its output, so only a body whose text
 * holds one (rare) is decoded again strictly to tell a real U+FFFD from a broken byte.
 */
function decodeUtf8(body: Uint8Array): string {
  const text = lenient.decode(body);
  return text.includes("\uFFFD") ? strict.decode(body) : text;
}

/** Receives what one message body holds, event by event, in body order. */
export interface EventVisitor {
  /** A valid event. */
  event(event: RawEvent): void;
  /** A dropped event, or the whole body when it could not be read. */
  reject(reason: RejectReason, detail: string): void;
}

/**
 * Decodes one event message body and hands each valid event and each rejection to `visitor` as
 * it goes, without collecting them. Never throws unless the visitor does.
 */
export function decodeEvents(
  body: Uint8Array | string,
  contentType: string | undefined,
  visitor: EventVisitor,
  limits: DecodeLimits = DEFAULT_LIMITS,
): void {
  const size = typeof body === "string" ? body.length : body.byteLength;
  if (size > limits.maxBytes) {
    return visitor.reject("too_large", `${size} bytes exceeds the ${limits.maxBytes} byte limit`);
  }
  if (contentType && !isJsonContentType(contentType)) {
    return visitor.reject("content_type", `content type '${contentType}' is not JSON`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === "string" ? body : decodeUtf8(body));
  } catch (error) {
    return visitor.reject("bad_json", error instanceof Error ? error.message : "unparseable body");
  }
  if (!Array.isArray(parsed)) return visit(parsed, limits.maxDepth, visitor);
  if (parsed.length > limits.maxBatch) {
    return visitor.reject(
      "too_large",
      `batch of ${parsed.length} events exceeds ${limits.maxBatch}`,
    );
  }
  for (let i = 0; i < parsed.length; i++) visit(parsed[i], limits.maxDepth, visitor);
}

/** Decodes one event message body into valid events and rejections. Never throws. */
export function decodeEventMessage(
  body: Uint8Array | string,
  contentType: string | undefined,
  limits: DecodeLimits = DEFAULT_LIMITS,
): DecodedMessage {
  const out: DecodedMessage = { events: [], rejections: [] };
  decodeEvents(body, contentType, {
    event: (event) => out.events.push(event),
    reject: (reason, detail) => out.rejections.push({ reason, detail }),
  }, limits);
  return out;
}

/** `application/json`, with or without parameters, in any case (the common spelling first). */
function isJsonContentType(contentType: string): boolean {
  return contentType === "application/json" ||
    contentType.toLowerCase().startsWith("application/json");
}

function visit(item: unknown, maxDepth: number, visitor: EventVisitor): void {
  if (isPlainObject(item) && fastAccepts(item, maxDepth)) return visitor.event(item as RawEvent);
  const result = validateEventReference(item, maxDepth);
  if (result.ok) visitor.event(result.event);
  else visitor.reject(result.rejection.reason, result.rejection.detail);
}

function isPlainObject(item: unknown): item is object {
  return typeof item === "object" && item !== null && !Array.isArray(item);
}

/** The outcome of validating one event. */
export type Validated = { ok: true; event: RawEvent } | { ok: false; rejection: Rejection };

function invalid(reason: RejectReason, detail: string): Validated {
  return { ok: false, rejection: { reason, detail } };
}

/**
 * Validates one decoded event object. Valid events take a fast path that returns the object
 * itself; the rest are judged by the schemas (`validateEventReference`), which name the problem.
 */
export function validateEvent(item: unknown, maxDepth: number): Validated {
  if (isPlainObject(item) && fastAccepts(item, maxDepth)) {
    return { ok: true, event: item as RawEvent };
  }
  return validateEventReference(item, maxDepth);
}

/** The reference validation: the depth limit, then the valibot schema of the event's group. */
export function validateEventReference(item: unknown, maxDepth: number): Validated {
  if (!isPlainObject(item)) {
    return invalid("not_an_event", "event is not a JSON object");
  }
  if (depthOf(item, maxDepth + 1) > maxDepth) {
    return invalid("too_deep", `nesting deeper than ${maxDepth}`);
  }
  const type = (item as { type?: unknown }).type;
  if (typeof type !== "string") {
    return invalid("invalid_fields", "type: missing or not a string");
  }
  const schema = type.startsWith("task-")
    ? TaskEvent
    : type.startsWith("worker-")
    ? WorkerEvent
    : null;
  if (!schema) return invalid("unknown_type", `event type '${type.slice(0, 64)}'`);
  const result = v.safeParse(schema, item);
  if (!result.success) {
    const issue = result.issues[0];
    const path = v.getDotPath(issue) ?? "event";
    return invalid("invalid_fields", `${type}: ${path}: ${issue.message}`);
  }
  return { ok: true, event: result.output as RawEvent };
}
