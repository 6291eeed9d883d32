/**
 * A Redis broker behind Sentinel: the master is asked of the sentinels, a plain Redis transport
 * talks to it, and on any loss of that transport the master is asked for again. A fail-over
 * always ends Stalk's connections to the old master (Sentinel kills client connections when it
 * demotes a node, and a dead master drops them), and a connection that lands on a replica fails
 * its first write (READONLY); either way the next round finds the promoted node. Rounds come
 * quickly at first (`SENTINEL_BACKOFF`), as a fail-over is seconds away. A subscription to the
 * sentinels' `+switch-master` (`sentinel_watch.ts`) moves to the new master the moment a
 * fail-over completes, and a periodic check catches a master that moved while every connection
 * stayed up and no announcement was heard.
 */
import type { BrokerUrl } from "../celery/broker_url.ts";
import type { RedisNode, SentinelConfig } from "../celery/sentinel.ts";
import type { TaskMessage } from "../celery/task_message.ts";
import type { OutgoingEvent } from "../celery/task_sent_event.ts";
import type { TaskRoute } from "../celery/task_options.ts";
import { describeError, log } from "../log.ts";
import type { ControlMessage, ReplyRoute } from "../celery/pidbox.ts";
import { findMaster } from "./sentinel_master.ts";
import { type SwitchWatch, type WatchSwitches, watchSwitchMaster } from "./sentinel_watch.ts";
import {
  backoffDelay,
  type BackoffOptions,
  ConnectionStatus,
  type QueueLength,
  type Transport,
  type TransportHandlers,
  type TransportStatus,
} from "./transport.ts";

/** Options for {@linkcode SentinelTransport}. */
export interface SentinelOptions {
  sentinel: SentinelConfig;
  /** A Redis transport for the master at `node`, reporting its first loss to `onLost`. */
  connect(node: RedisNode, onLost: (reason: string) => void): Transport;
  /** Asks the sentinels for the master; {@linkcode findMaster} unless a test fakes it. */
  find?: (config: SentinelConfig) => Promise<RedisNode>;
  /** Hears the sentinels announce a new master; {@linkcode watchSwitchMaster} unless faked. */
  watch?: WatchSwitches;
  /** Between rounds of asking the sentinels; {@linkcode SENTINEL_BACKOFF} by default. */
  backoff?: BackoffOptions;
  /** Milliseconds between checks that the master has not moved; node-redis's default 10 s. */
  checkIntervalMs?: number;
}

/**
 * The backoff between rounds of asking the sentinels: the first tries come within 100 ms, as
 * the master is lost seconds before Sentinel names the next one (down-after-milliseconds plus an
 * election), and the cap of 1 s keeps Stalk within a second of it when no `+switch-master` is
 * heard. A round costs one short connection to a sentinel.
 */
export const SENTINEL_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 1_000 };

/** Celery's event stream, pidbox and task queues on whichever node Sentinel calls master. */
export class SentinelTransport implements Transport {
  readonly kind = "redis" as const;
  readonly #options: SentinelOptions;
  readonly #backoff: BackoffOptions;
  readonly #name: string;
  #handlers?: TransportHandlers;
  #inner?: Transport;
  #master?: RedisNode;
  #generation = 0;
  #attempt = 0;
  #timer?: ReturnType<typeof setTimeout>;
  #check?: ReturnType<typeof setInterval>;
  #watch?: SwitchWatch;
  /** When a `+switch-master` last moved the transport (epoch ms). */
  #switchedAt = -Infinity;
  #closed = false;
  readonly #status = new ConnectionStatus();

