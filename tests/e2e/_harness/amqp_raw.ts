/**
 * Raw AMQP publishing for tests that feed Stalk hand-made messages (malformed events). It talks
 * to the broker directly with `@cloudamqp/amqp-client`, bypassing Celery entirely.
 */

import { AMQPClient, type Field } from "@cloudamqp/amqp-client";

/** One message to publish. */
export interface RawMessage {
  /** Default `celeryev` (Celery's event exchange: topic, durable). */
  exchange?: string;
  routingKey: string;
  body: string | Uint8Array;
  /** Default `application/json`; null sends none. */
  contentType?: string | null;
  /** Default `utf-8`; null sends none. */
  contentEncoding?: string | null;
  /** Message headers (on Redis, the envelope's `headers`). */
  headers?: Record<string, Field>;
}

/**
 * Publish `messages` in order on one connection to `brokerUrl` (a Celery `amqp://` URL) and
 * close it. The `celeryev` exchange is declared as Celery declares it, so publishing works even
 * before any worker or monitor has created it.
 */
export async function publishRaw(brokerUrl: string, messages: RawMessage[]): Promise<void> {
  const client = new AMQPClient(brokerUrl.replace(/^amqp:\/\/([^/]*)\/\/$/, "amqp://$1/%2F"));
  await client.connect();
  try {
    const channel = await client.channel();
    await channel.exchangeDeclare("celeryev", "topic", { durable: true, autoDelete: false });
    for (const message of messages) {
      const contentType = message.contentType === undefined
        ? "application/json"
        : message.contentType ?? undefined;
      await channel.basicPublish(message.exchange ?? "celeryev", message.routingKey, message.body, {
        contentType,
        contentEncoding: message.contentEncoding === undefined
          ? "utf-8"
          : message.contentEncoding ?? undefined,
        deliveryMode: 1,
        headers: message.headers,
      });
    }
    await channel.close();
  } finally {
    await client.close().catch(() => {});
  }
}
