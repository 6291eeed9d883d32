/** Picks the result backend for a `--result_backend` URL. */
import type { Transport } from "../broker/transport.ts";
import { parseBackendUrl } from "../celery/backend_url.ts";
import { sentinelConfig } from "../celery/sentinel.ts";
import type { ResultBackend } from "./backend.ts";
import { RedisBackend } from "./redis.ts";
import { connectRedis } from "./redis_client.ts";
import { RpcBackend } from "./rpc.ts";
import { connectSentinelRedis } from "./sentinel_client.ts";
import { MemcachedBackend } from "./memcached.ts";
import { MemcachedConnection } from "./memcached_client.ts";
import { DatabaseBackend } from "./database.ts";
import { connectSql } from "./sql_client.ts";
import { loadRedisDriver } from "../broker/redis_connection.ts";

export type { ResultBackend, ResultWatch, WaitResult } from "./backend.ts";

/**
 * Creates (and starts connecting) the backend of `url`; undefined when no URL is configured.
 * Rejects with an Error naming the problem for an unsupported or malformed URL. Create it before
 * `transport.start()`, so the rpc:// result queue is declared with the first connection.
 */
export async function createResultBackend(
  url: string | undefined,
  transport: Transport,
  /** Celery's `result_backend_transport_options` (`master_name` for `sentinel://`). */
  transportOptions: Record<string, unknown> = {},
): Promise<ResultBackend | undefined> {
  if (!url) return undefined;
  const parsed = parseBackendUrl(url);
  if (parsed.kind === "rpc") return new RpcBackend(transport);
  if (parsed.kind === "database") {
    return new DatabaseBackend(connectSql(parsed), { tables: parsed.tables });
  }
  if (parsed.kind === "memcached") {
    return new MemcachedBackend(parsed.servers.map((server) => new MemcachedConnection(server)));
  }
  await loadRedisDriver();
  if (parsed.kind === "sentinel") {
    const config = sentinelConfig(
      parsed.sentinels,
      transportOptions,
      "--result_backend_transport_options",
    );
    return new RedisBackend(connectSentinelRedis(parsed, config));
  }
  return new RedisBackend(connectRedis(parsed));
}
