/**
 * The result backend's Redis behind Sentinel (Celery's `SentinelBackend`): the master is asked
 * of the sentinels, a plain {@linkcode connectRedis} port talks to it, and the master is asked
 * for again after any failed command and every 10 s; a sentinel's `+switch-master` moves it at
 * once (`broker/sentinel_watch.ts`). When it has moved, the port is replaced
 * (a command that failed on the old one runs once more on the new one),
 * every channel subscription is made again on the new master and the reconnect callbacks run,
 * so waiting requests read their keys again.
 */
import type { RedisBackendUrl, SentinelBackendUrl } from "../celery/backend_url.ts";
import type { RedisNode, SentinelConfig } from "../celery/sentinel.ts";
import { findMaster } from "../broker/sentinel_master.ts";
import { type WatchSwitches, watchSwitchMaster } from "../broker/sentinel_watch.ts";
import { describeError, log } from "../log.ts";
import { connectRedis, type RedisPort } from "./redis_client.ts";

type Listener = (message: string, channel: string) => void;

/** Options for {@linkcode connectSentinelRedis}; the defaults are the real ones. */
export interface SentinelRedisOptions {
  /** Milliseconds between checks that the master has not moved. */
  checkIntervalMs?: number;
  find?: (config: SentinelConfig) => Promise<RedisNode>;
  watch?: WatchSwitches;
  connect?: (url: RedisBackendUrl) => RedisPort;
}

/** Finds the master in the background and returns the port at once. */
export function connectSentinelRedis(
  url: SentinelBackendUrl,
  config: SentinelConfig,
  options: SentinelRedisOptions = {},
): RedisPort {
  const checkIntervalMs = options.checkIntervalMs ?? 10_000;
  const find = options.find ?? findMaster;
  const connect = options.connect ?? connectRedis;
  const subscriptions = new Map<string, Set<Listener>>();
  const reconnectCallbacks: (() => void)[] = [];
  let current: { node: RedisNode; port: RedisPort } | undefined;
  let locating: Promise<void> | undefined;
  /** Every move runs after the one before it, whether a question or an announcement led to it. */
  let queue: Promise<void> = Promise.resolve();
  let switchedAt = -Infinity;
  let closed = false;
  const name = `result backend sentinel master '${config.masterName}'`;

  const fire = () => {
    for (const callback of reconnectCallbacks) {
      try {
        callback();
      } catch (error) {
        log.error(`Result backend reconnect handler failed: ${describeError(error)}`);
      }
    }
  };

  const moveTo = async (node: RedisNode, source = "") => {
    const previous = current;
    const port = connect({ ...url.master, hostname: node.host, port: node.port });
    port.onReconnect(fire);
    current = { node, port };
    log.info(`The ${name} is ${node.host}:${node.port}${source}`);
    await previous?.port.close();
    await port.ready?.();
    if (!previous) return;
    for (const [channel, listeners] of subscriptions) {
      for (const listener of listeners) {
        await port.subscribe(channel, listener).catch((error) =>
          log.warn(`Cannot subscribe to '${channel}' again: ${describeError(error)}`)
        );
      }
    }
    fire();
  };

  const serially = (step: () => Promise<void>): Promise<void> => {
    const run = queue.then(step);
    queue = run.catch(() => {});
    return run;
  };

  /** Moves to `node` unless the port is already there (or closed). */
  const goTo = async (node: RedisNode, source?: string) => {
    if (closed || (current?.node.host === node.host && current.node.port === node.port)) return;
    await moveTo(node, source);
  };

  const locate = (): Promise<void> => {
    locating ??= serially(async () => {
      try {
        await goTo(await find(config));
      } catch (error) {
        log.debug(`Cannot find the ${name}: ${describeError(error)}`);
      }
    }).finally(() => locating = undefined);
    return locating;
  };

  const watch = (options.watch ?? watchSwitchMaster)(config, (node, sentinel) => {
    switchedAt = Date.now();
    void serially(async () => {
      try {
        await goTo(node, ` (+switch-master from sentinel ${sentinel})`);
      } catch (error) {
        log.warn(`Cannot move the ${name} to ${node.host}:${node.port}: ${describeError(error)}`);
      }
    });
  });

  const use = async <T>(run: (port: RedisPort) => Promise<T>): Promise<T> => {
    if (!current) await locate();
    if (!current) throw new Error(`no sentinel names a master for '${config.masterName}'`);
    const tried = current.port;
    try {
      return await run(tried);
    } catch (error) {
      // A failed command may mean the master moved (the old one is gone, or this port was
      // closed when the move was noticed): look, and if it has moved, run once on the new one.
      await locate();
      if (!current || current.port === tried) throw error;
      return await run(current.port);
    }
  };

  void locate();
  const timer = setInterval(() => {
    // Right after a switch, a sentinel that has not heard of it yet may still name the old node.
    if (Date.now() - switchedAt >= checkIntervalMs) void locate();
  }, checkIntervalMs);
  (timer as { unref?: () => void }).unref?.();

  return {
    get: (key) => use((port) => port.get(key)),
    setexAndPublish: (key, seconds, value) =>
      use((port) => port.setexAndPublish(key, seconds, value)),
    async subscribe(channel, onMessage) {
      const listeners = subscriptions.get(channel) ?? new Set();
      listeners.add(onMessage);
      subscriptions.set(channel, listeners);
      try {
        await use((port) => port.subscribe(channel, onMessage));
      } catch (error) {
        listeners.delete(onMessage);
        if (listeners.size === 0) subscriptions.delete(channel);
        throw error;
      }
    },
    async unsubscribe(channel, onMessage) {
      const listeners = subscriptions.get(channel);
      listeners?.delete(onMessage);
      if (listeners?.size === 0) subscriptions.delete(channel);
      await use((port) => port.unsubscribe(channel, onMessage));
    },
    onReconnect(callback) {
      reconnectCallbacks.push(callback);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await watch.close();
      await current?.port.close();
    },
  };
}
