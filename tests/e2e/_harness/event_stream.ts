/**
 * A steady stream of synthetic `task-received` events on Celery's event channel that keeps
 * going through a broker outage: it reconnects by itself and records when each event was
 * accepted by the broker (a publisher confirm on RabbitMQ, the PUBLISH reply on Redis), so a
 * test can tell exactly which events a monitor should have seen.
 */

import { AMQPClient } from "@cloudamqp/amqp-client";
import { createClient } from "redis";
import type { BrokerKind } from "./env.ts";

/** One event the broker accepted. */
export interface SentEvent {
  uuid: string;
  /** Epoch milliseconds when the broker accepted it. */
  at: number;
}

/** A running stream. */
export interface EventStream {
  /** The events accepted so far, in order. */
  sent(): SentEvent[];
  /** Stops publishing and closes the connection. */
  stop(): Promise<void>;
}

type Publish = (routingKey: string, body: string) => Promise<void>;

/** Publishes one event every `intervalMs` under task name `name` until stopped. */
export function startEventStream(
  kind: BrokerKind,
  brokerUrl: string,
  { name, intervalMs = 50, hostname = "stream@e2e" }: {
    name: string;
    intervalMs?: number;
    hostname?: string;
  },
): EventStream {
  const sent: SentEvent[] = [];
  let stopped = false;
  let close: () => Promise<void> = () => Promise.resolve();
  const loop = (async () => {
    let clock = 1;
    while (!stopped) {
      let publish: Publish;
      try {
        [publish, close] = await connect(kind, brokerUrl);
      } catch {
        await pause(100);
        continue;
      }
      while (!stopped) {
        const uuid = crypto.randomUUID();
        const event = {
          type: "task-received",
          uuid,
          name,
          hostname,
          timestamp: Date.now() / 1000,
          clock: clock++,
          pid: 4242,
          args: "()",
          kwargs: "{}",
          retries: 0,
        };
        // A publish that outlives its timeout still fails later (the broker closes the
        // connection when it stops): observe that, or it is an unhandled rejection.
        const published = publish("task.received", JSON.stringify(event));
        published.catch(() => {});
        try {
          await withTimeout(published, 2_000);
        } catch {
          break;
        }
        sent.push({ uuid, at: Date.now() });
        await pause(intervalMs);
      }
      await close().catch(() => {});
    }
  })();
  return {
    sent: () => [...sent],
    async stop() {
      stopped = true;
      await close().catch(() => {});
      await loop;
    },
  };
}

async function connect(
  kind: BrokerKind,
  brokerUrl: string,
): Promise<[Publish, () => Promise<void>]> {
  if (kind === "amqp") {
    const client = new AMQPClient(brokerUrl.replace(/^amqp:\/\/([^/]*)\/\/$/, "amqp://$1/%2F"));
    client.onerror = () => {};
    await client.connect();
    const channel = await client.channel();
    await channel.exchangeDeclare("celeryev", "topic", { durable: true, autoDelete: false });
    await channel.confirmSelect();
    return [
      async (routingKey, body) => {
        await channel.basicPublish("celeryev", routingKey, body, {
          contentType: "application/json",
          contentEncoding: "utf-8",
          deliveryMode: 1,
        });
      },
      () => client.close(),
    ];
  }
  const db = new URL(brokerUrl).pathname.slice(1) || "0";
  const client = createClient({
    url: brokerUrl,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: false },
  });
  client.on("error", () => {});
  await client.connect();
  return [
    async (routingKey, body) => {
      await client.publish(`/${db}.celeryev/${routingKey}`, envelope(routingKey, body));
    },
    () => Promise.resolve(client.destroy()),
  ];
}

/** kombu's Redis envelope (base64 body, as kombu 5.2 writes it). */
function envelope(routingKey: string, body: string): string {
  return JSON.stringify({
    body: Buffer.from(body).toString("base64"),
    "content-encoding": "utf-8",
    "content-type": "application/json",
    headers: {},
    properties: {
      delivery_mode: 1,
      delivery_info: { exchange: "celeryev", routing_key: routingKey },
      priority: 0,
      body_encoding: "base64",
      delivery_tag: crypto.randomUUID(),
    },
  });
}

/** An unconfirmed publish on a dying connection must not stall the stream. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no confirm within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
