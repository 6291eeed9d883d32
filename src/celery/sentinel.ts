/**
 * Redis Sentinel as kombu's `SentinelChannel` reads it (`kombu/transport/redis.py`): a broker URL
 * `sentinel://[:password@]host:26379[/db];sentinel://host2:26379` lists the sentinels, the
 * first URL also gives the master's password and database, and the transport options give
 * `master_name` (required), `min_other_sentinels` and `sentinel_kwargs`. Which master a sentinel
 * names is judged as redis-py's `Sentinel.check_master_state` does.
 */
import { redactUrl } from "./redact_url.ts";

/** A `host:port` of a sentinel or a Redis server. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Everything needed to find the current master. */
export interface SentinelConfig {
  sentinels: RedisNode[];
  masterName: string;
  /** A sentinel that sees fewer other sentinels than this is not trusted. */
  minOtherSentinels: number;
  /** `sentinel_kwargs`: credentials and timeout for the sentinels themselves (not the master). */
  sentinelUsername?: string;
  sentinelPassword?: string;
  /** Milliseconds to wait for a sentinel to accept the connection. */
  connectTimeoutMs: number;
}

/** kombu's `SentinelTransport.default_port`. */
export const SENTINEL_PORT = 26379;

const SENTINEL_KWARGS = new Set([
  "password",
  "username",
  "socket_timeout",
  "socket_connect_timeout",
]);

/** The sentinels of a `sentinel://…;sentinel://…` URL list; throws naming a bad entry. */
export function parseSentinelList(text: string): RedisNode[] {
  const nodes: RedisNode[] = [];
  for (const part of text.split(";")) {
    const entry = part.trim();
    if (entry === "") continue;
    const match = /^sentinel:\/\/(.*)$/i.exec(entry);
    if (!match) {
      throw new Error(
        `Every URL of a sentinel:// list must be sentinel://, got '${redactUrl(entry)}'`,
      );
    }
    let url: URL;
    try {
      url = new URL(`http://${match[1]}`);
    } catch {
      throw new Error(`Cannot parse sentinel URL '${redactUrl(entry)}'`);
    }
    nodes.push({
      host: decodeURIComponent(url.hostname) || "localhost",
      port: url.port ? Number(url.port) : SENTINEL_PORT,
    });
  }
  if (nodes.length === 0) throw new Error("A sentinel:// broker URL needs at least one sentinel");
  return nodes;
}

/**
 * The Sentinel settings from Celery's `broker_transport_options`; throws an Error naming the
 * option when `master_name` is missing or an option has the wrong type.
 */
export function sentinelConfig(
  sentinels: RedisNode[],
  options: Record<string, unknown>,
  /** The flag the options came from, for the error message. */
  flag = "--broker_transport_options",
): SentinelConfig {
  const masterName = options.master_name;
  if (typeof masterName !== "string" || masterName === "") {
    const what = flag === "--broker_transport_options" ? "broker" : "result backend";
    throw new Error(
      `A sentinel:// ${what} needs the 'master_name' transport option, as in ${flag}='{"master_name": "mymaster"}'`,
    );
  }
  const min = options.min_other_sentinels ?? 0;
  if (typeof min !== "number" || !Number.isSafeInteger(min) || min < 0) {
    throw new Error(`Transport option 'min_other_sentinels' must be a whole number, got '${min}'`);
  }
  const kwargs = options.sentinel_kwargs ?? {};
  if (typeof kwargs !== "object" || kwargs === null || Array.isArray(kwargs)) {
    throw new Error("Transport option 'sentinel_kwargs' must be an object");
  }
  const record = kwargs as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!SENTINEL_KWARGS.has(key)) {
      throw new Error(
        `Unsupported sentinel_kwargs key '${key}': Stalk reads ${[...SENTINEL_KWARGS].join(", ")}`,
      );
    }
  }
  const text = (key: string): string | undefined => {
    const value = record[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw new Error(`sentinel_kwargs '${key}' must be a string`);
    return value;
  };
  const timeout = record.socket_connect_timeout ?? record.socket_timeout ?? 2;
  if (typeof timeout !== "number" || !(timeout > 0)) {
    throw new Error(`sentinel_kwargs socket timeouts must be positive seconds, got '${timeout}'`);
  }
  return {
    sentinels,
    masterName,
    minOtherSentinels: min,
    sentinelUsername: text("username"),
    sentinelPassword: text("password"),
    connectTimeoutMs: Math.round(timeout * 1000),
  };
}

/**
 * The master a sentinel reports in its `SENTINEL MASTER <name>` reply (field/value pairs), or
 * undefined when that sentinel's view is not to be trusted: the node is not flagged master, is
 * subjectively or objectively down, or the sentinel sees too few peers.
 */
export function masterFromState(
  fields: readonly string[],
  minOtherSentinels: number,
): RedisNode | undefined {
  const state = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) state.set(fields[i], fields[i + 1]);
  const flags = new Set((state.get("flags") ?? "").split(","));
  if (!flags.has("master") || flags.has("s_down") || flags.has("o_down")) return undefined;
  if (Number(state.get("num-other-sentinels") ?? 0) < minOtherSentinels) return undefined;
  const host = state.get("ip");
  const port = Number(state.get("port"));
  if (!host || !Number.isInteger(port) || port <= 0) return undefined;
  return { host, port };
}

/** The Sentinel pub/sub channel on which a sentinel announces a completed fail-over. */
export const SWITCH_MASTER_CHANNEL = "+switch-master";

/**
 * The new master a `+switch-master` message announces
 * (`<master-name> <old-ip> <old-port> <new-ip> <new-port>`), or undefined when the message is
 * about another master name or is not of that form.
 */
export function parseSwitchMaster(message: string, masterName: string): RedisNode | undefined {
  const parts = message.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] !== masterName) return undefined;
  const host = parts[3];
  const port = Number(parts[4]);
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { host, port };
}
