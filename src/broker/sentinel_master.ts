/**
 * Asks the sentinels which node is the master, as redis-py's `Sentinel.discover_master` does:
 * each sentinel in turn, `SENTINEL MASTER <name>`, the first trustworthy answer wins.
 */
import { masterFromState, type RedisNode, type SentinelConfig } from "../celery/sentinel.ts";
import { describeError } from "../log.ts";
import { createRedisClient, loadRedisDriver } from "./redis_connection.ts";

/** The current master of `config.masterName`; rejects with every sentinel's failure. */
export async function findMaster(config: SentinelConfig): Promise<RedisNode> {
  const failures: string[] = [];
  for (const sentinel of config.sentinels) {
    const where = `${sentinel.host}:${sentinel.port}`;
    try {
      const master = await askSentinel(sentinel, config);
      if (master) return master;
      failures.push(`${where} sees no usable master`);
    } catch (error) {
      failures.push(`${where}: ${describeError(error)}`);
    }
  }
  throw new Error(`No sentinel names a master for '${config.masterName}' (${failures.join("; ")})`);
}

async function askSentinel(
  sentinel: RedisNode,
  config: SentinelConfig,
): Promise<RedisNode | undefined> {
  await loadRedisDriver();
  const client = createRedisClient({
    host: sentinel.host,
    port: sentinel.port,
    username: config.sentinelUsername,
    password: config.sentinelPassword,
  }, { reconnect: false, connectTimeoutMs: config.connectTimeoutMs });
  // Errors also reject the pending call below; the listener keeps them from being unhandled.
  client.on("error", () => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${config.connectTimeoutMs} ms`)),
      config.connectTimeoutMs,
    );
  });
  try {
    const reply = await Promise.race([
      client.connect().then(() => client.sendCommand(["SENTINEL", "MASTER", config.masterName])),
      timeout,
    ]);
    if (!Array.isArray(reply)) return undefined;
    return masterFromState(reply.map(String), config.minOtherSentinels);
  } finally {
    clearTimeout(timer);
    try {
      client.destroy();
    } catch {
      // never connected: nothing to close
    }
  }
}
