/**
 * "Run again" on the task page: the send-task request that repeats a task, read back from what
 * events recorded (its name, the reprs of its arguments, where it was routed), or the reason it
 * cannot be repeated exactly.
 */
import { literalJson } from "../celery/python_literal.ts";
import type { TaskJson } from "../state/types.ts";

/** A task that can be sent again, as it was sent. */
export interface Rerun {
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** The queue it was routed to, when events said; the default queue otherwise. */
  queue?: string;
}

/** How to send `task` again, or why it cannot be. */
export function rerunOf(task: TaskJson): { rerun: Rerun } | { reason: string } {
  if (task.name === null) return { reason: "its name is not known (no task-received seen)" };
  if (task.args === null || task.kwargs === null) {
    return { reason: "its arguments are not known (no task-received seen)" };
  }
  const args = literalJson(task.args);
  const kwargs = literalJson(task.kwargs);
  if (!args || !Array.isArray(args.value) || !kwargs || !isObject(kwargs.value)) {
    return {
      reason: "its arguments are not plain JSON values as shown (a cut repr, bytes, sets, " +
        "objects or whole-number floats), so they cannot be sent again exactly",
    };
  }
  const rerun: Rerun = { name: task.name, args: args.value, kwargs: kwargs.value };
  // Through the default exchange, the routing key is the queue (Celery's usual routing).
  const key = task.routing_key;
  if (key && (!task.exchange || task.exchange === key)) rerun.queue = key;
  return { rerun };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
