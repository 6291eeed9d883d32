/** Read routes over the event state: `/api/tasks`, `/api/task/info/<id>`, `/api/task/types`. */
import * as v from "valibot";
import { notFound } from "../../errors.ts";
import type { TaskJson, TaskQuery, TaskSortKey } from "../../state/types.ts";
import type { AppDeps, Register } from "../app.ts";
import {
  optionalCount,
  optionalFilter,
  optionalInteger,
  optionalMinute,
  parseQuery,
} from "../params.ts";

const SORT_KEYS = ["name", "state", "received", "started"];

const ListTasksParams = v.object({
  limit: optionalCount,
  offset: optionalInteger,
  sort_by: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.check(
        (text) => text === "" || SORT_KEYS.includes(text.replace(/^-/, "")),
        `expected one of ${SORT_KEYS.join(", ")}, optionally prefixed with '-'`,
      ),
    ),
  ),
  workername: optionalFilter,
  taskname: optionalFilter,
  state: optionalFilter,
  received_start: optionalMinute,
  received_end: optionalMinute,
});

/** Builds the state query from validated parameters. */
function toQuery(params: v.InferOutput<typeof ListTasksParams>): TaskQuery {
  const sort = params.sort_by || undefined;
  return {
    limit: params.limit,
    offset: Math.max(0, params.offset ?? 0),
    sortBy: sort ? (sort.replace(/^-/, "") as TaskSortKey) : undefined,
    descending: sort?.startsWith("-") ?? false,
    workername: params.workername,
    taskname: params.taskname,
    state: params.state,
    receivedStart: params.received_start,
    receivedEnd: params.received_end,
  };
}

/**
 * Serialises a page as Flower does: an object keyed by task id in page order, each task without
 * `worker` when no worker handled it. Built as text so numeric-looking ids keep their order.
 */
export function tasksToJson(tasks: TaskJson[]): string {
  const parts: string[] = [];
  for (const task of tasks) {
    const body = task.worker === null ? { ...task, worker: undefined } : task;
    parts.push(`${JSON.stringify(task.uuid)}:${JSON.stringify(body)}`);
  }
  return `{${parts.join(",")}}`;
}

/** Registers the task read routes. */
export function registerTaskRoutes(route: Register, deps: AppDeps): void {
  route("GET", "/api/tasks", (c) => {
    const query = toQuery(parseQuery(c, ListTasksParams));
    return c.body(tasksToJson(deps.state.tasks(query)), 200, {
      "Content-Type": "application/json; charset=UTF-8",
    });
  });

  route("GET", "/api/task/types", (c) => c.json({ "task-types": deps.state.taskTypes() }));

  route("GET", "/api/task/info/:id{.*}", (c) => {
    const id = c.req.param("id") ?? "";
    const task = deps.state.task(id);
    if (!task) throw notFound(`Unknown task '${id}'`);
    return c.json(task);
  });
}
