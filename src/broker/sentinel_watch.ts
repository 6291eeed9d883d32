/**
 * Hears of a fail-over the moment Sentinel completes it: a subscription to `+switch-master` on
 * every sentinel (as ioredis' failover detector does), so the broker and the result backend move
 * to the new master without waiting for their next reconnect round or periodic check. A
 * sentinel only announces a switch it or a majority elected, so the message is trusted as is;
 * the first of the sentinels to say it wins, the others repeat it.
 */
import {
  parseSwitchMaster,
  type RedisNode,
  type SentinelConfig,
  SWITCH_MASTER_CHANNEL,
} from "../celery/sentinel.ts";
import { describeError, log } from "../log.ts";
import { createRedisClient, type RedisClient } from "./redis_connection.ts";

/** A running subscription; {@linkcode SwitchWatch.close} ends it. */
export interface SwitchWatch {
  close(): Promise<void>;
}

/** Calls `onSwitch` with the new master each time a sentinel announces a switch. */
export type WatchSwitches = (
  config: SentinelConfig,
  onSwitch: (master: RedisNode, sentinel: string) => void,
) => SwitchWatch;

/** Subscribes to `+switch-master` on each sentinel of `config`, reconnecting as any client does. */
export const watchSwitchMaster: WatchSwitches = (config, onSwitch) => {
  let closed = false;
  const clients: RedisClient[] = config.sentinels.map((sentinel) => {
    const where = `${sentinel.host}:${sentinel.port}`;
    const client = createRedisClient({
      host: sentinel.host,
      port: sentinel.port,
      username: config.sentinelUsername,
      password: config.sentinelPassword,
    }, { connectTimeoutMs: config.connectTimeoutMs });
    let reported = false;
    client.on("error", (error: unknown) => {
      // The transport's own rounds still find the master; a silent watcher only costs speed.
      if (!reported && !closed) {
        log.debug(`Cannot hear fail-overs from sentinel ${where}: ${describeError(error)}`);
      }
      reported = true;
    });
    client.on("ready", () => reported = false);
    client.connect()
      .then(() =>
        client.subscribe(SWITCH_MASTER_CHANNEL, (message) => {
          const master = closed ? undefined : parseSwitchMaster(message, config.masterName);
          if (master) onSwitch(master, where);
        })
      )
      .catch((error: unknown) => {
        if (!closed) log.debug(`Sentinel ${where} subscription ended: ${describeError(error)}`);
      });
    return client;
  });
  return {
    close() {
      closed = true;
      for (const client of clients) {
        try {
          client.destroy();
        } catch {
          // never connected: nothing to close
        }
      }
      return Promise.resolve();
    },
  };
};
