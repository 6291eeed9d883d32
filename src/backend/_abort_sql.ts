/**
 * The SQL that writes ABORTED, per table layout and dialect, as each backend's own store
 * would write `store_result(id, None, "ABORTED")`:
 *
 * - Celery (`DatabaseBackend._update_result`): status ABORTED; `result` (a NULL pickle),
 *   `traceback` and `date_done` (ABORTED is not a ready state) empty. A new row's id comes
 *   from `task_id_sequence` where SQLAlchemy made one (PostgreSQL, MariaDB 10.3+), from
 *   auto-increment elsewhere (MySQL, SQLite, tables made by hand or by migrations).
 * - django-celery-results (`TaskResultManager.store_result`): the JSON `null` result with its
 *   content type, `meta` with no children, no traceback, `date_done` now.
 *
 * Unlike both, the task's name, arguments and worker columns are left as they are, and a
 * SUCCESS row is never overwritten (the guard Celery's key-value backends have).
 */
import type { SqlDialect } from "../celery/backend_url.ts";

/** Whose tables. */
export type TableLayout = "celery" | "django";

/** One abort: try the update, else see whether the row exists, else insert it. */
export interface AbortStatements {
  update: string;
  exists: string;
  /** Ways to insert the row, tried in order until one works (see `celeryInserts`). */
  inserts: string[];
}

const PICKLE_TYPE = "application/x-python-serialize";
/** `base64(pickle.dumps(None, protocol=4))` and of `{"children": None}`, as kombu writes them. */
const PICKLED_NONE = "gAROLg==";
const PICKLED_META = "gASVEAAAAAAAAAB9lIwIY2hpbGRyZW6UTnMu";

const NOW: Record<SqlDialect, string> = {
  postgresql: "CURRENT_TIMESTAMP",
  mysql: "UTC_TIMESTAMP(6)",
  sqlite: "CURRENT_TIMESTAMP",
};

/** The statements for `layout` on `dialect`; each takes the task id as its one parameter. */
export function abortStatements(layout: TableLayout, dialect: SqlDialect): AbortStatements {
  if (layout === "celery") {
    const table = "celery_taskmeta";
    return {
      update: `UPDATE ${table} SET status = 'ABORTED', result = NULL, traceback = NULL, ` +
        `date_done = NULL WHERE task_id = ? AND status <> 'SUCCESS'`,
      exists: `SELECT 1 AS found FROM ${table} WHERE task_id = ?`,
      inserts: celeryInserts(table, dialect),
    };
  }
  const table = "django_celery_results_taskresult";
  const now = NOW[dialect];
  const meta = `'{"children": null}'`;
  // A row the pickle serializer wrote stays a pickle (base64 of None and of {"children": None}),
  // since its workers read only that; any other row gets JSON.
  const pickled = `content_type = '${PICKLE_TYPE}'`;
  const either = (ifPickle: string, json: string) =>
    `CASE WHEN ${pickled} THEN ${ifPickle} ELSE ${json} END`;
  return {
    update: `UPDATE ${table} SET status = 'ABORTED', ` +
      `result = ${either(`'${PICKLED_NONE}'`, "'null'")}, ` +
      `meta = ${either(`'${PICKLED_META}'`, meta)}, ` +
      `content_encoding = ${either("'binary'", "'utf-8'")}, ` +
      `content_type = ${either("content_type", "'application/json'")}, ` +
      `traceback = NULL, date_done = ${now} WHERE task_id = ? AND status <> 'SUCCESS'`,
    exists: `SELECT 1 AS found FROM ${table} WHERE task_id = ?`,
    inserts: [
      `INSERT INTO ${table} (task_id, status, result, content_type, content_encoding, ` +
      `meta, traceback, date_created, date_done) VALUES (?, 'ABORTED', 'null', ` +
      `'application/json', 'utf-8', ${meta}, NULL, ${now}, ${now})`,
    ],
  };
}

/** The id sources of a new `celery_taskmeta` row, the likeliest first for each server. */
function celeryInserts(table: string, dialect: SqlDialect): string[] {
  const plain = `INSERT INTO ${table} (task_id, status) VALUES (?, 'ABORTED')`;
  const next = dialect === "postgresql"
    ? "nextval('task_id_sequence')"
    : dialect === "mysql"
    ? "NEXTVAL(task_id_sequence)"
    : undefined;
  if (!next) return [plain];
  const sequenced = `INSERT INTO ${table} (id, task_id, status) VALUES (${next}, ?, 'ABORTED')`;
  return dialect === "postgresql" ? [sequenced, plain] : [plain, sequenced];
}
