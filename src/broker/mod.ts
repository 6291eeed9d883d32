/** Picks the transport for a broker URL. */
import { parseBrokerUrl } from "../celery/broker_url.ts";
import { namingFromOptions } from "../celery/kombu_redis.ts";
import { type AmqpOptions, AmqpTransport } from "./amqp.ts";
import { RedisTransport } from "./redis.ts";
import type { Transport } from "./transport.ts";

/** Options every transport understands. */
export type TransportOptions = AmqpOptions & {
  /** Celery's `broker_transport_options` (Redis key names, priority steps, …). */
  transportOptions?: Record<string, unknown>;
};

/**
 * Creates the transport for `brokerUrl`; throws an Error naming an unsupported scheme or a bad
 * transport option.
 */
export function createTransport(brokerUrl: string, options: TransportOptions): Transport {
  const url = parseBrokerUrl(brokerUrl);
  if (url.kind === "amqp") return new AmqpTransport(url, options);
  const naming = namingFromOptions(url.vhost, options.transportOptions ?? {});
  return new RedisTransport(url, { naming });
}
