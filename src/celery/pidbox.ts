/**
 * Pidbox request messages as kombu's `Mailbox._publish` builds them (`kombu/pidbox.py`): a JSON
 * body naming the method, its arguments and the destination, with `clock` and `expires` headers.
 */
import type { ControlMessage } from "../broker/transport.ts";

/** Who a broadcast is for and where replies go. */
export interface ControlOptions {
  /** Node names; omitted or empty means every worker. */
  destination?: string[];
  /** Reply routing: present only when replies are wanted. */
  replyTo?: { exchange: string; routingKey: string };
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
