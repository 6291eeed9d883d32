/** Picks the transport for a broker URL. */
import { brokerTls, type BrokerUseSsl } from "../celery/broker_tls.ts";
import { parseBrokerUrl } from "../celery/broker_url.ts";
import { namingFromOptions } from "../celery/kombu_redis.ts";
import { sentinelConfig } from "../celery/sentinel.ts";
import { type AmqpOptions, AmqpTransport } from "./amqp.ts";
import { RedisTransport } from "./redis.ts";
import { SentinelTransport } from "./redis_sentinel.ts";
import { loadRedisDriver } from "./redis_connection.ts";
import { nodeTlsOptions } from "./tls_options.ts";
import type { Transport } from "./transport.ts";

/** Options every transport understands. */
export type TransportOptions = Omit<AmqpOptions, "tls"> & {
  /** Celery's `broker_transport_options` (Redis key names, priority steps, Sentinel, …). */
  transportOptions?: Record<string, unknown>;
  /** Celery's `broker_use_ssl`. */
  brokerUseSsl?: BrokerUseSsl;
};

/**
 * Creates the transport for `brokerUrl` (importing the Redis client when it is a Redis one);
 * rejects with an Error naming an unsupported scheme, a bad transport or TLS option, or a
 * certificate file that cannot be read.
 */
export async function createTransport(
  brokerUrl: string,
  options: TransportOptions,
): Promise<Transport> {
  const url = parseBrokerUrl(brokerUrl);
  const settings = brokerTls(url.tls, url.query, options.brokerUseSsl);
  const tls = settings ? nodeTlsOptions(settings) : undefined;
  if (url.kind === "amqp") return new AmqpTransport(url, { ...options, tls });
  await loadRedisDriver();
  const transportOptions = options.transportOptions ?? {};
  const naming = namingFromOptions(url.vhost, transportOptions);
  if (!url.sentinels) return new RedisTransport(url, { naming, tls });
  const sentinel = sentinelConfig(url.sentinels, transportOptions);
  return new SentinelTransport(url, {
    sentinel,
    connect: (master, onLost) =>
      new RedisTransport(
        { ...url, scheme: "redis", hostname: master.host, port: master.port, sentinels: undefined },
        {
          naming,
          tls,
          onLost,
          sentinel: true,
          label: `sentinel master '${sentinel.masterName}' at ${master.host}:${master.port}`,
        },
      ),
  });
}
