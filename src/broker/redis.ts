/**
 * Redis transport over node-redis, speaking kombu's Redis conventions (`src/celery/kombu_redis.ts`):
 * events arrive by PSUBSCRIBE on the `celeryev` fanout channels, pidbox requests go out by
 * PUBLISH, and replies come back on a list Stalk owns, bound in `_kombu.binding.reply.celery.pidbox`.
 * Stalk never touches `unacked`/`unacked_index` or lists it did not write.
 */
import type { ConnectionOptions } from "node:tls";
import type { BrokerUrl } from "../celery/broker_url.ts";
import { redactUrl } from "../celery/redact_url.ts";
import {
  bindingKey,
  bindingMember,
  controlChannels,
  decodeEnvelope,
  encodeEnvelope,
  eventPatterns,
  fanoutChannel,
  queueKeyFor,
  queueKeys,
  type RedisNaming,
} from "../celery/kombu_redis.ts";
import { encodeTaskBody, type TaskMessage } from "../celery/task_message.ts";
import type { TaskRoute } from "../celery/task_options.ts";
import { EVENT_EXCHANGE } from "../celery/events.ts";
import {
  type ControlMessage,
  PIDBOX_EXCHANGE,
  REPLY_EXCHANGE,
  replyQueueName,
  type ReplyRoute,
} from "../celery/pidbox.ts";
import { eventRoutingKey, type OutgoingEvent } from "../celery/task_sent_event.ts";
import { StalkError } from "../errors.ts";
import { describeError, log } from "../log.ts";
import {
  backoffDelay,
  type BackoffOptions,
  ConnectionStatus,
  guardHandlers,
  type QueueLength,
  RECONNECT_BACKOFF,
  type Transport,
  type TransportHandlers,
  type TransportStatus,
} from "./transport.ts";
import { createRedisClient, type RedisClient } from "./redis_connection.ts";

/** Options for {@linkcode RedisTransport}. */
export interface RedisOptions {
  naming: RedisNaming;
  backoff?: BackoffOptions;
  /** Seconds a BRPOP for replies blocks before looping. */
  pollSeconds?: number;
  /** TLS options (from `rediss://` or `broker_use_ssl`); plain TCP when absent. */
  tls?: ConnectionOptions;
  /**
   * Called once, on the first loss of any connection (or a failed first connect), instead of
   * reconnecting to the same address: the Sentinel transport then finds the master again.
   */
  onLost?: (reason: string) => void;
  /** How logs name the broker, instead of its URL. */
  label?: string;
  /** Behind Sentinel: also broadcast where kombu's Sentinel channel listens (`controlChannels`). */
  sentinel?: boolean;
}

/** Celery's event stream and pidbox over Redis. */
export class RedisTransport implements Transport {
  readonly kind = "redis" as const;
  readonly #url: BrokerUrl;
  readonly #naming: RedisNaming;
  readonly #backoff: BackoffOptions;
  readonly #poll: number;
  readonly #display: string;
  readonly #oid = crypto.randomUUID();
  /** Queues whose own binding this process has already written. */
  readonly #bound = new Set<string>();
  readonly #tls?: ConnectionOptions;
  readonly #sentinel: boolean;
  #onLost?: (reason: string) => void;
  #commands?: RedisClient;
  #subscriber?: RedisClient;
  #blocking?: RedisClient;
  #closed = false;
  readonly #status = new ConnectionStatus();

  constructor(url: BrokerUrl, options: RedisOptions) {
    this.#url = url;
    this.#naming = options.naming;
    this.#backoff = options.backoff ?? RECONNECT_BACKOFF;
    this.#poll = options.pollSeconds ?? 1;
    this.#tls = options.tls;
    this.#sentinel = options.sentinel ?? false;
    this.#onLost = options.onLost;
    const where = url.socketPath ?? `${url.hostname}:${url.port}`;
    this.#display = options.label ??
      redactUrl(`${url.scheme}${options.tls && !url.tls ? "s" : ""}://${where}/${url.vhost}`);
  }

