/**
 * What RabbitMQ (or amqp-client, before anything is sent) refuses in a task publish, checked
 * beforehand so that the caller gets a 400 naming the option. A refusal by the broker would
 * close the publishing channel and fail every publish in flight on it.
 */
import type { TaskMessage } from "../celery/task_message.ts";
import type { HeaderValue, TaskRoute } from "../celery/task_options.ts";

/** AMQP 0-9-1 short strings (names, keys, most properties) carry at most 255 bytes. */
export const SHORT_STRING_MAX = 255;

/** RabbitMQ refuses a per-message TTL above ten years (`{value_too_large, …}`, 406). */
export const EXPIRATION_MAX_MS = 315_360_000_000;

/** Bytes of a `basic.publish` method frame and a content header frame, besides their fields. */
const FRAME_OVERHEAD = 7 + 4 + 2 + 1 + 1 + 1 + 1 + 7 + 12 + 2 + 1;

const utf8 = new TextEncoder();

/**
 * Why publishing `message` to `route` would be refused, or undefined when it would not.
 * `frameMax` is the connection's frame size: amqp-client writes the method and the content
 * header (all properties and headers) into one frame buffer of that size.
 */
export function amqpPublishProblem(
  message: TaskMessage,
  route: TaskRoute,
  frameMax: number,
): string | undefined {
  const names: [string, string][] = [
    ["queue", route.queue],
    ["exchange", route.exchange],
    ["routing_key", route.routingKey],
    ["task_id", message.properties.correlation_id],
  ];
  for (const [option, value] of names) {
    const bytes = byteLength(value);
    if (bytes > SHORT_STRING_MAX) {
      return `Invalid option '${option}': AMQP allows at most ${SHORT_STRING_MAX} bytes, got ${bytes}`;
    }
  }
  const expiration = Number(message.properties.expiration ?? 0);
  if (expiration > EXPIRATION_MAX_MS) {
    return `Invalid option 'expires': RabbitMQ keeps a message at most 3650 days, got ${
      Math.round(expiration / 86_400_000)
    } days from now`;
  }
  const longKey = longHeaderKey(message.headers, "");
  if (longKey) {
    return `Invalid option 'headers': header name '${
      longKey.slice(0, 40)
    }…' is longer than AMQP's ${SHORT_STRING_MAX} bytes`;
  }
  const p = message.properties;
  const size = FRAME_OVERHEAD + byteLength(route.exchange) + byteLength(route.routingKey) +
    shortSize(p.content_type) + shortSize(p.content_encoding) + tableSize(message.headers) +
    1 + (p.priority ? 1 : 0) + shortSize(p.correlation_id) + shortSize(p.reply_to) +
    shortSize(p.expiration);
  if (size > frameMax) {
    return `Invalid option 'headers': the task's headers take ${size} bytes, more than the ${frameMax} bytes of the broker connection's frames`;
  }
  return undefined;
}

function byteLength(text: string): number {
  return utf8.encode(text).byteLength;
}

function shortSize(text: string | undefined): number {
  return text ? 1 + byteLength(text) : 0;
}

/** The first header name, at any depth, past the short-string limit. */
function longHeaderKey(table: Record<string, HeaderValue>, prefix: string): string | undefined {
  for (const [key, value] of Object.entries(table)) {
    if (byteLength(key) > SHORT_STRING_MAX) return prefix + key;
    const nested = nestedKey(value, `${prefix}${key}.`);
    if (nested) return nested;
  }
  return undefined;
}

function nestedKey(value: HeaderValue, prefix: string): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const nested = nestedKey(item, prefix);
      if (nested) return nested;
    }
    return undefined;
  }
  if (value !== null && typeof value === "object") return longHeaderKey(value, prefix);
  return undefined;
}

/** Encoded size of a field table as amqp-client writes it (`amqp-view.js`, `setTable`). */
function tableSize(table: Record<string, HeaderValue>): number {
  let size = 4;
  for (const [key, value] of Object.entries(table)) {
    size += 1 + byteLength(key) + fieldSize(value);
  }
  return size;
}

function fieldSize(value: HeaderValue): number {
  if (value === null) return 1;
  switch (typeof value) {
    case "string":
      return 1 + 4 + byteLength(value);
    case "boolean":
      return 2;
    case "number":
      // int32 as `I`; larger integers go as bigint `l` (see toFieldTable).
      return value >= -0x80000000 && value <= 0x7fffffff ? 5 : 9;
  }
  if (Array.isArray(value)) {
    return 1 + 4 + value.reduce<number>((sum, item) => sum + fieldSize(item), 0);
  }
  return 1 + tableSize(value);
}
