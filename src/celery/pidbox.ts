/**
 * Celery's remote-control mailbox (`kombu/pidbox.py`): the exchange names, the reply queue's
 * name, and request messages as `Mailbox._publish` builds them — a JSON body naming the method,
 * its arguments and the destination, with `clock` and `expires` headers.
 */

/** The fanout exchange every worker's mailbox is bound to (`celery.pidbox`). */
export const PIDBOX_EXCHANGE = "celery.pidbox";

/** The direct exchange replies go to, routed by the asker's oid (`reply.celery.pidbox`). */
export const REPLY_EXCHANGE = "reply.celery.pidbox";

/** kombu's `Mailbox.get_reply_queue` name for the process whose oid is `oid`. */
export function replyQueueName(oid: string): string {
  return `${oid}.${REPLY_EXCHANGE}`;
}

/** A pidbox request as Celery's `Mailbox._publish` sends it (to the `celery.pidbox` fanout). */
export interface ControlMessage {
  body: Record<string, unknown>;
  headers: Record<string, string | number>;
}

/** A reply from a worker's mailbox: body `{node: reply}`, header `ticket`. */
export interface ControlReply {
  ticket?: string;
  body: Uint8Array;
  contentType?: string;
}

/** Where workers should send replies (the pidbox `reply_to` field). */
export interface ReplyRoute {
  exchange: string;
  routingKey: string;
}

/** Who a broadcast is for and where replies go. */
export interface ControlOptions {
  /** Node names; omitted or empty means every worker. */
  destination?: string[];
  /** Reply routing: present only when replies are wanted. */
  replyTo?: ReplyRoute;
  ticket?: string;
  /** Seconds the request stays meaningful (workers ignore it; kombu sends it). */
  timeout?: number;
}

/** Builds a pidbox request. `clock` is the sender's Lamport clock. */
export function controlRequest(
  method: string,
  args: Record<string, unknown>,
  clock: number,
  options: ControlOptions = {},
  nowSeconds: number = Date.now() / 1000,
): ControlMessage {
  const body: Record<string, unknown> = {
    method,
    arguments: args,
    destination: options.destination?.length ? options.destination : null,
    pattern: null,
    matcher: null,
  };
  if (options.replyTo) {
    body.ticket = options.ticket ?? crypto.randomUUID();
    body.reply_to = { exchange: options.replyTo.exchange, routing_key: options.replyTo.routingKey };
  }
  // amqp-client writes fractional header numbers as float32, so whole seconds are sent.
  const expires = options.timeout ? Math.ceil(nowSeconds + options.timeout) : 0;
  return { body, headers: { clock, expires } };
}

/**
 * Task names in an `inspect registered` reply: each entry is `name` or, with
 * `taskinfoitems`, `name [rate_limit=...]`. Anything but an array lists none.
 */
export function registeredTaskNames(registered: unknown): string[] {
  if (!Array.isArray(registered)) return [];
  return registered.map((entry) => String(entry).split(" ")[0]);
}
