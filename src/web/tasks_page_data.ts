/**
 * The rows of one tasks-page view, read through the same State query the API uses. A page past
 * the middle of a sorted listing is read from the other end, so that the last page costs what
 * the first one does instead of a top-k over the whole store.
 */
import { SearchError } from "../search/mod.ts";
import type { TaskJson } from "../state/types.ts";
import type { WebStateReader } from "./deps.ts";
import { filterQuery, type TasksView } from "./tasks_view.ts";

/** One page of tasks and how many match the view. */
export interface TasksPage {
  tasks: TaskJson[];
  total: number;
  /** Why the view's search was refused (then there are no tasks), as the API's 400 says it. */
  searchError?: SearchError;
}

/** Builds what the view's search reads, yielding to the event loop (see `State.prepareSearch`). */
export async function prepareView(state: WebStateReader, view: TasksView): Promise<void> {
  const query = filterQuery(view);
  if (!(query instanceof SearchError) && query.search) await state.prepareSearch?.(query.search);
}

/** The states the tasks page offers as filter chips, with Flower's labels and a few more. */
export const CHIP_STATES: [string | undefined, string][] = [
  [undefined, "All"],
  ["RECEIVED", "Received"],
  ["STARTED", "Started"],
  ["SUCCESS", "Succeeded"],
  ["FAILURE", "Failed"],
  ["RETRY", "Retried"],
  ["REVOKED", "Revoked"],
];

/** How many tasks are held in each chip's state (`ALL` for every task): a list length each. */
export function stateCounts(state: WebStateReader): Record<string, number> {
  const counts: Record<string, number> = { ALL: state.taskCount };
  for (const [name] of CHIP_STATES) {
    if (name) counts[name] = state.countTasks({ offset: 0, descending: false, state: name });
  }
  return counts;
}

/** Reads the page `view` asks for. */
export function readTasksPage(state: WebStateReader, view: TasksView): TasksPage {
  const query = filterQuery(view);
  if (query instanceof SearchError) return { tasks: [], total: 0, searchError: query };
  const total = state.countTasks(query);
  const { offset, limit } = view;
  if (offset >= total) return { tasks: [], total };
  const fromEnd = total - offset - limit;
  if (offset > total / 2 && fromEnd >= -limit) {
    // The same rows, counted from the other end and read in reverse.
    const size = Math.min(limit, total - offset);
    const tasks = state.tasks({
      ...query,
      descending: !view.descending,
      offset: Math.max(0, fromEnd),
      limit: size,
    });
    return { tasks: tasks.reverse(), total };
  }
  return { tasks: state.tasks({ ...query, offset, limit }), total };
}
