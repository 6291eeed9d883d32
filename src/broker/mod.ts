/** Picks the transport for a broker URL. */
import { parseBrokerUrl } from "../celery/broker_url.ts";
import { type AmqpOptions, AmqpTransport } from "./amqp.ts";
import type { Transport } from "./transport.ts";

/** Options every transport understands. */
export type TransportOptions = AmqpOptions;

/** Creates the transport for `brokerUrl`; throws an Error naming an unsupported scheme. */
export function createTransport(brokerUrl: string, options: TransportOptions): Transport {
  const url = parseBrokerUrl(brokerUrl);
  if (url.kind === "amqp") return new AmqpTransport(url, options);
  throw new Error(`Redis brokers are not supported yet (${url.scheme}://)`);
}
