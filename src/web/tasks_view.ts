/**
 * The tasks page's view, all of it in the URL so that it can be bookmarked and shared: filters,
 * search, sort, page and columns. Parsed with valibot; a bad value is a 400 naming it.
 */
import * as v from "valibot";
import { TASK_COLUMNS, type TaskColumn } from "../config.ts";
import { parseUtcMinute, readParams, sortByParam } from "../http/params.ts";
import { compileSearch, SearchError } from "../search/mod.ts";
import type { TaskQuery, TaskSortKey } from "../state/types.ts";
import type { QueryValues } from "./paths.ts";

/** Columns the state can sort by through its indexes. */
export const SORTABLE: readonly TaskSortKey[] = ["name", "state", "received", "started"];

/** Page sizes offered. */
export const PAGE_SIZES = [15, 50, 100] as const;

/** The default order: newest received first. */
export const DEFAULT_SORT = "-received";

/** One tasks-page view. */
export interface TasksView {
  state?: string;
  workername?: string;
  taskname?: string;
  /** `YYYY-MM-DDTHH:MM` in UTC, as a datetime-local input gives it. */
  receivedStart?: string;
  receivedEnd?: string;
  search?: string;
  sortBy: TaskSortKey;
  descending: boolean;
  offset: number;
  limit: number;
  columns: TaskColumn[];
}

const text = v.optional(
  v.pipe(
    v.string(),
    v.trim(),
    v.maxLength(2048, "expected at most 2048 characters"),
    v.transform((s) => (s === "" || s === "All" ? undefined : s)),
  ),
);

const MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

const minute = v.optional(
  v.pipe(
    v.string(),
    v.trim(),
    v.transform((s) => (s === "" ? undefined : s.replace(" ", "T"))),
    v.optional(
      v.pipe(
        v.string(),
        v.regex(MINUTE, "expected a UTC time as YYYY-MM-DD HH:MM"),
        v.check(
          (s) => MINUTE.test(s) && parseUtcMinute(s.replace("T", " ")) !== undefined,
          "expected a valid UTC time",
        ),
      ),
    ),
  ),
);

const Params = v.object({
  state: text,
  workername: text,
  taskname: text,
  received_start: minute,
  received_end: minute,
  // Not trimmed: an error's position must point into the query as the user typed it. Its
  // length and every other limit are the search language's, as in `/api/tasks`.
  search: v.optional(v.string()),
  sort_by: sortByParam(SORTABLE),
  offset: v.optional(v.pipe(v.string(), v.regex(/^\d{0,9}$/, "expected a non-negative integer"))),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.check(
        (s) => s === "" || (PAGE_SIZES as readonly number[]).includes(Number(s)),
        `expected one of ${PAGE_SIZES.join(", ")}`,
      ),
    ),
  ),
  columns: v.optional(
    v.pipe(
      v.string(),
      v.check(
        (s) =>
          s === "" || s === "all" ||
          s.split(",").every((name) => (TASK_COLUMNS as readonly string[]).includes(name)),
        `expected 'all' or column names among ${TASK_COLUMNS.join(", ")}`,
      ),
    ),
  ),
});

/** Reads a view from query parameters; `defaults` are `--tasks_columns`. */
export function parseTasksView(
  query: (name: string) => string | undefined,
  defaults: readonly TaskColumn[],
): TasksView {
  const p = readParams(query, Params);
  const sort = p.sort_by || DEFAULT_SORT;
  const columns = !p.columns
    ? [...defaults]
    : p.columns === "all"
    ? [...TASK_COLUMNS]
    : TASK_COLUMNS.filter((name) => p.columns!.split(",").includes(name));
  return {
    state: p.state,
    workername: p.workername,
    taskname: p.taskname,
    receivedStart: p.received_start,
    receivedEnd: p.received_end,
    search: p.search?.trim() ? p.search : undefined,
    sortBy: sort.replace(/^-/, "") as TaskSortKey,
    descending: sort.startsWith("-"),
    offset: p.offset ? Number(p.offset) : 0,
    limit: p.limit ? Number(p.limit) : PAGE_SIZES[0],
    columns,
  };
}

/** The view as query parameters, leaving out what equals the default. */
export function viewQuery(
  view: TasksView,
  defaults: readonly TaskColumn[],
  change: Partial<TasksView> = {},
): QueryValues {
  const next = { ...view, ...change };
  const sort = `${next.descending ? "-" : ""}${next.sortBy}`;
  const columns = next.columns.join(",");
  return {
    state: next.state,
    workername: next.workername,
    taskname: next.taskname,
    received_start: next.receivedStart,
    received_end: next.receivedEnd,
    search: next.search,
    sort_by: sort === DEFAULT_SORT ? undefined : sort,
    offset: next.offset > 0 ? next.offset : undefined,
    limit: next.limit === PAGE_SIZES[0] ? undefined : next.limit,
    columns: columns === defaults.join(",") ? undefined : columns,
  };
}

/**
 * The state query of the view's filters and search (no paging), or the `SearchError` to show
 * beside the search box. The search is compiled by the same code as `/api/tasks?search=`.
 */
export function filterQuery(view: TasksView): TaskQuery | SearchError {
  const search = view.search === undefined ? undefined : compileSearch(view.search);
  if (search instanceof SearchError) return search;
  const start = view.receivedStart ? parseUtcMinute(view.receivedStart.replace("T", " ")) : null;
  const end = view.receivedEnd ? parseUtcMinute(view.receivedEnd.replace("T", " ")) : null;
  return {
    offset: 0,
    sortBy: view.sortBy,
    descending: view.descending,
    state: view.state,
    workername: view.workername,
    taskname: view.taskname,
    // Inclusive minute bounds, exactly as `/api/tasks` reads them.
    receivedStart: start ?? undefined,
    receivedEnd: end ?? undefined,
    search: search?.matchesAll ? undefined : search,
  };
}

/** True when new tasks belong at the top of this view: received descending, first page. */
export function isLiveHead(view: TasksView): boolean {
  return view.offset === 0 && view.sortBy === "received" && view.descending;
}
