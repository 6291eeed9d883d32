/** In-memory stand-ins for Redis, a publisher and the inspect cache, for backend tests. */
import type { RedisPort } from "../../../src/backend/redis_client.ts";
import type { TaskPublisher, TaskRegistry } from "../../../src/tasks/task_runner.ts";
import type { TaskMessage } from "../../../src/celery/task_message.ts";
import type { TaskRoute } from "../../../src/celery/task_options.ts";
import type { OutgoingEvent } from "../../../src/celery/task_sent_event.ts";

type OnMessage = (message: string, channel: string) => void;

/** A Redis that keeps keys in a Map and delivers PUBLISH to SUBSCRIBE in process. */
export class FakeRedis implements RedisPort {
  readonly data = new Map<string, string>();
  readonly log: string[] = [];
  readonly channels = new Map<string, Set<OnMessage>>();
  down = false;
  #reconnect: (() => void)[] = [];

  get(key: string): Promise<string | null> {
    this.log.push(`GET ${key}`);
    if (this.down) return Promise.reject(new Error("The client is offline"));
    return Promise.resolve(this.data.get(key) ?? null);
  }

  setexAndPublish(key: string, seconds: number, value: string): Promise<void> {
    this.log.push(`SETEX ${key} ${seconds} ${value}`);
    if (this.down) return Promise.reject(new Error("The client is offline"));
    this.publish(key, value);
    return Promise.resolve();
  }

  subscribe(channel: string, onMessage: OnMessage): Promise<void> {
    this.log.push(`SUBSCRIBE ${channel}`);
    if (this.down) return Promise.reject(new Error("The client is offline"));
    const set = this.channels.get(channel) ?? new Set();
    set.add(onMessage);
    this.channels.set(channel, set);
    return Promise.resolve();
  }

  unsubscribe(channel: string, onMessage: OnMessage): Promise<void> {
    this.log.push(`UNSUBSCRIBE ${channel}`);
    const set = this.channels.get(channel);
    set?.delete(onMessage);
    if (set?.size === 0) this.channels.delete(channel);
    return Promise.resolve();
  }

  onReconnect(callback: () => void): void {
    this.#reconnect.push(callback);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Stores `value` as a worker would: SET then PUBLISH. */
  store(key: string, value: string): void {
    this.data.set(key, value);
    this.publish(key, value);
  }

  publish(channel: string, value: string): void {
    for (const listener of this.channels.get(channel) ?? []) listener(value, channel);
  }

  reconnected(): void {
    for (const callback of this.#reconnect) callback();
  }
}

/** Records what would be published; `onPublish` plays the worker. */
export class FakePublisher implements TaskPublisher {
  readonly kind = "amqp";
  readonly sent: { message: TaskMessage; route: TaskRoute }[] = [];
  readonly events: OutgoingEvent[] = [];
  onPublish: (message: TaskMessage) => void = () => {};
  fail?: Error;
  failEvents?: Error;

  publishTask(message: TaskMessage, route: TaskRoute): Promise<void> {
    if (this.fail) return Promise.reject(this.fail);
    this.sent.push({ message, route });
    this.onPublish(message);
    return Promise.resolve();
  }

  publishEvent(event: OutgoingEvent): Promise<void> {
    if (this.failEvents) return Promise.reject(this.failEvents);
    this.events.push(event);
    return Promise.resolve();
  }
}

/** An inspect cache with fixed `registered` lists; `refresh` may fill it. */
export class FakeRegistry implements TaskRegistry {
  workers: Record<string, { registered?: unknown }> = {};
  refreshes = 0;
  onRefresh: () => void = () => {};

  all(): Record<string, { registered?: unknown }> {
    return this.workers;
  }

  refresh(): Promise<void> {
    this.refreshes++;
    this.onRefresh();
    return Promise.resolve();
  }
}

/** A result document as Celery's Redis backend writes it. */
export function meta(
  taskId: string,
  status: string,
  result: unknown = null,
  traceback: string | null = null,
): string {
  return JSON.stringify({
    status,
    result,
    traceback,
    children: [],
    date_done: null,
    task_id: taskId,
  });
}
