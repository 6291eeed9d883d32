/**
 * Hand-made messages on Celery's event channel, whichever the broker: the `celeryev` topic
 * exchange on RabbitMQ, or a kombu envelope PUBLISHed on `/<db>.celeryev/<routing key>` on
 * Redis. Tests use it to feed Stalk malformed events next to real ones.
 */

import { createClient } from "redis";
import { publishRaw, type RawMessage } from "./amqp_raw.ts";
import type { BrokerKind } from "./env.ts";

/** A message that is not even a kombu envelope (Redis only; AMQP has no envelope). */
export interface RawEnvelope {
  routingKey: string;
  /** Published as it is on the channel. */
  text: string;
}

/** Publish `messages` in order on the event channel of `brokerUrl`. */
export async function publishRawEvents(
  kind: BrokerKind,
  brokerUrl: string,
  messages: RawMessage[],
  notEnvelopes: RawEnvelope[] = [],
): Promise<void> {
  if (kind === "amqp") {
    await publishRaw(brokerUrl, messages);
    return;
  }
  const db = new URL(brokerUrl).pathname.slice(1) || "0";
  const client = createClient({ url: brokerUrl });
  await client.connect();
  try {
    for (const message of messages) {
      await client.publish(`/${db}.celeryev/${message.routingKey}`, envelope(message));
    }
    for (const raw of notEnvelopes) {
      await client.publish(`/${db}.celeryev/${raw.routingKey}`, raw.text);
    }
  } finally {
    client.destroy();
  }
}

/** kombu's Redis envelope around a raw body (base64, as kombu 5.2 writes it). */
function envelope(message: RawMessage): string {
  const bytes = typeof message.body === "string"
    ? new TextEncoder().encode(message.body)
    : message.body;
  const contentType = message.contentType === undefined ? "application/json" : message.contentType;
  const encoding = message.contentEncoding === undefined ? "utf-8" : message.contentEncoding;
  return JSON.stringify({
    body: Buffer.from(bytes).toString("base64"),
    ...(encoding === null ? {} : { "content-encoding": encoding }),
    ...(contentType === null ? {} : { "content-type": contentType }),
    headers: message.headers ?? { hostname: "synthetic@e2e" },
    properties: {
      delivery_mode: 1,
      delivery_info: { exchange: "celeryev", routing_key: message.routingKey },
      priority: 0,
      body_encoding: "base64",
      delivery_tag: crypto.randomUUID(),
    },
  });
}
