/**
 * AMQP 0-9-1 transport over `@cloudamqp/amqp-client`. It declares what Celery's own event
 * receiver declares (`celery/events/receiver.py`): the `celeryev` topic exchange and an
 * auto-delete `celeryev.<uuid>` queue bound with `#`, consumed without acks.
 */
import type { ConnectionOptions } from "node:tls";
import type { AMQPChannel, AMQPClient } from "@cloudamqp/amqp-client";
import { GuardedAmqpClient } from "./amqp_client.ts";
import type { BrokerUrl } from "../celery/broker_url.ts";
import { redactUrl } from "../celery/redact_url.ts";
import { EVENT_EXCHANGE } from "../celery/events.ts";
import {
  type ControlMessage,
  PIDBOX_EXCHANGE,
  REPLY_EXCHANGE,
  replyQueueName,
  type ReplyRoute,
} from "../celery/pidbox.ts";
import { describeError, log } from "../log.ts";
import type { TaskMessage } from "../celery/task_message.ts";
import type { TaskRoute } from "../celery/task_options.ts";
import { eventRoutingKey, type OutgoingEvent } from "../celery/task_sent_event.ts";
import { AmqpTaskPublisher, consumeResultQueue } from "./amqp_tasks.ts";
import {
  backoffDelay,
  type BackoffOptions,
  ConnectionStatus,
  guardHandlers,
  type QueueLength,
  RECONNECT_BACKOFF,
  type ResultMessage,
  type Transport,
  type TransportHandlers,
  type TransportStatus,
} from "./transport.ts";

/** Options for {@linkcode AmqpTransport}. */
export interface AmqpOptions {
  /** Message TTL of the event queue, seconds (Celery uses 5; Stalk defaults to 60). */
  eventQueueTtl: number;
  /** Seconds an unused event queue lives after Stalk disconnects. */
  eventQueueExpires?: number;
  backoff?: BackoffOptions;
  /** AMQP heartbeat in seconds; detects dead connections. */
  heartbeat?: number;
  /** TLS options (from `amqps://` or `broker_use_ssl`); plain TCP when absent. */
  tls?: ConnectionOptions;
}

/** Celery's event stream and pidbox over RabbitMQ. */
export class AmqpTransport implements Transport {
  readonly kind = "amqp" as const;
  readonly #url: string;
  readonly #display: string;
  readonly #options: Required<Omit<AmqpOptions, "tls">>;
  readonly #tls?: ConnectionOptions;
  /** Reused across reconnects so events buffered during a short outage are not lost. */
  readonly #eventQueue = `celeryev.${crypto.randomUUID()}`;
  /** The oid: routing key of this process's pidbox reply queue. */
  readonly #oid = crypto.randomUUID();
  #client?: AMQPClient;
  #control?: AMQPChannel;
  readonly #status = new ConnectionStatus();
  #closed = false;
  #attempt = 0;
  /** Bumped on every connect so callbacks of an abandoned connection are ignored. */
  #generation = 0;
  #timer?: ReturnType<typeof setTimeout>;
  /** Task publishing on the current connection. */
  #tasks?: AmqpTaskPublisher;
  /** The rpc:// result queue, declared and consumed on every connection once asked for. */
  #results?: { queue: string; onResult: (message: ResultMessage) => void };

