/**
 * The `task-sent` event a Celery client with `task_send_sent_event` publishes after each task
 * (`celery/app/amqp.py`: `as_task_v2`'s `sent_event`, completed in `send_task_message`, sent by
 * `EventDispatcher.publish`). Monitors list the task as PENDING from it, with its client.
 */
import type { TaskMessage } from "./task_message.ts";
import type { TaskOptions, TaskRoute } from "./task_options.ts";

/** An event ready to publish on the event exchange; `type` gives the routing key. */
export interface OutgoingEvent {
  type: string;
  hostname: string;
  [field: string]: unknown;
}

/** Who sends the event, and when. */
export interface EventSender {
  /** The dispatcher's node name: `gen<pid>@<hostname>`, as the task's `origin`. */
  hostname: string;
  pid: number;
  /** The sender's Lamport clock after `forward()`. */
  clock: number;
  /** `celery.utils.time.utcoffset()`: hours, positive west of UTC. */
  utcoffset: number;
  /** Epoch seconds. */
  timestamp: number;
}

/**
 * The queue name Celery puts in the event: the one asked for, else the default queue when no
 * exchange was named either, else none (`send_task_message`'s `qname`).
 */
export function sentEventQueue(options: TaskOptions, defaultQueue = "celery"): string | null {
  if (options.queue !== undefined) return options.queue;
  return options.exchange === undefined ? defaultQueue : null;
}

/**
 * Builds `task-sent` for `message`, key for key in Celery's order: the dispatcher's fields,
 * then the sent-event fields, then `queue`, `exchange`, `routing_key`, `timestamp`, `type`.
 */
export function buildTaskSentEvent(
  message: TaskMessage,
  route: TaskRoute,
  queue: string | null,
  sender: EventSender,
): OutgoingEvent {
  const h = message.headers;
  return {
    hostname: sender.hostname,
    utcoffset: sender.utcoffset,
    pid: sender.pid,
    clock: sender.clock,
    uuid: h.id,
    root_id: h.root_id,
    parent_id: h.parent_id,
    name: h.task,
    args: h.argsrepr,
    kwargs: h.kwargsrepr,
    retries: h.retries,
    eta: h.eta,
    expires: h.expires,
    queue,
    exchange: route.exchange,
    routing_key: route.routingKey,
    timestamp: sender.timestamp,
    type: "task-sent",
  };
}

/** The routing key of an event on the `celeryev` exchange: `task-sent` → `task.sent`. */
export function eventRoutingKey(type: string): string {
  return type.replaceAll("-", ".");
}
