/**
 * The result document Celery's `AbortableAsyncResult.abort()` stores for a task, which an
 * `AbortableTask` polls for: every result backend that can abort writes this one.
 */
import { pythonJsonDumps } from "./python_repr.ts";

/** Celery's `result_expires` default in seconds: how long the written document lives. */
export const RESULT_EXPIRES = 86_400;

/** The fields of the ABORTED document for `taskId`, before any serialiser writes them. */
export function abortedMeta(taskId: string): Record<string, string | null> {
  return {
    status: "ABORTED",
    result: null,
    traceback: null,
    children: null,
    date_done: null,
    task_id: taskId,
  };
}

/** The ABORTED document for `taskId`, serialised as Celery's JSON backend writes it. */
export function abortedDocument(taskId: string): string {
  return pythonJsonDumps(abortedMeta(taskId));
}
