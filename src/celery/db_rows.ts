/**
 * Result rows of the database backends, decoded without running anything:
 *
 * - Celery's `celery_taskmeta` (`celery/backends/database/models.py`): `status`, `traceback`
 *   as text, and `result` a SQLAlchemy `PickleType`, so always a pickle, whatever the result
 *   serializer: of the plain value (or an exception dict) with the default `json` serializer,
 *   of an exception object with `pickle`, which the safe reader refuses.
 * - django-celery-results' `django_celery_results_taskresult`: `result` is the serializer's
 *   text (`content_type`), base64 when `content_encoding` is `binary` (pickle).
 */
import { readPickle } from "./pickle.ts";
import { outcomeOf, parseResultJson, type TaskOutcome } from "./task_result.ts";

/** A `celery_taskmeta` row as the SQL client returns it. */
export interface CeleryTaskRow {
  task_id: unknown;
  status: unknown;
  result: unknown;
  traceback: unknown;
}

/** A `django_celery_results_taskresult` row as the SQL client returns it. */
export interface DjangoTaskRow extends CeleryTaskRow {
  content_type: unknown;
  content_encoding: unknown;
}

/** The outcome of a `celery_taskmeta` row; throws when its result cannot be read safely. */
export function celeryRowOutcome(row: CeleryTaskRow): TaskOutcome {
  const taskId = String(row.task_id);
  const bytes = asBytes(row.result);
  const result = bytes === null ? null : readPickle(bytes);
  return outcomeOf(taskId, { status: row.status, result, traceback: text(row.traceback) });
}

/** The outcome of a django-celery-results row; throws when its result cannot be read safely. */
export function djangoRowOutcome(row: DjangoTaskRow): TaskOutcome {
  const taskId = String(row.task_id);
  const stored = text(row.result);
  let result: unknown = null;
  if (stored !== null && stored !== "") {
    const type = String(row.content_type ?? "");
    const binary = String(row.content_encoding ?? "") === "binary";
    if (type === "application/x-python-serialize") {
      result = readPickle(binary ? base64Bytes(stored) : new TextEncoder().encode(stored));
    } else if (type === "application/json" || type === "") {
      result = parseResultJson(binary ? new TextDecoder().decode(base64Bytes(stored)) : stored);
    } else {
      throw new Error(`results stored as '${type}' cannot be read; Stalk reads JSON and pickle`);
    }
  }
  return outcomeOf(taskId, { status: row.status, result, traceback: text(row.traceback) });
}

function asBytes(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return new TextEncoder().encode(value);
  throw new Error("the result column holds neither bytes nor text");
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return String(value);
}

function base64Bytes(value: string): Uint8Array {
  const binary = atob(value.trim());
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
