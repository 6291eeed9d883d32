/**
 * The one place that talks to SQL clients: PostgreSQL through `postgres` (porsager: pure
 * JavaScript, no dependencies, parameterised queries), MySQL and MariaDB through `mysql2` (the
 * maintained standard, pure JavaScript), SQLite through the runtime's built-in driver
 * (src/runtime.ts). Queries are written once with `?` placeholders; PostgreSQL's are renumbered.
 * Each driver is imported when its port is first made: a Stalk without a database backend never
 * loads either (mysql2 alone adds about 8 MiB to the binary's RSS, #15).
 */
import { existsSync } from "node:fs";
import type { DatabaseBackendUrl, SqlDialect } from "../celery/backend_url.ts";
import { openSqlite, type SqliteDatabase } from "../runtime.ts";

/** A SQL connection (a small pool) as the database backend uses it. */
export interface SqlPort {
  readonly dialect: SqlDialect;
  /** Rows of `sql` (with `?` placeholders). Throws {@linkcode MissingTable} for no such table. */
  query(sql: string, params: unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs a statement; returns the rows it changed. Throws {@linkcode UniqueViolation}. */
  execute(sql: string, params: unknown[]): Promise<number>;
  close(): Promise<void>;
}

/** The table does not exist (yet): workers create it with their first result. */
export class MissingTable extends Error {}

/** An insert hit the unique task id: someone inserted the row in between. */
export class UniqueViolation extends Error {}

const CONNECT_TIMEOUT_S = 5;
/** Tries of a SQLite statement while workers hold the write lock: about 5 s in all. */
const SQLITE_BUSY_TRIES = 20;

/** Connects (lazily) to the database of `url`. */
export function connectSql(url: DatabaseBackendUrl): SqlPort {
  if (url.dialect === "postgresql") return postgresPort(url);
  if (url.dialect === "mysql") return mysqlPort(url);
  return sqlitePort(url.file);
}

function postgresPort(url: DatabaseBackendUrl): SqlPort {
  const client = import("postgres").then(({ default: postgres }) =>
    postgres({
      host: url.host,
      port: url.port,
      user: url.user ?? "postgres",
      password: url.password,
      database: url.database,
      ssl: url.tls ? "require" : false,
      max: 4,
      connect_timeout: CONNECT_TIMEOUT_S,
      idle_timeout: 60,
      onnotice: () => {},
    })
  );
  // A failed import is reported by the first query; it must not also end the process.
  client.catch(() => {});
  const numbered = (text: string) => {
    let n = 0;
    return text.replace(/\?/g, () => `$${++n}`);
  };
  const translate = (error: unknown): never => {
    const code = (error as { code?: string }).code;
    if (code === "42P01") throw new MissingTable(String((error as Error).message));
    if (code === "23505") throw new UniqueViolation(String((error as Error).message));
    throw error;
  };
  return {
    dialect: "postgresql",
    async query(text, params) {
      try {
        const sql = await client;
        return [...await sql.unsafe(numbered(text), params as never[])];
      } catch (error) {
        return translate(error);
      }
    },
    async execute(text, params) {
      try {
        const sql = await client;
        return (await sql.unsafe(numbered(text), params as never[])).count;
      } catch (error) {
        return translate(error);
      }
    },
    close: async () => await (await client).end({ timeout: 2 }),
  };
}

function mysqlPort(url: DatabaseBackendUrl): SqlPort {
  const connected = import("mysql2/promise").then(({ default: mysql }) =>
    mysql.createPool({
      host: url.host,
      port: url.port,
      user: url.user ?? "root",
      password: url.password,
      database: url.database,
      ssl: url.tls ? {} : undefined,
      connectionLimit: 4,
      connectTimeout: CONNECT_TIMEOUT_S * 1000,
      // Result ids and blobs come back as they are stored.
      supportBigNumbers: true,
      dateStrings: true,
    })
  );
  connected.catch(() => {});
  const translate = (error: unknown): never => {
    const code = (error as { code?: string }).code;
    if (code === "ER_NO_SUCH_TABLE") throw new MissingTable(String((error as Error).message));
    if (code === "ER_DUP_ENTRY") throw new UniqueViolation(String((error as Error).message));
    throw error;
  };
  return {
    dialect: "mysql",
    async query(text, params) {
      try {
        const [rows] = await (await connected).query(text, params);
        return rows as Record<string, unknown>[];
      } catch (error) {
        return translate(error);
      }
    },
    async execute(text, params) {
      try {
        const [result] = await (await connected).query(text, params);
        return (result as { affectedRows: number }).affectedRows;
      } catch (error) {
        return translate(error);
      }
    },
    close: async () => await (await connected).end(),
  };
}

/** SQLite: opened on first use once the file exists (the first worker result creates it). */
function sqlitePort(file: string): SqlPort {
  let db: SqliteDatabase | undefined;
  const open = async (): Promise<SqliteDatabase> => {
    if (db) return db;
    if (!existsSync(file)) throw new MissingTable(`the SQLite file '${file}' does not exist yet`);
    // SQLite's driver is synchronous: a short busy wait keeps a worker's write lock from
    // stalling Stalk's event loop; a read that finds the file locked is retried by the poll.
    db = await openSqlite(file, 50);
    return db;
  };
  const translate = (error: unknown): never => {
    const message = String((error as Error).message ?? error);
    if (/no such table/i.test(message)) throw new MissingTable(message);
    if (/UNIQUE constraint failed/i.test(message)) throw new UniqueViolation(message);
    throw error;
  };
  /** Runs `step`, waiting (without blocking the event loop) while a writer holds the lock. */
  const whenUnlocked = async <T>(step: (database: SqliteDatabase) => T): Promise<T> => {
    const database = await open();
    for (let attempt = 1;; attempt++) {
      try {
        return step(database);
      } catch (error) {
        const busy = /database is locked|SQLITE_BUSY/i.test(String((error as Error).message));
        if (!busy || attempt >= SQLITE_BUSY_TRIES) return translate(error);
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      }
    }
  };
  return {
    dialect: "sqlite",
    query: (text, params) => whenUnlocked((database) => database.all(text, params)),
    execute: (text, params) => whenUnlocked((database) => database.run(text, params)),
    close() {
      db?.close();
      db = undefined;
      return Promise.resolve();
    },
  };
}
