/**
 * The broker seen from Stalk: one interface, one implementation per transport (`amqp.ts`,
 * `redis.ts`). Everything above it is broker-agnostic: only src/broker and src/backend import a
 * broker or Redis client.
 */
import type { BrokerKind } from "../celery/broker_url.ts";
import type { ControlMessage, ControlReply, ReplyRoute } from "../celery/pidbox.ts";
import { StalkError } from "../errors.ts";
import { describeError, log } from "../log.ts";
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

/** Callbacks a transport drives; transports call them through {@linkcode guardHandlers}. */
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

/** A transport's connection status, and the 503 it throws while down. */
export class ConnectionStatus {
  #status: TransportStatus = { connected: false, since: Date.now(), reason: "connecting" };

  /** The status now; a new object on every change. */
  get current(): TransportStatus {
    return this.#status;
  }

  get connected(): boolean {
    return this.#status.connected;
  }

  /** Records a change; `since` is now. */
  set(connected: boolean, reason?: string): void {
    this.#status = { connected, since: Date.now(), reason };
  }

  /** The 503 while down: the cause if there is one, else why the transport is down. */
  unavailable(cause?: unknown): StalkError {
    const reason = cause === undefined
      ? this.#status.reason ?? "not connected"
      : describeError(cause);
    return new StalkError("unavailable", `Broker unavailable: ${reason}`, { cause });
  }
}

/**
 * `handlers` with every throw caught and logged, so that a bug above the transport never
 * reaches the broker client's callbacks (where it would close a channel or kill a loop).
 */
export function guardHandlers(handlers: TransportHandlers): TransportHandlers {
  const guard = <A extends unknown[]>(what: string, call: (...args: A) => void) => (...args: A) => {
    try {
      call(...args);
    } catch (error) {
      log.error(`${what} handler failed: ${describeError(error)}`);
    }
  };
  return {
    onEvent: guard("Event", (message) => handlers.onEvent(message)),
    onConnected: guard("onConnected", () => handlers.onConnected?.()),
    onControlReply: guard("Control reply", (reply) => handlers.onControlReply?.(reply)),
    onUndecodable: guard("Undecodable message", (failure) => handlers.onUndecodable?.(failure)),
  };
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
