/**
 * Broker URLs parsed with kombu's rules (`kombu/utils/url.py` `url_to_parts`): one leading `/`
 * of the path is dropped and the rest, percent-decoded, is the virtual host or database.
 */
import { redactUrl } from "./redact_url.ts";
import { parseSentinelList, type RedisNode } from "./sentinel.ts";

export { redactUrl };

/** The transports Stalk speaks. */
export type BrokerKind = "amqp" | "redis";

/** A broker URL split into the parts a transport needs. */
export interface BrokerUrl {
  kind: BrokerKind;
  scheme: string;
  tls: boolean;
  hostname: string;
  port: number;
  username: string;
  password: string;
  /** AMQP virtual host, or the Redis database number as text. */
  vhost: string;
  query: URLSearchParams;
  /** Unix socket of a `redis+socket://` URL. */
  socketPath?: string;
  /** The sentinels of a `sentinel://` URL list; the master is asked of them. */
  sentinels?: RedisNode[];
}

const SCHEMES: Record<string, { kind: BrokerKind; port: number; tls: boolean }> = {
  amqp: { kind: "amqp", port: 5672, tls: false },
  pyamqp: { kind: "amqp", port: 5672, tls: false },
  amqps: { kind: "amqp", port: 5671, tls: true },
  redis: { kind: "redis", port: 6379, tls: false },
  rediss: { kind: "redis", port: 6379, tls: true },
};

/** Parses a broker URL; throws an Error whose message says what is wrong. */
export function parseBrokerUrl(text: string): BrokerUrl {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text.trim());
  if (!match) throw new Error(`Cannot parse broker URL '${redactUrl(text)}': no scheme`);
  const scheme = match[1].toLowerCase();
  if (scheme === "redis+socket") return parseSocketUrl(match[2]);
  if (scheme === "sentinel") return parseSentinelUrl(text, match[2]);
  const known = SCHEMES[scheme];
  if (!known) throw new Error(`Unsupported broker scheme '${scheme}://'`);
  // Parse the rest with HTTP rules, as kombu does.
  let url: URL;
  try {
    url = new URL(`http://${match[2]}`);
  } catch {
    throw new Error(`Cannot parse broker URL '${redactUrl(text)}'`);
  }
  const path = url.pathname.startsWith("/") ? url.pathname.slice(1) : url.pathname;
  const vhost = decodeURIComponent(path);
  const isAmqp = known.kind === "amqp";
  if (!isAmqp && vhost !== "" && !/^\d+$/.test(vhost)) {
    throw new Error(`Redis database must be a number, got '${vhost}'`);
  }
  return {
    kind: known.kind,
    scheme,
    tls: known.tls,
    hostname: decodeURIComponent(url.hostname) || "localhost",
    port: url.port ? Number(url.port) : known.port,
    username: url.username ? decodeURIComponent(url.username) : isAmqp ? "guest" : "",
    password: url.password ? decodeURIComponent(url.password) : isAmqp ? "guest" : "",
    vhost: vhost || (isAmqp ? "/" : "0"),
    query: url.searchParams,
  };
}

/**
 * `sentinel://[:pass@]host:26379[/db];sentinel://host2:26379`: the first URL's credentials and
 * database are the master's, as in kombu (the sentinels' own come from `sentinel_kwargs`).
 */
function parseSentinelUrl(text: string, rest: string): BrokerUrl {
  const sentinels = parseSentinelList(text);
  const first = parseBrokerUrl(`redis://${rest.split(";")[0]}`);
  return {
    ...first,
    scheme: "sentinel",
    hostname: sentinels[0].host,
    port: sentinels[0].port,
    sentinels,
  };
}

/** `redis+socket:///path/to/redis.sock?virtual_host=N` (kombu's `a+b://` form). */
function parseSocketUrl(rest: string): BrokerUrl {
  const [path, search = ""] = rest.split("?", 2);
  if (!path.startsWith("/")) throw new Error("A redis+socket:// URL needs an absolute socket path");
  const query = new URLSearchParams(search);
  const db = query.get("virtual_host") ?? "0";
  if (!/^\d+$/.test(db)) throw new Error(`Redis database must be a number, got '${db}'`);
  return {
    kind: "redis",
    scheme: "redis+socket",
    tls: false,
    hostname: "",
    port: 0,
    username: "",
    password: query.get("password") ?? "",
    vhost: db,
    query,
    socketPath: decodeURIComponent(path),
  };
}
