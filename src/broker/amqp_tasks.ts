/**
 * Task publishing and the `rpc://` result queue over one AMQP connection. Celery declares the
 * target queue before every publish; redeclaring a queue whose arguments differ (say a
 * priority queue a worker declared with `x-max-priority`) closes the channel with 406, so
 * Stalk checks passively first and declares only queues that do not exist. Publishes go on a
 * dedicated channel in confirm mode, so a broker refusal reaches the caller.
 */
import type { AMQPChannel, AMQPClient, Field } from "@cloudamqp/amqp-client";
import { encodeTaskBody, type TaskMessage } from "../celery/task_message.ts";
import type { HeaderValue, TaskRoute } from "../celery/task_options.ts";
import { StalkError } from "../errors.ts";
import { describeError, log } from "../log.ts";
import type { ResultMessage } from "./transport.ts";

/** Celery's `result_expires` (one day) as the result queue's `x-expires`, in milliseconds. */
const RESULT_QUEUE_EXPIRES = 86_400_000;

/** Publishes task messages on one connection; make a new one after a reconnect. */
export class AmqpTaskPublisher {
  readonly #client: AMQPClient;
  readonly #unavailable: (cause?: unknown) => StalkError;
  /** Queues known to exist on this connection, or being made sure of. */
  readonly #queues = new Map<string, Promise<void>>();
  #channel?: Promise<AMQPChannel>;

  constructor(client: AMQPClient, unavailable: (cause?: unknown) => StalkError) {
    this.#client = client;
    this.#unavailable = unavailable;
  }

  async publish(message: TaskMessage, route: TaskRoute): Promise<void> {
    await this.#ensureQueue(route.queue);
    const channel = await this.#publishChannel();
    const p = message.properties;
    try {
      await channel.basicPublish(route.exchange, route.routingKey, encodeTaskBody(message), {
        contentType: p.content_type,
        contentEncoding: p.content_encoding,
        correlationId: p.correlation_id,
        replyTo: p.reply_to,
        deliveryMode: p.delivery_mode,
        priority: p.priority,
        expiration: p.expiration,
        headers: toFieldTable(message.headers),
      });
    } catch (error) {
      if (!this.#client.closed && /NOT_FOUND|\(404\)/.test(describeError(error))) {
        throw new StalkError(
          "bad_request",
          `Cannot send task to exchange '${route.exchange}': ${describeError(error)}`,
          { cause: error },
        );
      }
      throw this.#unavailable(error);
    }
  }

  /** The publishing channel, reopened when the broker closed it; calls queue behind each other. */
  #publishChannel(): Promise<AMQPChannel> {
    const previous = this.#channel;
    const next = (async () => {
      const existing = await previous?.catch(() => undefined);
      if (existing && !existing.closed) return existing;
      const channel = await this.#client.channel();
      channel.onerror = (reason) => log.warn(`Task publishing channel closed: ${reason}`);
      await channel.confirmSelect();
      return channel;
    })();
    this.#channel = next;
    return next.catch((error) => {
      if (this.#channel === next) this.#channel = undefined;
      throw this.#unavailable(error);
    });
  }

  #ensureQueue(queue: string): Promise<void> {
    let ready = this.#queues.get(queue);
    if (!ready) {
      ready = this.#declareIfMissing(queue);
      this.#queues.set(queue, ready);
      ready.catch(() => this.#queues.delete(queue));
    }
    return ready;
  }

  /** Passive check; when missing, Celery's `Queue(name, Exchange(name, "direct"), name)`. */
  async #declareIfMissing(queue: string): Promise<void> {
    if (await this.#onThrowaway((channel) => channel.queueDeclare(queue, { passive: true }))) {
      return;
    }
    await this.#onThrowaway((channel) =>
      channel.exchangeDeclare(queue, "direct", { durable: true, autoDelete: false })
    );
    // Someone may declare it in between, with other arguments; their queue is as good.
    await this.#onThrowaway((channel) =>
      channel.queueDeclare(queue, { durable: true, autoDelete: false })
    );
    await this.#onThrowaway((channel) => channel.queueBind(queue, queue, queue));
    log.info(`Declared task queue '${queue}'`);
  }

  /** Runs one step on its own channel; false when the broker refused it (channel closed). */
  async #onThrowaway(step: (channel: AMQPChannel) => Promise<unknown>): Promise<boolean> {
    let channel: AMQPChannel | undefined;
    try {
      channel = await this.#client.channel();
      channel.onerror = () => {};
      await step(channel);
      return true;
    } catch (error) {
      if (this.#client.closed) throw this.#unavailable(error);
      return false;
    } finally {
      if (channel && !channel.closed) await channel.close().catch(() => {});
    }
  }
}

/**
 * Declares and consumes the `rpc://` result queue as Celery's `RPCBackend.binding` does: not
 * durable, auto-delete, `x-expires` = `result_expires`, on the default exchange.
 */
export async function consumeResultQueue(
  client: AMQPClient,
  queue: string,
  onResult: (message: ResultMessage) => void,
  lost: (reason: string) => void,
): Promise<void> {
  const channel = await client.channel();
  channel.onerror = (reason) => lost(`result channel closed: ${reason}`);
  await channel.queueDeclare(queue, { durable: false, autoDelete: true }, {
    "x-expires": RESULT_QUEUE_EXPIRES,
  });
  await channel.basicConsume(queue, { noAck: true }, (message) => {
    try {
      onResult({
        correlationId: message.properties.correlationId,
        body: message.body ?? new Uint8Array(),
        contentType: message.properties.contentType,
      });
    } catch (error) {
      log.error(`Result handler failed: ${describeError(error)}`);
    }
  });
}

/**
 * Header values as amqp-client should write them: integers outside int32 as bigint (it would
 * overflow them as `I`), nested values converted alike.
 */
export function toFieldTable(headers: Record<string, HeaderValue>): Record<string, Field> {
  return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, toField(value)]));
}

function toField(value: HeaderValue): Field {
  if (
    typeof value === "number" && Number.isInteger(value) &&
    (value > 0x7fffffff || value < -0x80000000)
  ) {
    return BigInt(value);
  }
  if (Array.isArray(value)) return value.map(toField);
  if (value !== null && typeof value === "object") return toFieldTable(value);
  return value;
}
