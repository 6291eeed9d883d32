/**
 * The workers dashboard's view, in the URL as the tasks page's is: the search box's text and
 * the sorted column. Parsed with valibot; a bad value is a 400 naming it.
 */
import * as v from "valibot";
import { readParams, sortByParam } from "../http/params.ts";
import type { WorkerCounts } from "../state/worker_counts.ts";
import type { QueryValues } from "./paths.ts";

/** One dashboard row. */
export interface WorkerRow {
  name: string;
  online: boolean;
  active: number | null;
  counts: WorkerCounts;
  loadavg: number[] | null;
}

/** The dashboard's columns, each sortable. */
export const WORKER_COLUMNS = [
  "name",
  "status",
  "active",
  "processed",
  "failed",
  "succeeded",
  "retried",
  "loadavg",
] as const;

/** One dashboard column. */
export type WorkerColumn = typeof WORKER_COLUMNS[number];

/** One dashboard view. */
export interface WorkersView {
  /** Case-insensitive text every shown row holds in its name or status. */
  search?: string;
  sortBy: WorkerColumn;
  descending: boolean;
}

/** The default view: every worker, by name. */
export const DEFAULT_WORKERS_VIEW: WorkersView = { sortBy: "name", descending: false };

const Params = v.object({
  search: v.optional(
    v.pipe(v.string(), v.trim(), v.maxLength(256, "expected at most 256 characters")),
  ),
  sort_by: sortByParam(WORKER_COLUMNS),
});

/** Reads a view from query parameters. */
export function parseWorkersView(query: (name: string) => string | undefined): WorkersView {
  const { search, sort_by: sort } = readParams(query, Params);
  if (!sort) return { ...DEFAULT_WORKERS_VIEW, search: search || undefined };
  return {
    search: search || undefined,
    sortBy: sort.replace(/^-/, "") as WorkerColumn,
    descending: sort.startsWith("-"),
  };
}

/** The view as query parameters, leaving out what equals the default. */
export function workersQuery(view: WorkersView, change: Partial<WorkersView> = {}): QueryValues {
  const next = { ...view, ...change };
  const sort = `${next.descending ? "-" : ""}${next.sortBy}`;
  return { search: next.search, sort_by: sort === "name" ? undefined : sort };
}

/** The direction a column sorts in on its first click: counts and load highest first. */
export function firstDescending(column: WorkerColumn): boolean {
  return column !== "name" && column !== "status";
}

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/** What a column sorts by; a missing value (offline load, unknown active) sorts lowest. */
function sortValue(row: WorkerRow, column: WorkerColumn): number {
  switch (column) {
    case "status":
      return row.online ? 1 : 0;
    case "active":
      return row.online && row.active !== null ? row.active : -1;
    case "loadavg":
      return row.online && row.loadavg?.length ? row.loadavg[0] : -1;
    case "name":
      return 0;
    default:
      return row.counts[column];
  }
}

/** True when `row` holds the view's search text (name, or Online/Offline). */
export function matchesSearch(row: WorkerRow, search: string | undefined): boolean {
  if (!search) return true;
  const needle = search.toLowerCase();
  const status = row.online ? "online" : "offline";
  return row.name.toLowerCase().includes(needle) || status === needle;
}

/** The rows the view shows, in its order; ties keep natural name order (`w2` before `w10`). */
export function applyWorkersView(rows: readonly WorkerRow[], view: WorkersView): WorkerRow[] {
  const sign = view.descending ? -1 : 1;
  return rows.filter((row) => matchesSearch(row, view.search)).sort((a, b) => {
    if (view.sortBy === "name") return sign * collator.compare(a.name, b.name);
    const by = sortValue(a, view.sortBy) - sortValue(b, view.sortBy);
    return by !== 0 ? sign * by : collator.compare(a.name, b.name);
  });
}
