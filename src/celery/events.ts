/**
 * Decoding and validation of Celery event messages (`celery/events/receiver.py`). A message body
 * is one event object or, for `task.multi`, an array of them. Every event is checked against a
 * schema; a bad one is reported with a reason and the good ones beside it are kept.
 */
import * as v from "valibot";

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

/** Defaults: a worker's batch is at most 24 events of a few KB each. */
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

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Decodes one event message body into valid events and rejections. Never throws. */
export function decodeEventMessage(
  body: Uint8Array | string,
  contentType: string | undefined,
  limits: DecodeLimits = DEFAULT_LIMITS,
): DecodedMessage {
  const size = typeof body === "string" ? body.length : body.byteLength;
  if (size > limits.maxBytes) {
    return reject("too_large", `${size} bytes exceeds the ${limits.maxBytes} byte limit`);
  }
  if (contentType && !contentType.toLowerCase().startsWith("application/json")) {
    return reject("content_type", `content type '${contentType}' is not JSON`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === "string" ? body : decoder.decode(body));
  } catch (error) {
    return reject("bad_json", error instanceof Error ? error.message : "unparseable body");
  }
  if (Array.isArray(parsed)) {
    if (parsed.length > limits.maxBatch) {
      return reject("too_large", `batch of ${parsed.length} events exceeds ${limits.maxBatch}`);
    }
    const out: DecodedMessage = { events: [], rejections: [] };
    for (const item of parsed) collect(item, limits, out);
    return out;
  }
  const out: DecodedMessage = { events: [], rejections: [] };
  collect(parsed, limits, out);
  return out;
}

function reject(reason: RejectReason, detail: string): DecodedMessage {
  return { events: [], rejections: [{ reason, detail }] };
}

function collect(item: unknown, limits: DecodeLimits, out: DecodedMessage): void {
  const result = validateEvent(item, limits.maxDepth);
  if (result.ok) out.events.push(result.event);
  else out.rejections.push(result.rejection);
}

/** The outcome of validating one event. */
export type Validated = { ok: true; event: RawEvent } | { ok: false; rejection: Rejection };

function invalid(reason: RejectReason, detail: string): Validated {
  return { ok: false, rejection: { reason, detail } };
}

/** Validates one decoded event object. */
export function validateEvent(item: unknown, maxDepth: number): Validated {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
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

/** Nesting depth of a value, counting stops once `limit` is reached. */
function depthOf(value: unknown, limit: number): number {
  if (typeof value !== "object" || value === null) return 0;
  if (limit <= 0) return 1;
  let deepest = 0;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (typeof child === "object" && child !== null) {
      const depth = depthOf(child, limit - 1);
      if (depth > deepest) deepest = depth;
      if (deepest >= limit) break;
    }
  }
  return deepest + 1;
}
