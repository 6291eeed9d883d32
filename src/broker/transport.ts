/**
 * The broker seen from Stalk: one interface, one implementation per transport (AMQP here; Redis
 * comes later). Everything above it is broker-agnostic; nothing else imports a broker client.
 */
import type { BrokerKind } from "../celery/broker_url.ts";
import { StalkError } from "../errors.ts";
import { describeError } from "../log.ts";
import type { TaskMessage } from "../celery/task_message.ts";
import type { TaskRoute } from "../celery/task_options.ts";
import type { OutgoingEvent } from "../celery/task_sent_event.ts";

/** One message delivered from Celery's event exchange. */
export interface EventMessage {
  routingKey: string;
  body: Uint8Array;
  contentType?: string;
  /** Set when the transport could not even unwrap the message (e.g. a bad Redis envelope). */
  malformed?: string;
}

/** Whether the broker connection is up, and why not when it is down. */
export interface TransportStatus {
  connected: boolean;
  /** Epoch milliseconds of the last change. */
  since: number;
  reason?: string;
}

/** A pidbox request as Celery's `Mailbox._publish` sends it (`celery.pidbox` fanout). */
export interface ControlMessage {
  body: Record<string, unknown>;
  headers: Record<string, string | number>;
}

/** A reply from a worker's mailbox: body `{node: reply}`, header `ticket`. */
export interface ControlReply {
  ticket?: string;
  body: Uint8Array;
  contentType?: string;
}

/** Where workers should send replies (the pidbox `reply_to` field). */
export interface ReplyRoute {
  exchange: string;
  routingKey: string;
}

/** Ready-message and consumer counts of one task queue. */
export interface QueueLength {
  name: string;
  messages: number;
  consumers: number;
}

/** A message on the `rpc://` result queue: a result document, `correlationId` = task id. */
export interface ResultMessage {
  correlationId?: string;
  body: Uint8Array;
  contentType?: string;
}

/** A live broker connection that reconnects by itself until closed. */
export interface Transport {
  readonly kind: BrokerKind;
  /** Starts connecting; events flow to `onEvent` once the connection is up. Never rejects. */
  start(handlers: TransportHandlers): void;
  status(): TransportStatus;
  /** Publishes to the `celery.pidbox` fanout; throws `StalkError("unavailable")` when down. */
  publishControl(message: ControlMessage): Promise<void>;
  /**
   * The process's one reply route, bound before any request that wants replies is published;
   * replies arrive at `onControlReply`. Throws `StalkError("unavailable")` when down.
   */
  replyRoute(): ReplyRoute;
  /** Counts ready messages and consumers; a queue that does not exist counts 0. */
  queueLengths(names: string[]): Promise<QueueLength[]>;
  /**
   * Publishes a task as Celery's `send_task_message` does, declaring `route.queue` (and its
   * direct exchange and binding) only when it does not exist yet. Throws
   * `StalkError("unavailable")` when down.
   */
  publishTask(message: TaskMessage, route: TaskRoute): Promise<void>;
  /**
   * Publishes an event on Celery's event exchange (`celeryev`, routing key the type with `.`
   * for `-`) as `EventDispatcher.publish` does: JSON, transient, header `hostname`. Throws
   * `StalkError("unavailable")` when down.
   */
  publishEvent(event: OutgoingEvent): Promise<void>;
  /**
   * Declares the `rpc://` result queue `queue` (not durable, auto-delete, `x-expires` one day)
   * and consumes it, on this and every later connection; results go to `onResult`.
   */
  consumeResults?(queue: string, onResult: (message: ResultMessage) => void): void;
  /** Closes the connection and stops reconnecting. */
  close(): Promise<void>;
}

/** Callbacks a transport drives. They must not throw; a throw is logged and ignored. */
export interface TransportHandlers {
  onEvent(message: EventMessage): void;
  /** Called after every successful (re)connect, when the event queue is consuming. */
  onConnected?(): void;
  /** A worker's reply to a pidbox request that asked for one. */
  onControlReply?(reply: ControlReply): void;
  /**
   * A frame or message the broker client could not decode. The transport drops the connection
   * and reconnects by itself; this is for counting and logging.
   */
  onUndecodable?(failure: UndecodableMessage): void;
}

/** What is known of a message that could not be decoded below the event decoder. */
export interface UndecodableMessage {
  reason: string;
  exchange?: string;
  routingKey?: string;
}

/** The 503 a transport throws while down: the cause if there is one, else why it is down. */
export function unavailableError(status: TransportStatus, cause?: unknown): StalkError {
  const reason = cause === undefined ? status.reason ?? "not connected" : describeError(cause);
  return new StalkError("unavailable", `Broker unavailable: ${reason}`, { cause });
}

/** Reconnect delays: exponential from `initialMs`, capped at `maxMs`, with jitter. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/**
 * The reconnect policy of every broker and backend connection. The cap is low on purpose: a
 * broker that comes back is found within 2 s, so only the events of those 2 s can be missed
 * (RabbitMQ drops Stalk's transient event queue with its restart). A try costs one refused TCP
 * connection, and the jitter keeps many Stalks from retrying in step.
 */
export const RECONNECT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 2_000 };

/**
 * Delay before reconnect attempt number `attempt` (0-based): the exponential base, jittered
 * down by up to half, so that no delay is ever above `maxMs`.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = RECONNECT_BACKOFF,
  random = Math.random,
): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 - random() * 0.5));
}
