/**
 * Database result backends: Celery's SQLAlchemy one (`db+postgresql://`, `db+mysql://`,
 * `db+sqlite:///`) and django-celery-results (`django-db+…`). Reads are batched and waits are
 * polled (src/backend/_poll.ts): one `SELECT … WHERE task_id IN (…)` per interval serves every
 * waiter. A table that does not exist yet means nothing is stored: PENDING.
 */
import { celeryRowOutcome, djangoRowOutcome } from "../celery/db_rows.ts";
import { describeError } from "../log.ts";
import { backendUnavailable, type ResultBackend } from "./backend.ts";
import { type BatchRead, PolledBackend, type PolledResultsOptions } from "./_poll.ts";
import { MissingTable, type SqlPort, UniqueViolation } from "./sql_client.ts";
import { abortStatements, type TableLayout } from "./_abort_sql.ts";

/** Options for {@linkcode DatabaseBackend}. */
export interface DatabaseBackendOptions extends PolledResultsOptions {
  /** Which tables: Celery's own or django-celery-results'. */
  tables: "celery" | "django";
}

/** Results read from (and aborts written to) a SQL database. */
export class DatabaseBackend extends PolledBackend implements ResultBackend {
  readonly kind = "database" as const;
  readonly #sql: SqlPort;
  readonly #layout: TableLayout;

  constructor(sql: SqlPort, options: DatabaseBackendOptions) {
    super(options);
    this.#sql = sql;
    this.#layout = options.tables;
  }

  /**
   * Stores ABORTED as `AbortableAsyncResult.abort()` does (status ABORTED, no result, no
   * traceback), unless the task already succeeded: the UPDATE's own `WHERE` keeps a result
   * the worker wrote in between. Without a row, one is inserted, as Celery's store does.
   */
  async abort(taskId: string): Promise<void> {
    const statements = abortStatements(this.#layout, this.#sql.dialect);
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await this.#sql.execute(statements.update, [taskId]) > 0) return;
        const exists = await this.#sql.query(statements.exists, [taskId]);
        if (exists.length > 0) return; // The row is SUCCESS: keep it.
        try {
          await this.#insert(statements.inserts, taskId);
          return;
        } catch (error) {
          if (!(error instanceof UniqueViolation)) throw error;
          // The worker inserted the row in between: update it on the next round.
        }
      }
    } catch (error) {
      if (error instanceof MissingTable) {
        throw backendUnavailable(
          `cannot abort '${taskId}': the results table does not exist yet (no worker has stored a result)`,
          error,
        );
      }
      throw backendUnavailable(describeError(error), error);
    }
    throw backendUnavailable(`the row of '${taskId}' kept changing while aborting it`);
  }

  /** Tries each way of inserting the row; a unique violation ends the tries at once. */
  async #insert(inserts: string[], taskId: string): Promise<void> {
    let failure: unknown;
    for (const insert of inserts) {
      try {
        await this.#sql.execute(insert, [taskId]);
        return;
      } catch (error) {
        if (error instanceof UniqueViolation) throw error;
        failure = error;
      }
    }
    throw failure;
  }

  async close(): Promise<void> {
    this.stopPolling();
    await this.#sql.close();
  }

  protected override async readMany(ids: string[]): Promise<Map<string, BatchRead>> {
    const table = this.#layout === "celery"
      ? "celery_taskmeta"
      : "django_celery_results_taskresult";
    const extra = this.#layout === "django" ? ", content_type, content_encoding" : "";
    let rows: Record<string, unknown>[];
    try {
      rows = await this.#sql.query(
        `SELECT task_id, status, result, traceback${extra} FROM ${table} WHERE task_id IN (${
          ids.map(() => "?").join(", ")
        })`,
        ids,
      );
    } catch (error) {
      if (error instanceof MissingTable) return new Map();
      throw error;
    }
    const decode = this.#layout === "celery" ? celeryRowOutcome : djangoRowOutcome;
    const out = new Map<string, BatchRead>();
    for (const row of rows) {
      const taskId = String(row.task_id);
      try {
        out.set(taskId, decode(row as never));
      } catch (error) {
        out.set(taskId, error as Error);
      }
    }
    return out;
  }
}