  start(unguarded: TransportHandlers): void {
    const handlers = guardHandlers(unguarded);
    const commands = this.#client("commands");
    this.#commands = commands;
    this.#subscriber = this.#client("subscriber");
    this.#blocking = this.#client("replies");
    // Connected means all three connections are up; any of them may come back last.
    for (const client of [commands, this.#subscriber, this.#blocking]) {
      client.on("ready", () => void this.#onReady(handlers));
    }
    void this.#connectAll(handlers);
  }

  status(): TransportStatus {
    return this.#status.current;
  }

  async publishControl(message: ControlMessage): Promise<void> {
    const commands = this.#ready();
    const envelope = encodeEnvelope({
      body: JSON.stringify(message.body),
      headers: message.headers,
      exchange: PIDBOX_EXCHANGE,
      routingKey: "",
    });
    try {
      const channels = controlChannels(this.#naming, PIDBOX_EXCHANGE, this.#sentinel);
      await Promise.all(channels.map((channel) => commands.publish(channel, envelope)));
    } catch (error) {
      throw this.#status.unavailable(error);
    }
  }

  async publishEvent(event: OutgoingEvent): Promise<void> {
    const commands = this.#ready();
    const routingKey = eventRoutingKey(event.type);
    const envelope = encodeEnvelope({
      body: JSON.stringify(event),
      headers: { hostname: event.hostname },
      exchange: EVENT_EXCHANGE,
      routingKey,
      deliveryMode: 1,
    });
    try {
      await commands.publish(fanoutChannel(this.#naming, EVENT_EXCHANGE, routingKey), envelope);
    } catch (error) {
      throw this.#status.unavailable(error);
    }
  }

  replyRoute(): ReplyRoute {
    this.#ready();
    return { exchange: REPLY_EXCHANGE, routingKey: this.#oid };
  }

  async queueLengths(names: string[]): Promise<QueueLength[]> {
    const commands = this.#ready();
    try {
      const multi = commands.multi();
      for (const name of names) for (const key of queueKeys(this.#naming, name)) multi.lLen(key);
      const counts = (await multi.exec()) as unknown as number[];
      const steps = this.#naming.prioritySteps.length;
      return names.map((name, i) => ({
        name,
        messages: counts.slice(i * steps, (i + 1) * steps).reduce((sum, n) => sum + Number(n), 0),
        consumers: 0,
      }));
    } catch (error) {
      throw this.#status.unavailable(error);
    }
  }

  /**
   * Publishes a task as kombu's virtual transport does: the anonymous exchange LPUSHes to the
   * queue's list for the message's priority; a named direct exchange delivers to every queue in
   * its binding set whose routing key matches. The queue is bound like Celery's declare would.
   */
  async publishTask(message: TaskMessage, route: TaskRoute): Promise<void> {
    const commands = this.#ready();
    const p = message.properties;
    const envelope = encodeEnvelope({
      body: encodeTaskBody(message),
      headers: message.headers,
      exchange: route.exchange,
      routingKey: route.routingKey,
      priority: p.priority,
      deliveryMode: p.delivery_mode,
      properties: {
        correlation_id: p.correlation_id,
        reply_to: p.reply_to,
        ...(p.expiration === undefined ? {} : { expiration: p.expiration }),
      },
    });
    let queues: string[];
    try {
      if (!this.#bound.has(route.queue)) {
        const own = bindingMember(this.#naming, route.queue, route.queue);
        await commands.sAdd(bindingKey(this.#naming, route.queue), own);
        this.#bound.add(route.queue);
      }
      queues = route.exchange === ""
        ? [route.routingKey]
        : await this.#boundQueues(commands, route);
    } catch (error) {
      throw this.#status.unavailable(error);
    }
    if (queues.length === 0) {
      throw new StalkError(
        "bad_request",
        `Cannot send task to exchange '${route.exchange}': no queue is bound with routing key '${route.routingKey}'`,
      );
    }
    try {
      const multi = commands.multi();
      for (const queue of queues) {
        multi.lPush(queueKeyFor(this.#naming, queue, p.priority), envelope);
      }
      await multi.exec();
    } catch (error) {
      throw this.#status.unavailable(error);
    }
  }

  /** Queues bound to a direct exchange with exactly `route.routingKey` (`DirectExchange.lookup`). */
  async #boundQueues(commands: RedisClient, route: TaskRoute): Promise<string[]> {
    const members = await commands.sMembers(bindingKey(this.#naming, route.exchange));
    const queues = new Set<string>();
    for (const member of members) {
      const [key, , queue] = member.split(this.#naming.sep);
      if (key === route.routingKey && queue) queues.add(queue);
    }
    return [...queues];
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#status.set(false, "closed");
    const commands = this.#commands;
    if (commands?.isReady) {
      // Leave nothing behind: the binding member and the reply lists are Stalk's own.
      await commands.sRem(bindingKey(this.#naming, REPLY_EXCHANGE), this.#replyMember())
        .catch(() => {});
      await commands.del(this.#replyKeys()).catch(() => {});
    }
    for (const client of [this.#blocking, this.#subscriber, this.#commands]) {
      if (client?.isOpen) client.destroy();
    }
  }

  #client(role: string): RedisClient {
    const url = this.#url;
    const client = createRedisClient({
      host: url.hostname,
      port: url.port,
      socketPath: url.socketPath,
      db: Number(url.vhost),
      username: url.username,
      password: url.password,
      tls: this.#tls,
    }, { reconnect: this.#onLost ? false : this.#backoff });
    client.on(
      "error",
      (error: unknown) => this.#lost(`${role} connection: ${describeError(error)}`),
    );
    client.on("end", () => this.#lost(`${role} connection closed`));
    client.on("reconnecting", () => this.#lost(`${role} connection lost`));
    return client;
  }

  async #connectAll(handlers: TransportHandlers): Promise<void> {
    const subscriber = this.#subscriber!;
    try {
      await Promise.all([
        this.#commands!.connect(),
        subscriber.connect(),
        this.#blocking!.connect(),
      ]);
      await subscriber.pSubscribe(eventPatterns(this.#naming), (message, channel) => {
        // Called from inside node-redis' reply parser, so nothing may be thrown back into it:
        // the handlers are guarded and #onEventMessage catches the envelope's decoding.
        this.#onEventMessage(handlers, message, channel);
      });
    } catch (error) {
      if (this.#closed) return;
      if (this.#onLost) this.#lost(describeError(error));
      else log.error(`Redis broker ${this.#display}: ${describeError(error)}`);
      return;
    }
    void this.#pollReplies(handlers);
    await this.#onReady(handlers);
  }

  /** Runs on every (re)connect of the command client: rebinds replies, reports connected. */
  async #onReady(handlers: TransportHandlers): Promise<void> {
    const commands = this.#commands;
    if (
      this.#closed || !commands?.isReady || !this.#subscriber?.isReady || !this.#blocking?.isReady
    ) {
      return;
    }
    try {
      // Redis may have restarted empty: the reply binding must exist before any request.
      await commands.sAdd(bindingKey(this.#naming, REPLY_EXCHANGE), this.#replyMember());
    } catch (error) {
      this.#lost(describeError(error));
      return;
    }
    if (this.#status.connected) return;
    this.#status.set(true);
    log.info(
      `Connected to ${this.#display}, subscribed to ${eventPatterns(this.#naming).join(", ")}`,
    );
    handlers.onConnected?.();
  }

  #onEventMessage(handlers: TransportHandlers, message: string, channel: string): void {
    let decoded;
    try {
      decoded = decodeEnvelope(message);
    } catch (error) {
      handlers.onEvent({
        routingKey: channel,
        body: new Uint8Array(),
        malformed: describeError(error),
      });
      return;
    }
    handlers.onEvent({
      routingKey: decoded.routingKey ?? channel.slice(channel.lastIndexOf("/") + 1),
      body: decoded.body,
      contentType: decoded.contentType,
    });
  }

  async #pollReplies(handlers: TransportHandlers): Promise<void> {
    const keys = this.#replyKeys();
    let failures = 0;
    while (!this.#closed) {
      const blocking = this.#blocking!;
      try {
        const popped = await blocking.brPop(keys, this.#poll);
        failures = 0;
        if (popped) this.#onReplyMessage(handlers, popped.element);
      } catch (error) {
        if (this.#closed) return;
        log.debug(`Reply poll failed: ${describeError(error)}`);
        await new Promise((resolve) =>
          setTimeout(resolve, backoffDelay(failures++, this.#backoff))
        );
      }
    }
  }

  /** One popped reply: a broken envelope is counted, never a reason to back off polling. */
  #onReplyMessage(handlers: TransportHandlers, message: string): void {
    let reply;
    try {
      reply = decodeEnvelope(message);
    } catch (error) {
      handlers.onUndecodable?.({
        reason: describeError(error),
        routingKey: replyQueueName(this.#oid),
      });
      return;
    }
    const ticket = reply.headers.ticket;
    handlers.onControlReply?.({
      ticket: typeof ticket === "string" ? ticket : undefined,
      body: reply.body,
      contentType: reply.contentType,
    });
  }

  #replyMember(): string {
    return bindingMember(this.#naming, this.#oid, replyQueueName(this.#oid));
  }

  #replyKeys(): string[] {
    return queueKeys(this.#naming, replyQueueName(this.#oid));
  }

  #ready(): RedisClient {
    const commands = this.#commands;
    if (!this.#status.connected || !commands?.isReady) throw this.#status.unavailable();
    return commands;
  }

  #lost(reason: string): void {
    if (this.#closed) return;
    // An error that left every connection up (a failed command, say) is not an outage; a real
    // one is followed by "reconnecting", when the connection is no longer ready.
    const clients = [this.#commands, this.#subscriber, this.#blocking];
    if (this.#status.connected && clients.every((client) => client?.isReady)) return;
    if (this.#status.connected) log.warn(`Broker ${this.#display} unavailable: ${reason}`);
    this.#status.set(false, reason);
    const onLost = this.#onLost;
    if (onLost) {
      this.#onLost = () => {};
      onLost(reason);
    }
  }
}
