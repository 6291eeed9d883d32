/**
 * The Redis operations the result backend needs, over node-redis: one connection for commands
 * and one for pub/sub. Both reconnect by themselves; commands fail fast while disconnected
 * (no offline queue), so a down backend answers 503 at once instead of hanging.
 */
import { createRedisClient, REDIS_CONNECT_TIMEOUT_MS } from "../broker/redis_connection.ts";
import { nodeTlsOptions } from "../broker/tls_options.ts";
import type { RedisBackendUrl } from "../celery/backend_url.ts";
import { describeError, log } from "../log.ts";

/** What {@linkcode RedisBackend} asks of Redis; a fake implements it in unit tests. */
export interface RedisPort {
  get(key: string): Promise<string | null>;
  /** `SETEX key seconds value` and `PUBLISH key value` in one transaction, as Celery writes. */
  setexAndPublish(key: string, seconds: number, value: string): Promise<void>;
  subscribe(channel: string, onMessage: (message: string, channel: string) => void): Promise<void>;
  /** Removes `onMessage`; the channel is unsubscribed when no listener is left. */
  unsubscribe(
    channel: string,
    onMessage: (message: string, channel: string) => void,
  ): Promise<void>;
  /** `callback` runs each time the pub/sub connection is back after a loss (and resubscribed). */
  onReconnect(callback: () => void): void;
  /** Resolves once both connections have been up (at most after the command timeout). */
  ready?(): Promise<void>;
  close(): Promise<void>;
}

/** Milliseconds a command (or the first connect) may take before it counts as failed. */
const COMMAND_TIMEOUT = REDIS_CONNECT_TIMEOUT_MS;

/** Connects to the Redis of `url` in the background and returns the port at once. */
export function connectRedis(url: RedisBackendUrl): RedisPort {
  const tls = url.tls
    ? nodeTlsOptions({
      certReqs: url.verifyCertificate ? "required" : "none",
      caFile: url.caFile,
      certFile: url.certFile,
      keyFile: url.keyFile,
      checkHostname: true,
    })
    : undefined;
  const display = `redis${url.tls ? "s" : ""}://${url.hostname}:${url.port}/${url.db}`;
  const client = createRedisClient({
    host: url.hostname,
    port: url.port,
    db: url.db,
    username: url.username,
    password: url.password,
    tls,
  }, { failFast: true });
  const subscriber = client.duplicate();
  for (const [name, connection] of [["commands", client], ["pub/sub", subscriber]] as const) {
    let reported = false;
    connection.on("error", (error: unknown) => {
      if (!reported) {
        log.warn(`Result backend ${display} (${name}) unavailable: ${describeError(error)}`);
      }
      reported = true;
    });
    connection.on("ready", () => {
      if (reported) log.info(`Result backend ${display} (${name}) connected`);
      reported = false;
    });
    connection.connect().catch((error: unknown) =>
      log.debug(`Redis ${name} connect ended: ${describeError(error)}`)
    );
  }
  const firstReady = Promise.race([
    Promise.all(
      [client, subscriber].map((connection) =>
        connection.isReady ? Promise.resolve() : new Promise<void>((resolve) => {
          connection.once("ready", () => resolve());
        })
      ),
    ).then(() => {}),
    new Promise<void>((resolve) => setTimeout(resolve, COMMAND_TIMEOUT).unref?.()),
  ]);
  let readyOnce = false;
  const reconnectCallbacks: (() => void)[] = [];
  subscriber.on("ready", () => {
    // An event listener of node-redis: a throw here would escape into its socket handler.
    if (readyOnce) {
      for (const callback of reconnectCallbacks) {
        try {
          callback();
        } catch (error) {
          log.error(`Result backend reconnect handler failed: ${describeError(error)}`);
        }
      }
    }
    readyOnce = true;
  });

  return {
    get: (key) => timed(client.get(key), "GET"),
    async setexAndPublish(key, seconds, value) {
      await timed(client.multi().setEx(key, seconds, value).publish(key, value).exec(), "SETEX");
    },
    subscribe: (channel, onMessage) => timed(subscriber.subscribe(channel, onMessage), "SUBSCRIBE"),
    unsubscribe: (channel, onMessage) =>
      timed(subscriber.unsubscribe(channel, onMessage), "UNSUBSCRIBE"),
    onReconnect(callback) {
      reconnectCallbacks.push(callback);
    },
    ready: () => firstReady,
    close() {
      // destroy() also stops the reconnect loop of a client that never connected.
      for (const connection of [client, subscriber]) {
        try {
          connection.destroy();
        } catch {
          // already closed
        }
      }
      return Promise.resolve();
    },
  };
}

/** Rejects when `promise` takes longer than the command timeout (a dead, unclosed socket). */
function timed<T>(promise: Promise<T>, command: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${command} got no reply within ${COMMAND_TIMEOUT} ms`)),
      COMMAND_TIMEOUT,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
