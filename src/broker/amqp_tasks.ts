/**
 * Task publishing and the `rpc://` result queue over one AMQP connection. Celery declares the
 * target queue before every publish; redeclaring a queue whose arguments differ (say a
 * priority queue a worker declared with `x-max-priority`) closes the channel with 406, so
 * Stalk checks passively first and declares only queues that do not exist. Publishes go on a
 * dedicated channel in confirm mode, so a broker refusal reaches the caller. Whatever the broker
 * would refuse (`amqp_limits.ts`, an exchange that does not exist) is refused here first: a
 * refusal closes the channel, which would fail every other publish in flight on it.
 */
import type { AMQPChannel, AMQPClient, Field } from "@cloudamqp/amqp-client";
import { encodeTaskBody, type TaskMessage } from "../celery/task_message.ts";
import type { HeaderValue, TaskRoute } from "../celery/task_options.ts";
import { StalkError } from "../errors.ts";
import { describeError, log } from "../log.ts";
import { amqpPublishProblem } from "./amqp_limits.ts";
import type { ResultMessage } from "./transport.ts";

/** Celery's `result_expires` (one day) as the result queue's `x-expires`, in milliseconds. */
const RESULT_QUEUE_EXPIRES = 86_400_000;

/** Publishes task messages on one connection; make a new one after a reconnect. */
export class AmqpTaskPublisher {
  readonly #client: AMQPClient;
  readonly #unavailable: (cause?: unknown) => StalkError;
  /** Queues known to exist on this connection, or being made sure of. */
  readonly #queues = new Map<string, Promise<void>>();
  /** Exchanges known to exist on this connection. */
  readonly #exchanges = new Set<string>([""]);
  #channel?: Promise<AMQPChannel>;

  constructor(client: AMQPClient, unavailable: (cause?: unknown) => StalkError) {
    this.#client = client;
    this.#unavailable = unavailable;
  }

  async publish(message: TaskMessage, route: TaskRoute): Promise<void> {
    const problem = amqpPublishProblem(message, route, this.#client.frameMax);
    if (problem) throw new StalkError("bad_request", problem);
    await this.#ensureQueue(route.queue);
    await this.#ensureExchange(route.exchange);
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

  /** A passive check, so that a missing exchange never closes the shared publishing channel. */
  async #ensureExchange(exchange: string): Promise<void> {
    if (this.#exchanges.has(exchange)) return;
    if (
      !await this.#onThrowaway((channel) =>
        channel.exchangeDeclare(exchange, "direct", { passive: true })
      )
    ) {
      throw new StalkError(
        "bad_request",
        `Cannot send task to exchange '${exchange}': no such exchange on the broker`,
      );
    }
    this.#exchanges.add(exchange);
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
    const refused = (step: string, reason: string) =>
      new StalkError("bad_request", `Cannot declare task queue '${queue}': ${step} ${reason}`);
    let reason = "";
    const step = (run: (channel: AMQPChannel) => Promise<unknown>) =>
      this.#onThrowaway(run, (error) => reason = describeError(error));
    if (
      !await step((channel) =>
        channel.exchangeDeclare(queue, "direct", { durable: true, autoDelete: false })
      )
    ) {
      throw refused("the broker refused its exchange:", reason);
    }
    // Someone may declare it in between, with other arguments; their queue is as good.
    if (
      !await step((channel) => channel.queueDeclare(queue, { durable: true, autoDelete: false })) &&
      !await step((channel) => channel.queueDeclare(queue, { passive: true }))
    ) {
      throw refused("the broker refused it:", reason);
    }
    if (!await step((channel) => channel.queueBind(queue, queue, queue))) {
      throw refused("the broker refused its binding:", reason);
    }
    log.info(`Declared task queue '${queue}'`);
  }

  /** Runs one step on its own channel; false when the broker refused it (channel closed). */
  async #onThrowaway(
    step: (channel: AMQPChannel) => Promise<unknown>,
    onRefused: (error: unknown) => void = () => {},
  ): Promise<boolean> {
    let channel: AMQPChannel | undefined;
    try {
      channel = await this.#client.channel();
      channel.onerror = () => {};
      await step(channel);
      return true;
    } catch (error) {
      if (this.#client.closed) throw this.#unavailable(error);
      onRefused(error);
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
