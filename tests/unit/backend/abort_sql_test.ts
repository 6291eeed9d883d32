// The ABORTED writes per table layout and dialect.
import { test } from "node:test";
import assert from "node:assert/strict";
import { abortStatements } from "../../../src/backend/_abort_sql.ts";

test("Celery's table: the update keeps SUCCESS; PostgreSQL ids come from task_id_sequence", () => {
  const pg = abortStatements("celery", "postgresql");
  assert.match(pg.update, /SET status = 'ABORTED', result = NULL.*AND status <> 'SUCCESS'$/);
  assert.match(pg.inserts[0], /nextval\('task_id_sequence'\)/);
  // MySQL auto-increments; MariaDB 10.3+ has the sequence SQLAlchemy made instead.
  const mysql = abortStatements("celery", "mysql").inserts;
  assert.doesNotMatch(mysql[0], /NEXTVAL/);
  assert.match(mysql[1], /NEXTVAL\(task_id_sequence\)/);
  assert.deepEqual(abortStatements("celery", "sqlite").inserts.length, 1);
});

test("django-celery-results: a JSON null result with its content type, date_done in UTC", () => {
  const mysql = abortStatements("django", "mysql");
  assert.match(mysql.update, /result = CASE WHEN .* ELSE 'null' END/);
  // A pickled row stays a pickle; MySQL reads later SET clauses after earlier ones, so
  // content_type, which the others test, is set last.
  assert.match(mysql.update, /THEN 'gAROLg==' ELSE 'null'/);
  assert.match(mysql.update, /content_type = CASE [^,]*ELSE 'application\/json' END, traceback/);
  assert.match(mysql.update, /date_done = UTC_TIMESTAMP\(6\)/);
  assert.match(
    abortStatements("django", "sqlite").inserts[0],
    /CURRENT_TIMESTAMP, CURRENT_TIMESTAMP\)$/,
  );
});

test("every statement takes the task id as its only parameter", () => {
  for (const layout of ["celery", "django"] as const) {
    for (const dialect of ["postgresql", "mysql", "sqlite"] as const) {
      const { update, exists, inserts } = abortStatements(layout, dialect);
      for (const sql of [update, exists, ...inserts]) {
        assert.equal(sql.split("?").length - 1, 1, sql);
      }
    }
  }
});
