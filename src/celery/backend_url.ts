/**
 * Result backend URLs (`CELERY_RESULT_BACKEND`), parsed as Celery's `backends.by_url` and
 * `RedisBackend._params_from_url` read them. Stalk speaks `redis://`, `rediss://`, `sentinel://`,
 * `rpc://` and `cache+memcached://`.
 */

/** A Redis result backend's connection parameters. */
export interface RedisBackendUrl {
  kind: "redis";
  tls: boolean;
  hostname: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  /** `rediss://` only: verify the server certificate (`ssl_cert_reqs`, default required). */
  verifyCertificate: boolean;
  /** `ssl_ca_certs`, `ssl_certfile`, `ssl_keyfile`: paths to PEM files. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/**
 * Celery's `SentinelBackend`: `sentinel://[:pass@]host:26379/0;sentinel://host2:26379/0`, each
 * chunk read as a Redis URL (its port defaults to 6379, as in Celery); the first chunk's
 * password and database are the master's.
 */
export interface SentinelBackendUrl {
  kind: "sentinel";
  sentinels: { host: string; port: number }[];
  /** The master's connection parameters; hostname and port are filled in once it is found. */
  master: RedisBackendUrl;
}

/** Results sent back over the broker to the sender's own queue. */
export interface RpcBackendUrl {
  kind: "rpc";
}

/** Celery's cache backend on memcached: `cache+memcached://host:11211;host2:11211/`. */
export interface MemcachedBackendUrl {
  kind: "memcached";
  servers: { host: string; port: number }[];
}

/** The SQL servers (and SQLite) Stalk reads results from. */
export type SqlDialect = "postgresql" | "mysql" | "sqlite";

/**
 * A database result backend: Celery's (`db+postgresql://…`, tables `celery_taskmeta` and
 * `celery_tasksetmeta`) or django-celery-results' (`django-db+postgresql://…`, Stalk's own form
 * of Django's `django-db`, table `django_celery_results_taskresult`). The rest is the
 * SQLAlchemy URL: a driver after the dialect (`+psycopg2`, `+pymysql`) is ignored.
 */
export interface DatabaseBackendUrl {
  kind: "database";
  tables: "celery" | "django";
  dialect: SqlDialect;
  /** Server dialects: where and who. */
  host: string;
  port: number;
  user?: string;
  password?: string;
  database: string;
  /** `sslmode` (PostgreSQL) or `ssl_mode`/`ssl` (MySQL) asks for TLS. */
  tls: boolean;
  /** SQLite: the database file, as the URL names it (relative to Stalk's folder). */
  file: string;
}

/** A parsed result backend URL. */
export type BackendUrl =
  | RedisBackendUrl
  | SentinelBackendUrl
  | RpcBackendUrl
  | MemcachedBackendUrl
  | DatabaseBackendUrl;

const SUPPORTED =
  "redis://, rediss://, sentinel://, rpc://, cache+memcached://, db+postgresql://, db+mysql://, db+sqlite:// and django-db+<database>://";

/** Parses a result backend URL; throws an Error whose message says what is wrong. */
export function parseBackendUrl(text: string): BackendUrl {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text.trim());
  if (!match) {
    throw new Error("expected a result backend URL such as redis://host:6379/0 or rpc://");
  }
  const scheme = match[1].toLowerCase();
  if (scheme === "rpc") return { kind: "rpc" };
  if (scheme === "sentinel") return parseSentinelBackend(text.trim());
  if (scheme.startsWith("cache+")) return parseCacheBackend(scheme.slice(6), match[2]);
  const database = /^(db|database|django-db)\+([a-z0-9]+)(?:\+[a-z0-9_]+)?$/.exec(scheme);
  if (database) {
    return parseDatabaseBackend(
      database[1] === "django-db" ? "django" : "celery",
      database[2],
      match[2],
    );
  }
  if (scheme === "django-db") {
    throw new Error(
      "django-db reads Django's DATABASES, which Stalk cannot see: name the database as django-db+postgresql://user@host/db (or +mysql, +sqlite)",
    );
  }
  if (scheme !== "redis" && scheme !== "rediss") {
    throw new Error(`unsupported result backend '${scheme}://': Stalk reads ${SUPPORTED}`);
  }
  // `redis://` and `redis:///1` mean localhost, as in redis-py.
  const rest = match[2] === "" || match[2].startsWith("/") ? `localhost${match[2]}` : match[2];
  let url: URL;
  try {
    url = new URL(`http://${rest}`);
  } catch {
    throw new Error("cannot parse the result backend URL");
  }
  const query = url.searchParams;
  const path = decodeURIComponent(url.pathname.replace(/^\//, ""));
  const dbText = query.get("db") ?? (path === "" ? "0" : path);
  if (!/^\d+$/.test(dbText)) {
    throw new Error("the Redis database must be a number, as in redis://host:6379/0");
  }
  const tls = scheme === "rediss";
  const certReqs = (query.get("ssl_cert_reqs") ?? "required").toLowerCase().replace(/^cert_/, "");
  if (!["required", "optional", "none"].includes(certReqs)) {
    throw new Error(
      `ssl_cert_reqs must be required, optional or none, got '${query.get("ssl_cert_reqs")}'`,
    );
  }
  return {
    kind: "redis",
    tls,
    hostname: decodeURIComponent(url.hostname) || "localhost",
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number(dbText),
    verifyCertificate: certReqs === "required",
    caFile: query.get("ssl_ca_certs") ?? undefined,
    certFile: query.get("ssl_certfile") ?? undefined,
    keyFile: query.get("ssl_keyfile") ?? undefined,
  };
}

function parseSentinelBackend(text: string): SentinelBackendUrl {
  const chunks = text.split(";").map((chunk) => chunk.trim()).filter(Boolean);
  const parsed = chunks.map((chunk) => {
    const match = /^sentinel:\/\/(.*)$/i.exec(chunk);
    if (!match) throw new Error("every URL of a sentinel:// result backend must be sentinel://");
    const url = parseBackendUrl(`redis://${match[1]}`) as RedisBackendUrl;
    return url;
  });
  return {
    kind: "sentinel",
    sentinels: parsed.map((url) => ({ host: url.hostname, port: url.port })),
    master: parsed[0],
  };
}

/** `cache+memcached://a:11211;b:11211/`, split as Celery's `CacheBackend` does. */
function parseCacheBackend(client: string, rest: string): MemcachedBackendUrl {
  if (client === "memory") {
    throw new Error(
      "cache+memory:// keeps results inside each worker process, where Stalk cannot read them",
    );
  }
  if (!["memcached", "memcache", "pylibmc"].includes(client)) {
    throw new Error(
      `unsupported cache backend 'cache+${client}://': Stalk reads cache+memcached://`,
    );
  }
  const servers = rest.replace(/\/+$/, "").split(";").map((part) => part.trim()).filter(Boolean)
    .map((part) => {
      const match = /^(\[[^\]]+\]|[^:/]+)(?::(\d+))?$/.exec(part);
      if (!match) throw new Error(`cannot read the memcached server '${part}' (host:port)`);
      const port = match[2] ? Number(match[2]) : 11211;
      if (port < 1 || port > 65535) throw new Error(`the memcached port ${port} is out of range`);
      return { host: match[1].replace(/^\[|\]$/g, ""), port };
    });
  if (servers.length === 0) throw new Error("cache+memcached:// names no server");
  return { kind: "memcached", servers };
}

const DIALECTS: Record<string, SqlDialect> = {
  postgresql: "postgresql",
  postgres: "postgresql",
  mysql: "mysql",
  mariadb: "mysql",
  sqlite: "sqlite",
};

/** The SQLAlchemy URL after `db+`: `postgresql://u:p@h:5432/db`, `sqlite:////abs/file.db`. */
function parseDatabaseBackend(
  tables: "celery" | "django",
  dialectName: string,
  rest: string,
): DatabaseBackendUrl {
  const dialect = DIALECTS[dialectName];
  if (!dialect) {
    throw new Error(
      `unsupported database '${dialectName}': Stalk reads postgresql, mysql (MariaDB) and sqlite`,
    );
  }
  const base = { kind: "database" as const, tables, dialect };
  if (dialect === "sqlite") {
    // SQLAlchemy: sqlite:///relative.db and sqlite:////absolute.db; sqlite:// is in memory.
    const file = decodeURIComponent(rest.replace(/^\//, "").replace(/\?.*$/, ""));
    if (file === "" || file === ":memory:") {
      throw new Error(
        "an in-memory SQLite database lives inside each worker, where Stalk cannot read it",
      );
    }
    return { ...base, host: "", port: 0, database: "", tls: false, file };
  }
  let url: URL;
  try {
    url = new URL(`http://${rest}`);
  } catch {
    throw new Error("cannot parse the database URL (expected user:password@host:port/database)");
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (database === "") throw new Error("the database URL names no database (…/database)");
  const query = url.searchParams;
  const sslmode = (query.get("sslmode") ?? query.get("ssl_mode") ?? "").toLowerCase();
  const tls = ["require", "required", "verify-ca", "verify-full", "verify_ca", "verify_identity"]
    .includes(sslmode) || query.has("ssl") || query.has("ssl_ca");
  return {
    ...base,
    host: decodeURIComponent(url.hostname) || "localhost",
    port: url.port ? Number(url.port) : dialect === "postgresql" ? 5432 : 3306,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database,
    tls,
    file: "",
  };
}
