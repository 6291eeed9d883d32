// The SQLite port over a real file (node:sqlite under Deno): missing files and tables, unique ids.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectSql, MissingTable, UniqueViolation } from "../../../src/backend/sql_client.ts";
import { parseBackendUrl } from "../../../src/celery/backend_url.ts";

test("SQLite: a missing file or table is MissingTable; a duplicate task id is UniqueViolation", async () => {
  const dir = mkdtempSync(join(tmpdir(), "stalk-sql-"));
  try {
    const file = join(dir, "results.sqlite3");
    const url = parseBackendUrl(`db+sqlite:///${file}`);
    assert.equal(url.kind, "database");
    if (url.kind !== "database") return;
    const sql = connectSql(url);
    await assert.rejects(sql.query("SELECT 1", []), MissingTable);
    // The worker's first result creates the file; Stalk opens it then.
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(file);
    await assert.rejects(sql.query("SELECT * FROM celery_taskmeta", []), MissingTable);
    db.exec(
      "CREATE TABLE celery_taskmeta (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT UNIQUE, status TEXT)",
    );
    assert.equal(
      await sql.execute("INSERT INTO celery_taskmeta (task_id, status) VALUES (?, 'ABORTED')", [
        "t",
      ]),
      1,
    );
    await assert.rejects(
      sql.execute("INSERT INTO celery_taskmeta (task_id, status) VALUES (?, 'ABORTED')", ["t"]),
      UniqueViolation,
    );
    const rows = await sql.query(
      "SELECT task_id, status FROM celery_taskmeta WHERE task_id IN (?)",
      ["t"],
    );
    assert.deepEqual(rows.map((row) => ({ ...row })), [{ task_id: "t", status: "ABORTED" }]);
    db.close();
    await sql.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