  constructor(url: BrokerUrl, options: SentinelOptions) {
    this.#options = options;
    this.#backoff = options.backoff ?? SENTINEL_BACKOFF;
    const sentinels = options.sentinel.sentinels.map((node) => `${node.host}:${node.port}`);
    this.#name = `sentinel master '${options.sentinel.masterName}' (db ${url.vhost}, sentinels ${
      sentinels.join(", ")
    })`;
  }

  start(handlers: TransportHandlers): void {
    this.#handlers = handlers;
    this.#watch = (this.#options.watch ?? watchSwitchMaster)(
      this.#options.sentinel,
      (master, sentinel) => this.#switchTo(master, sentinel),
    );
    void this.#open();
    this.#check = setInterval(
      () => void this.#checkMaster(),
      this.#options.checkIntervalMs ?? 10_000,
    );
    // The check must not keep the process alive on its own.
    (this.#check as { unref?: () => void }).unref?.();
  }

  status(): TransportStatus {
    return this.#inner?.status() ?? this.#status.current;
  }

  async publishControl(message: ControlMessage): Promise<void> {
    return await this.#current().publishControl(message);
  }

  replyRoute(): ReplyRoute {
    return this.#current().replyRoute();
  }

  async queueLengths(names: string[]): Promise<QueueLength[]> {
    return await this.#current().queueLengths(names);
  }

  async publishTask(message: TaskMessage, route: TaskRoute): Promise<void> {
    return await this.#current().publishTask(message, route);
  }

  async publishEvent(event: OutgoingEvent): Promise<void> {
    return await this.#current().publishEvent(event);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#check);
    await this.#watch?.close();
    this.#status.set(false, "closed");
    const inner = this.#inner;
    this.#inner = undefined;
    await inner?.close();
  }

  /** One round: find the master (unless a sentinel just announced it), then connect to it. */
  async #open(announced?: { master: RedisNode; sentinel: string }): Promise<void> {
    if (this.#closed) return;
    const generation = ++this.#generation;
    let master: RedisNode;
    if (announced) {
      master = announced.master;
    } else {
      try {
        master = await (this.#options.find ?? findMaster)(this.#options.sentinel);
      } catch (error) {
        this.#retry(generation, describeError(error));
        return;
      }
    }
    if (this.#closed || generation !== this.#generation) return;
    this.#master = master;
    const source = announced ? ` (+switch-master from sentinel ${announced.sentinel})` : "";
    log.info(`${this.#name} is ${master.host}:${master.port}${source}`);
    const inner = this.#options.connect(master, (reason) => this.#retry(generation, reason));
    this.#inner = inner;
    const handlers = this.#handlers!;
    inner.start({
      ...handlers,
      onConnected: () => {
        this.#attempt = 0;
        handlers.onConnected?.();
      },
    });
  }

  /** Drops the current master's transport and asks the sentinels again after a backoff. */
  #retry(generation: number, reason: string): void {
    if (this.#closed || generation !== this.#generation) return;
    // Claim the round so a second report of the same loss does nothing.
    this.#generation++;
    const inner = this.#inner;
    this.#inner = undefined;
    void inner?.close().catch(() => {});
    const delay = backoffDelay(this.#attempt++, this.#backoff);
    if (this.#status.connected || this.#attempt === 1 || inner) {
      log.warn(`Broker ${this.#name} unavailable: ${reason}; asking the sentinels in ${delay} ms`);
    }
    this.#status.set(false, reason);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#open();
    }, delay);
  }

  /**
   * Moves to the master a sentinel announced, at once and whatever round is under way, unless
   * the transport is already there (every sentinel repeats the announcement).
   */
  #switchTo(master: RedisNode, sentinel: string): void {
    if (this.#closed) return;
    const current = this.#master;
    if (this.#inner && current?.host === master.host && current.port === master.port) return;
    this.#switchedAt = Date.now();
    // Claim the round: a find or a backoff under way ends, as does the old master's transport.
    this.#generation++;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const inner = this.#inner;
    this.#inner = undefined;
    void inner?.close().catch(() => {});
    this.#attempt = 0;
    this.#status.set(false, `the master moved to ${master.host}:${master.port}`);
    void this.#open({ master, sentinel });
  }

  /** Reconnects when the sentinels name another master than the one connected to. */
  async #checkMaster(): Promise<void> {
    const current = this.#master;
    const generation = this.#generation;
    if (this.#closed || !this.#inner || !current) return;
    // Right after a switch, a sentinel that has not heard of it yet may still name the old node.
    const interval = this.#options.checkIntervalMs ?? 10_000;
    if (Date.now() - this.#switchedAt < interval) return;
    let master: RedisNode;
    try {
      master = await (this.#options.find ?? findMaster)(this.#options.sentinel);
    } catch {
      return; // the sentinels are unsure; the connection itself decides
    }
    if (master.host !== current.host || master.port !== current.port) {
      this.#retry(generation, `the master moved to ${master.host}:${master.port}`);
    }
  }

  #current(): Transport {
    const inner = this.#inner;
    if (!inner) throw this.#status.unavailable();
    return inner;
  }
}
