/**
 * Result stores other than Redis for the e2e suite: the local memcached, PostgreSQL and MariaDB
 * (a database of their own per fixture, dropped afterwards) and SQLite files. scripts/test
 * starts the servers; a missing one fails the test loudly.
 */

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fixturesDir, python } from "./paths.ts";
import { undoOnExit } from "./reaper.ts";
import { tempDir } from "./temp_dir.ts";

/** A result store a fixture owns: Celery's URL for it, and how to give it back. */
export interface ResultStore {
  /** A short name for test titles. */
  name: string;
  /** The `result_backend` URL the workers and Stalk share. */
  url: string;
  /** Runs one SQL statement in the store's database and returns its output (SQL stores). */
  sql?(statement: string): Promise<string>;
  remove(): Promise<void>;
}

/** The local memcached; task ids are unique, so fixtures can share it. */
export function memcachedStore(): ResultStore {
  return {
    name: "memcached",
    url: "cache+memcached://127.0.0.1:11211/",
    remove: () => Promise.resolve(),
  };
}

/** A fresh PostgreSQL database on 127.0.0.1:5432 (trust auth), as `<scheme>://…/<db>`. */
export async function postgresStore(scheme = "db+postgresql"): Promise<ResultStore> {
  const db = `stalk_e2e_${randomBytes(4).toString("hex")}`;
  const psql = (database: string, statement: string) =>
    run("psql", ["-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atqc", statement]);
  await psql("test", `CREATE DATABASE ${db}`);
  const release = undoOnExit(
    `pg:${db}`,
    `psql -h 127.0.0.1 -U postgres -d test -qc 'DROP DATABASE IF EXISTS ${db} WITH (FORCE)'`,
  );
  return {
    name: scheme.replace(/^db\+/, ""),
    url: `${scheme}://postgres@127.0.0.1:5432/${db}`,
    sql: (statement) => psql(db, statement),
    async remove() {
      await psql("test", `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      release();
    },
  };
}

/** A fresh MariaDB database on 127.0.0.1:3306 (root, no password), as `<scheme>://…/<db>`. */
export async function mariadbStore(scheme = "db+mysql"): Promise<ResultStore> {
  const db = `stalk_e2e_${randomBytes(4).toString("hex")}`;
  const mariadb = (statement: string, database?: string) =>
    run("mariadb", [
      "-h",
      "127.0.0.1",
      "-u",
      "root",
      "-N",
      "-B",
      ...(database ? [database] : []),
      "-e",
      statement,
    ]);
  await mariadb(`CREATE DATABASE ${db}`);
  const release = undoOnExit(
    `mariadb:${db}`,
    `mariadb -h 127.0.0.1 -u root -e 'DROP DATABASE IF EXISTS ${db}'`,
  );
  return {
    name: scheme.replace(/^db\+/, ""),
    url: `${scheme}://root@127.0.0.1:3306/${db}`,
    sql: (statement) => mariadb(statement, db),
    async remove() {
      await mariadb(`DROP DATABASE IF EXISTS ${db}`);
      release();
    },
  };
}

/** A new SQLite file in a temp folder, as `<scheme>:///<absolute path>`. */
export function sqliteStore(scheme = "db+sqlite"): ResultStore {
  const dir = tempDir("stalk-sqlite");
  const file = join(dir.path, "results.sqlite3");
  return {
    name: scheme.replace(/^db\+/, ""),
    url: `${scheme}:///${file}`,
    sql: (statement) => run("/usr/bin/python3", ["-c", SQLITE_SCRIPT, file, statement]),
    remove() {
      dir.remove();
      return Promise.resolve();
    },
  };
}

// The sqlite3 CLI is not installed everywhere; Python's sqlite3 module is (python3-celery).
const SQLITE_SCRIPT = [
  "import sqlite3, sys",
  "c = sqlite3.connect(sys.argv[1])",
  "rows = c.execute(sys.argv[2]).fetchall()",
  "c.commit()",
  "print('\\n'.join('|'.join('' if v is None else str(v) for v in r) for r in rows))",
].join("\n");

/** What a Celery worker of a django-celery-results app needs in its environment. */
export function djangoWorkerEnv(store: ResultStore): Record<string, string> {
  return {
    CELERY_RESULT_BACKEND: "django-db",
    DJANGO_SETTINGS_MODULE: "django_settings",
    STALK_E2E_DJANGO_DB: store.url,
  };
}

/** Creates django-celery-results' tables with its own migrations (`manage.py migrate`). */
export async function djangoMigrate(store: ResultStore): Promise<void> {
  await run(python, ["-m", "django", "migrate", "--noinput", "django_celery_results"], {
    cwd: fixturesDir,
    env: { ...process.env, ...djangoWorkerEnv(store), PYTHONPATH: fixturesDir },
  });
}

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 60_000, ...options }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${stderr || error.message}`));
      else resolve(stdout.trim());
    });
  });
}
