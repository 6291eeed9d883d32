/**
 * The one way Stalk opens a node-redis connection, for the broker, the result backend and the
 * sentinels: RESP2 (Redis before 6 has no RESP3, and Celery works with it), a 5 s connect
 * timeout, and the reconnect policy of every connection (`RECONNECT_BACKOFF`) unless the caller
 * reconnects elsewhere itself (Sentinel finds the new master). node-redis is imported by
 * {@linkcode loadRedisDriver}, only by a Stalk whose broker or backend is Redis (#15: it adds
 * about 9 MiB to the RSS of a binary that never uses it).
 */
import type { ConnectionOptions } from "node:tls";
import type { createClient as CreateClient } from "redis";
import { backoffDelay, type BackoffOptions, RECONNECT_BACKOFF } from "./transport.ts";

/** Where one Redis server is and who to log in as. */
export interface RedisEndpoint {
  host: string;
  port: number;
  /** A Unix socket to connect to instead of host and port. */
  socketPath?: string;
  /** The database to SELECT; none (or 0) for the default one. */
  db?: number;
  username?: string;
  password?: string;
  /** TLS options (`rediss://`, `broker_use_ssl`); plain TCP when absent. */
  tls?: ConnectionOptions;
}

/** How a connection behaves when it is lost. */
export interface RedisConnectionOptions {
  /** The backoff between reconnects; `false` never reconnects. */
  reconnect?: BackoffOptions | false;
  /** Fail commands at once while disconnected, instead of queueing them until reconnected. */
  failFast?: boolean;
  /** Milliseconds a connect may take. */
  connectTimeoutMs?: number;
}

/** The connect timeout when none is given (node-redis' own default). */
export const REDIS_CONNECT_TIMEOUT_MS = 5_000;

let driver: { createClient: typeof CreateClient } | undefined;

/** Imports node-redis, once; {@linkcode createRedisClient} needs it. */
export async function loadRedisDriver(): Promise<void> {
  driver ??= await import("redis");
}

/**
 * A node-redis client for `endpoint`, not connected yet (call `connect()`). Throws unless
 * {@linkcode loadRedisDriver} has completed.
 */
export function createRedisClient(endpoint: RedisEndpoint, options: RedisConnectionOptions = {}) {
  if (!driver) throw new Error("node-redis is not loaded: await loadRedisDriver() first");
  const backoff = options.reconnect ?? RECONNECT_BACKOFF;
  const reconnectStrategy = backoff === false
    ? false as const
    : (retries: number) => backoffDelay(retries, backoff);
  const connectTimeout = options.connectTimeoutMs ?? REDIS_CONNECT_TIMEOUT_MS;
  const tcp = { host: endpoint.host, port: endpoint.port, connectTimeout, reconnectStrategy };
  return driver.createClient({
    RESP: 2,
    socket: endpoint.socketPath
      ? { path: endpoint.socketPath, connectTimeout, reconnectStrategy }
      : endpoint.tls
      ? { ...tcp, ...endpoint.tls, tls: true as const }
      : tcp,
    database: endpoint.db || undefined,
    username: endpoint.username || undefined,
    password: endpoint.password || undefined,
    disableOfflineQueue: options.failFast ?? false,
  });
}

/** The client {@linkcode createRedisClient} returns. */
export type RedisClient = ReturnType<typeof createRedisClient>;
