/**
 * The result backend's Redis behind Sentinel (Celery's `SentinelBackend`): the master is asked
 * of the sentinels, a plain {@linkcode connectRedis} port talks to it, and the master is asked
 * for again after any failed command and every 10 s. When it has moved, the port is replaced
 * (a command that failed on the old one runs once more on the new one),
 * every channel subscription is made again on the new master and the reconnect callbacks run,
 * so waiting requests read their keys again.
 */
import type { SentinelBackendUrl } from "../celery/backend_url.ts";
import type { RedisNode, SentinelConfig } from "../celery/sentinel.ts";
import { findMaster } from "../broker/sentinel_master.ts";
import { describeError, log } from "../log.ts";
import { connectRedis, type RedisPort } from "./redis_client.ts";

type Listener = (message: string, channel: string) => void;

/** Finds the master in the background and returns the port at once. */
export function connectSentinelRedis(
  url: SentinelBackendUrl,
  config: SentinelConfig,
  checkIntervalMs = 10_000,
): RedisPort {
  const subscriptions = new Map<string, Set<Listener>>();
  const reconnectCallbacks: (() => void)[] = [];
  let current: { node: RedisNode; port: RedisPort } | undefined;
  let locating: Promise<void> | undefined;
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

  const moveTo = async (node: RedisNode) => {
    const previous = current;
    const port = connectRedis({ ...url.master, hostname: node.host, port: node.port });
    port.onReconnect(fire);
    current = { node, port };
    log.info(`The ${name} is ${node.host}:${node.port}`);
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

  const locate = (): Promise<void> => {
    locating ??= (async () => {
      try {
        const node = await findMaster(config);
        if (closed || (current?.node.host === node.host && current.node.port === node.port)) {
          return;
        }
        await moveTo(node);
      } catch (error) {
        log.debug(`Cannot find the ${name}: ${describeError(error)}`);
      } finally {
        locating = undefined;
      }
    })();
    return locating;
  };

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
  const timer = setInterval(() => void locate(), checkIntervalMs);
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
      await current?.port.close();
    },
  };
}