  constructor(url: BrokerUrl, options: AmqpOptions) {
    this.#options = {
      eventQueueExpires: 60,
      backoff: RECONNECT_BACKOFF,
      heartbeat: 30,
      ...options,
    };
    this.#tls = options.tls;
    this.#url = clientUrl(url, this.#options.heartbeat, options.tls !== undefined);
    this.#display = redactUrl(
      `${url.scheme}${
        options.tls && !url.tls ? "s" : ""
      }://${url.username}:x@${url.hostname}:${url.port}/${url.vhost}`,
    );
  }

  start(handlers: TransportHandlers): void {
    void this.#connect(guardHandlers(handlers));
  }

  status(): TransportStatus {
    return this.#status.current;
  }

  async publishControl(message: ControlMessage): Promise<void> {
    const channel = this.#control;
    if (!this.#status.connected || !channel || channel.closed) {
      throw this.#status.unavailable();
    }
    try {
      await channel.basicPublish(PIDBOX_EXCHANGE, "", JSON.stringify(message.body), {
        contentType: "application/json",
        contentEncoding: "utf-8",
        deliveryMode: 2,
        headers: message.headers,
      });
    } catch (error) {
      throw this.#status.unavailable(error);
    }
  }

  async publishEvent(event: OutgoingEvent): Promise<void> {
    const channel = this.#control;
    if (!this.#status.connected || !channel || channel.closed) {
      throw this.#status.unavailable();
    }
    try {
      await channel.basicPublish(
        EVENT_EXCHANGE,
        eventRoutingKey(event.type),
        JSON.stringify(event),
        {
          contentType: "application/json",
          contentEncoding: "utf-8",
          deliveryMode: 1,
          headers: { hostname: event.hostname },
        },
      );
    } catch (error) {
      throw this.#status.unavailable(error);
    }
  }

  replyRoute(): ReplyRoute {
    if (!this.#status.connected) {
      throw this.#status.unavailable();
    }
    return { exchange: REPLY_EXCHANGE, routingKey: this.#oid };
  }

  async queueLengths(names: string[]): Promise<QueueLength[]> {
    const client = this.#client;
    if (!this.#status.connected || !client) {
      throw this.#status.unavailable();
    }
    const out: QueueLength[] = [];
    // A passive declare of a missing queue closes its channel (404), so each probe gets a
    // throwaway channel and a failure only means "no such queue".
    for (const name of names) {
      let channel: AMQPChannel | undefined;
      try {
        channel = await client.channel();
        const ok = await channel.queueDeclare(name, { passive: true });
        out.push({ name, messages: ok.messageCount, consumers: ok.consumerCount });
      } catch (error) {
        if (client.closed) {
          throw this.#status.unavailable(error);
        }
        out.push({ name, messages: 0, consumers: 0 });
      } finally {
        if (channel && !channel.closed) await channel.close().catch(() => {});
      }
    }
    return out;
  }

  async publishTask(message: TaskMessage, route: TaskRoute): Promise<void> {
    const tasks = this.#tasks;
    if (!this.#status.connected || !tasks) {
      throw this.#status.unavailable();
    }
    await tasks.publish(message, route);
  }

  consumeResults(queue: string, onResult: (message: ResultMessage) => void): void {
    this.#results = { queue, onResult };
    const client = this.#client;
    if (this.#status.connected && client) {
      const generation = this.#generation;
      consumeResultQueue(client, queue, onResult, (reason) => {
        if (generation === this.#generation) log.warn(`Result queue lost: ${reason}`);
      }).catch((error) =>
        log.error(`Cannot consume result queue '${queue}': ${describeError(error)}`)
      );
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    this.#status.set(false, "closed");
    if (client && !client.closed) await client.close().catch(() => {});
  }

  async #connect(handlers: TransportHandlers): Promise<void> {
    if (this.#closed) return;
    const generation = ++this.#generation;
    const lost = (reason: string) => {
      if (generation === this.#generation) this.#lost(handlers, reason);
    };
    const client = new GuardedAmqpClient(this.#url, this.#tls);
    client.onerror = () => {};
    client.onFrameFailure = (failure) => handlers.onUndecodable?.(failure);
    client.ondisconnect = (error) => lost(describeError(error ?? "connection lost"));
    try {
      await client.connect();
      this.#client = client;
      await this.#declare(client, handlers, lost);
      this.#control = await client.channel();
      await this.#control.exchangeDeclare(PIDBOX_EXCHANGE, "fanout", {
        durable: false,
        autoDelete: false,
      });
      await this.#declareReplies(client, handlers, lost);
      if (this.#results) {
        await consumeResultQueue(client, this.#results.queue, this.#results.onResult, lost);
      }
      this.#tasks = new AmqpTaskPublisher(client, (cause) => this.#status.unavailable(cause));
    } catch (error) {
      if (!client.closed) await client.close().catch(() => {});
      lost(describeError(error));
      return;
    }
    if (this.#closed) {
      await client.close().catch(() => {});
      return;
    }
    this.#attempt = 0;
    this.#status.set(true);
    log.info(`Connected to ${this.#display}, consuming events from ${this.#eventQueue}`);
    handlers.onConnected?.();
  }

  async #declare(
    client: AMQPClient,
    handlers: TransportHandlers,
    lost: (reason: string) => void,
  ): Promise<void> {
    const channel = await client.channel();
    channel.onerror = (reason) => lost(`event channel closed: ${reason}`);
    await channel.exchangeDeclare(EVENT_EXCHANGE, "topic", { durable: true, autoDelete: false });
    await channel.queueDeclare(this.#eventQueue, { durable: false, autoDelete: true }, {
      "x-message-ttl": Math.round(this.#options.eventQueueTtl * 1000),
      "x-expires": Math.round(this.#options.eventQueueExpires * 1000),
    });
    await channel.queueBind(this.#eventQueue, EVENT_EXCHANGE, "#");
    await channel.basicConsume(this.#eventQueue, { noAck: true }, (message) => {
      handlers.onEvent({
        routingKey: message.routingKey,
        body: message.body ?? new Uint8Array(),
        contentType: message.properties.contentType,
      });
    });
  }

  /** The pidbox reply queue of kombu's `Mailbox.get_reply_queue`, bound with the oid. */
  async #declareReplies(
    client: AMQPClient,
    handlers: TransportHandlers,
    lost: (reason: string) => void,
  ): Promise<void> {
    const channel = await client.channel();
    channel.onerror = (reason) => lost(`reply channel closed: ${reason}`);
    const queue = replyQueueName(this.#oid);
    await channel.exchangeDeclare(REPLY_EXCHANGE, "direct", { durable: false, autoDelete: false });
    await channel.queueDeclare(queue, { durable: false, autoDelete: true }, {
      "x-message-ttl": 300_000,
      "x-expires": 10_000,
    });
    await channel.queueBind(queue, REPLY_EXCHANGE, this.#oid);
    await channel.basicConsume(queue, { noAck: true }, (message) => {
      const ticket = message.properties.headers?.ticket;
      handlers.onControlReply?.({
        ticket: typeof ticket === "string" ? ticket : undefined,
        body: message.body ?? new Uint8Array(),
        contentType: message.properties.contentType,
      });
    });
  }

  #lost(handlers: TransportHandlers, reason: string): void {
    if (this.#closed || this.#timer !== undefined) return;
    const client = this.#client;
    this.#client = undefined;
    this.#control = undefined;
    this.#tasks = undefined;
    if (client && !client.closed) void client.close().catch(() => {});
    const delay = backoffDelay(this.#attempt++, this.#options.backoff);
    if (this.#status.connected || this.#attempt === 1) {
      log.warn(`Broker ${this.#display} unavailable: ${reason}; retrying in ${delay} ms`);
    } else {
      log.debug(`Broker ${this.#display} still unavailable: ${reason}; retrying in ${delay} ms`);
    }
    this.#status.set(false, reason);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#connect(handlers);
    }, delay);
  }
}

/** The URL form amqp-client expects; `localhost` becomes 127.0.0.1 as in py-amqp. */
function clientUrl(url: BrokerUrl, heartbeat: number, tls: boolean): string {
  const host = url.hostname === "localhost" ? "127.0.0.1" : url.hostname;
  const auth = `${encodeURIComponent(url.username)}:${encodeURIComponent(url.password)}`;
  const scheme = tls ? "amqps" : "amqp";
  return `${scheme}://${auth}@${host}:${url.port}/${
    encodeURIComponent(url.vhost)
  }?heartbeat=${heartbeat}&name=stalk`;
}
